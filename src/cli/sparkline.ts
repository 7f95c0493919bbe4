/** The eight levels of a sparkline, lowest first. */
const LEVELS = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"] as const;

/** A point without a value: no traffic in its window, so no rate or latency to draw. */
const GAP = "·";

/** Drawn for every point when all values are equal: there is no spread to show, so mid-height. */
const FLAT = "▄";

/**
 * Digits a band position keeps: a rate read back from counts carries float noise (2.4 - 0.8 is
 * 1.5999999999999999), which must not drop a value that lies on a band's edge into the band below.
 */
const PRECISION = 12;

/**
 * One character per point, so a history reads at a glance in a terminal. The points' own minimum
 * to maximum is cut into eight equal bands, lowest ▁ to highest █: the minimum is always ▁ and the
 * maximum █, and a larger value is never drawn lower: a value's band is ⌊8 · (v − min) / (max − min)⌋
 * (to 12 significant digits), the maximum's 8 drawn as █. Scaled to the points shown (not to 0..100%),
 * so a dip from 100% to 99% is as visible as one to 50%: the printed min and max say how deep.
 * A point without a value is `·`, never a level, since no traffic is not a low value.
 */
export function sparkline(values: readonly (number | null)[]): string {
  const present = values.filter((v): v is number => v !== null);
  const min = Math.min(...present);
  const span = Math.max(...present) - min;
  return values
    .map((v) => {
      if (v === null) return GAP;
      if (span === 0) return FLAT;
      const band = Math.floor(Number((((v - min) / span) * LEVELS.length).toPrecision(PRECISION)));
      return LEVELS[Math.min(LEVELS.length - 1, band)];
    })
    .join("");
}
