const UNIT_MS = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
const DURATION = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/;

/**
 * Parses a Go/Prometheus-style duration (`30s`, `5m`, `1h30m`, `500ms`) into milliseconds.
 * Returns undefined for anything else, including signs, fractions and values too large to hold
 * exactly, so the caller can say what is accepted instead of guessing.
 */
export function parseDurationMs(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (!match || text === "") {
    return undefined;
  }
  const [, h, m, s, ms] = match;
  const total =
    Number(h ?? 0) * UNIT_MS.h + Number(m ?? 0) * UNIT_MS.m + Number(s ?? 0) * UNIT_MS.s + Number(ms ?? 0);
  // A run of digits long enough to lose precision (or overflow to Infinity) is no duration either.
  return Number.isSafeInteger(total) ? total : undefined;
}

/** The last duration printed: every item of a list prints the same window. */
let lastDuration = { ms: Number.NaN, text: "" };

/**
 * Prints a duration the way Prometheus prints one (`1h30m`, `5m`, `30s`): the canonical spelling
 * we echo in `window`, and the one we place in PromQL range selectors.
 */
export function formatDuration(ms: number): string {
  if (ms === lastDuration.ms) return lastDuration.text;
  let rest = ms;
  let out = "";
  for (const [unit, size] of Object.entries(UNIT_MS)) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  lastDuration = { ms, text: out === "" ? "0s" : out };
  return lastDuration.text;
}

let lastTimestamp = { ms: Number.NaN, text: "" };

/**
 * RFC 3339 to the second, as Go's `metav1.Time` marshals. Every item of a list has the same one:
 * the last is remembered.
 */
export function formatTimestamp(time: Date): string {
  const ms = time.getTime();
  if (ms !== lastTimestamp.ms) lastTimestamp = { ms, text: `${time.toISOString().slice(0, 19)}Z` };
  return lastTimestamp.text;
}
