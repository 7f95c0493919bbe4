import type { SpreadRange } from "./histogram-series";

/**
 * Schema 3: eight buckets per doubling, each about 9% wide. It is what client_golang picks for
 * its usual bucket factor of 1.1, and Prometheus 2.42 keeps it (it reduces only when adding
 * histograms of different schemas).
 */
export const NATIVE_SCHEMA = 3;
const PER_DOUBLING = 2 ** NATIVE_SCHEMA;

/**
 * The zero bucket's threshold for a histogram in units of `msPerUnit` ms: about a microsecond,
 * rounded down to a bucket boundary (2^-10 for ms, 2^-20 for seconds). Small enough that the zero
 * bucket holds a thousandth of the fastest share, large enough that the range below 1 ms needs
 * some 80 buckets rather than the thousand client_golang's 2^-128 would spread it over.
 */
export const zeroThresholdFor = (msPerUnit: number): number => 2 ** Math.floor(Math.log2(0.001 / msPerUnit));

/** Observations per second of a native histogram whose observations grow linearly. */
export interface NativeRates {
  readonly zeroThreshold: number;
  /** In the zero bucket, [0, zeroThreshold]. */
  readonly zeroPerS: number;
  /** The populated positive buckets in index order, bucket `i` being (2^((i-1)/8), 2^(i/8)]. */
  readonly buckets: readonly (readonly [index: number, perS: number])[];
  /** Growth of `sample_sum`: each range's rate times its midpoint, as an even spread has. */
  readonly sumPerS: number;
}

/** The index of the schema-3 bucket holding `v` > 0: the least `i` with v ≤ 2^(i/8). */
const bucketIndex = (v: number) => Math.ceil(Math.log2(v) * PER_DOUBLING);
const upperBound = (index: number) => 2 ** (index / PER_DOUBLING);

/**
 * Spreads each range's observations evenly: the zero bucket and each exponential bucket get the
 * range's rate in proportion to how much of the range they overlap. This is the even spread inside
 * a mix's range that classic buckets assume too, so both forms describe the same traffic.
 */
export function nativeRates(ranges: readonly SpreadRange[], zeroThreshold: number): NativeRates {
  const perBucket = new Map<number, number>();
  let zeroPerS = 0;
  let sumPerS = 0;
  for (const { from, to, ratePerS } of ranges) {
    const density = ratePerS / (to - from);
    sumPerS += (ratePerS * (from + to)) / 2;
    zeroPerS += density * Math.max(0, Math.min(to, zeroThreshold) - from);
    const low = Math.max(from, zeroThreshold);
    for (let i = bucketIndex(low); low < to && i <= bucketIndex(to); i++) {
      const overlap = Math.min(to, upperBound(i)) - Math.max(low, upperBound(i - 1));
      if (overlap > 0) perBucket.set(i, (perBucket.get(i) ?? 0) + density * overlap);
    }
  }
  const buckets = [...perBucket].sort(([a], [b]) => a - b);
  return { zeroThreshold, zeroPerS, buckets, sumPerS };
}

/** A run of consecutive buckets: `offset` from the previous run's end (the first: from index 0). */
export interface BucketSpan {
  readonly offset: number;
  readonly length: number;
}

/** The spans that cover ascending bucket indexes, one per run of consecutive ones. */
export function spansOf(indexes: readonly number[]): BucketSpan[] {
  const spans: { offset: number; length: number }[] = [];
  let previous: number | undefined;
  for (const index of indexes) {
    const last = spans.at(-1);
    if (last !== undefined && previous !== undefined && index === previous + 1) last.length++;
    else spans.push({ offset: previous === undefined ? index : index - previous - 1, length: 1 });
    previous = index;
  }
  return spans;
}
