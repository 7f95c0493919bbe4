import { BucketBounds, quantileOf } from "../../src/prometheus/histogram";

/**
 * A quantile of buckets given as a list, through the same pieces `measure()` uses: bounds given
 * slots (equal bounds merged), then `quantileOf`.
 */
export function quantileOfBuckets(
  q: number,
  buckets: readonly { upperBound: number; count: number }[],
): number {
  const bounds = new BucketBounds();
  const counts: number[] = [];
  for (const { upperBound, count } of buckets) {
    const slot = bounds.slot(upperBound);
    counts[slot] = (counts[slot] ?? 0) + count;
  }
  return quantileOf(q, bounds.prepare(counts));
}
