import { parseSampleValue } from "./envelope";

/** One cumulative bucket: observations at or below `upperBound`. */
export interface Bucket {
  readonly upperBound: number;
  readonly count: number;
}

/** Buckets sorted, equal bounds merged and counts forced monotonic: ready for any quantile. */
export interface PreparedBuckets {
  readonly buckets: readonly Bucket[];
}

/**
 * The part of Prometheus' `histogram_quantile` (`promql/quantile.go`) that does not depend on q:
 * sort, merge equal bounds, force monotonic counts. Done once per object so p50, p90 and p99 share
 * it. Undefined when the buckets cannot answer any quantile (no +Inf bucket, fewer than two).
 */
export function prepareBuckets(input: readonly Bucket[]): PreparedBuckets | undefined {
  const sorted = [...input].sort((a, b) => a.upperBound - b.upperBound);
  if (sorted.at(-1)?.upperBound !== Infinity) return undefined;
  const buckets: { upperBound: number; count: number }[] = [];
  for (const b of sorted) {
    const prev = buckets.at(-1);
    if (prev !== undefined && prev.upperBound === b.upperBound) prev.count += b.count;
    else buckets.push({ upperBound: b.upperBound, count: b.count });
  }
  let max = -Infinity;
  for (const b of buckets) {
    if (b.count > max) max = b.count;
    else if (b.count < max) b.count = max;
  }
  return buckets.length < 2 ? undefined : { buckets };
}

/**
 * Interpolates linearly inside the bucket that holds the rank, answering the second-highest bound
 * when the rank lands in the +Inf bucket, as Prometheus does. NaN means "no observations".
 */
export function quantileOf(q: number, prepared: PreparedBuckets | undefined): number {
  if (Number.isNaN(q)) return Number.NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  if (prepared === undefined) return Number.NaN;
  const { buckets } = prepared;
  const observations = buckets[buckets.length - 1]?.count ?? 0;
  if (!(observations > 0)) return Number.NaN;

  let rank = q * observations;
  let b = buckets.findIndex((bucket, i) => i < buckets.length - 1 && bucket.count >= rank);
  if (b === -1) b = buckets.length - 1;
  if (b === buckets.length - 1) return buckets[buckets.length - 2]?.upperBound ?? Number.NaN;
  const current = buckets[b] as Bucket;
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

/**
 * Prometheus' `histogram_quantile` for classic buckets, reproduced so one query of bucket rates can
 * serve p50, p90 and p99 together instead of three server-side quantile queries.
 */
export function bucketQuantile(q: number, input: readonly Bucket[]): number {
  return quantileOf(q, prepareBuckets(input));
}

const bounds = new Map<string, number | undefined>();

/** Reads an `le` label; an unparseable bound drops the sample, as Prometheus does. */
export function parseUpperBound(le: string | undefined): number | undefined {
  if (le === undefined) return undefined;
  let bound = bounds.get(le);
  if (bound === undefined && !bounds.has(le)) {
    bound = parseSampleValue(le);
    // The same few bounds repeat on every object; a backend sending endless distinct ones is not cached.
    if (bounds.size < 1000) bounds.set(le, bound);
  }
  return bound;
}
