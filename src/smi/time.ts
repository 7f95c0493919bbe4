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
const DAY_MS = 86_400_000;
/** The UTC day of the last timestamp printed: where it starts, and its `2025-11-24T`. */
let lastDay = { startMs: Number.NaN, prefix: "" };
/** `00` to `59`: an hour, minute or second of a timestamp. */
const TWO_DIGITS = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, "0"));

/**
 * RFC 3339 to the second, as Go's `metav1.Time` marshals (`toISOString` cut to the second). Every
 * item of a list has the same one: the last is remembered. A range answer's points are a day's
 * worth of times: the date is printed once per UTC day and each point's time of day by
 * arithmetic, as `toISOString` for each was a point's largest cost after its metrics.
 */
export function formatTimestamp(time: Date): string {
  const ms = time.getTime();
  if (ms === lastTimestamp.ms) return lastTimestamp.text;
  // `%` is exact where a division may round up to the next day.
  const startMs = ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS);
  // An invalid date throws here, as toISOString does.
  if (startMs !== lastDay.startMs) {
    const iso = new Date(startMs).toISOString();
    lastDay = { startMs, prefix: iso[10] === "T" ? iso.slice(0, 11) : "" };
  }
  // A year outside 0000-9999 is written with a sign and six digits: printed as it always was.
  if (lastDay.prefix === "") return printed(ms, `${time.toISOString().slice(0, 19)}Z`);
  const second = Math.floor((ms - startMs) / 1000);
  const text = `${lastDay.prefix}${TWO_DIGITS[Math.floor(second / 3600)]}:${TWO_DIGITS[Math.floor(second / 60) % 60]}:${TWO_DIGITS[second % 60]}Z`;
  return printed(ms, text);
}

function printed(ms: number, text: string): string {
  lastTimestamp = { ms, text };
  return text;
}
