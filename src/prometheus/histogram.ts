import { parseSampleValue } from "./envelope";

/** One cumulative bucket: observations at or below `upperBound`. */
export interface Bucket {
  readonly upperBound: number;
  readonly count: number;
}

/**
 * Prometheus' `histogram_quantile` for classic buckets, reproduced so one query of bucket rates can
 * serve p50, p90 and p99 together instead of three server-side quantile queries. Follows
 * `promql/quantile.go`: sort, merge equal bounds, force monotonic counts, interpolate linearly
 * inside the bucket that holds the rank, and answer the second-highest bound when the rank lands
 * in the +Inf bucket. NaN means "no observations", never zero.
 */
export function bucketQuantile(q: number, input: readonly Bucket[]): number {
  if (Number.isNaN(q)) return Number.NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = [...input].sort((a, b) => a.upperBound - b.upperBound);
  const last = sorted.at(-1);
  if (last === undefined || last.upperBound !== Infinity) return Number.NaN;

  const buckets: { upperBound: number; count: number }[] = [];
  for (const b of sorted) {
    const prev = buckets.at(-1);
    if (prev !== undefined && prev.upperBound === b.upperBound) {
      prev.count += b.count;
    } else {
      buckets.push({ upperBound: b.upperBound, count: b.count });
    }
  }
  let max = -Infinity;
  for (const b of buckets) {
    if (b.count > max) max = b.count;
    else if (b.count < max) b.count = max;
  }
  if (buckets.length < 2) return Number.NaN;
  const observations = buckets[buckets.length - 1]?.count ?? 0;
  if (!(observations > 0)) return Number.NaN;

  let rank = q * observations;
  let b = buckets.findIndex((bucket, i) => i < buckets.length - 1 && bucket.count >= rank);
  if (b === -1) b = buckets.length - 1;
  if (b === buckets.length - 1) return buckets[buckets.length - 2]?.upperBound ?? Number.NaN;
  const current = buckets[b] as { upperBound: number; count: number };
  if (b === 0 && current.upperBound <= 0) return current.upperBound;
  let bucketStart = 0;
  let count = current.count;
  const previous = buckets[b - 1];
  if (previous !== undefined) {
    bucketStart = previous.upperBound;
    count -= previous.count;
    rank -= previous.count;
  }
  return bucketStart + (current.upperBound - bucketStart) * (rank / count);
}

/** Reads an `le` label; an unparseable bound drops the sample, as Prometheus does. */
export function parseUpperBound(le: string | undefined): number | undefined {
  return le === undefined ? undefined : parseSampleValue(le);
}
