import { parseSampleValue } from "./envelope";

/** Buckets sorted, equal bounds merged and counts forced monotonic: ready for any quantile. */
export interface PreparedBuckets {
  readonly upperBounds: readonly number[];
  readonly counts: readonly number[];
}

/**
 * The bounds a set of histograms uses, each given a slot, so every object keeps its buckets as one
 * array of counts indexed by slot. A 10,000-pod list has ~260,000 buckets: as one object each they
 * cost ~20 MB and the collector's time; as numbers in per-object arrays, about 2 MB.
 * Equal bounds share a slot, so their counts add up, as `histogram_quantile` merges them.
 */
export class BucketBounds {
  readonly #slotOfBound = new Map<number, number>();
  readonly #bounds: number[] = [];
  #order: number[] | undefined;

  /** The slot of an upper bound, created on first use. */
  slot(upperBound: number): number {
    let slot = this.#slotOfBound.get(upperBound);
    if (slot === undefined) {
      slot = this.#bounds.length;
      this.#bounds.push(upperBound);
      this.#slotOfBound.set(upperBound, slot);
      this.#order = undefined;
    }
    return slot;
  }

  /**
   * The part of Prometheus' `histogram_quantile` (`promql/quantile.go`) that does not depend on q,
   * for one object's counts by slot (holes are buckets it does not have): sort by bound, force
   * monotonic counts. Done once per object so p50, p90 and p99 share it. Undefined when the
   * buckets cannot answer any quantile (no +Inf bucket, fewer than two).
   */
  prepare(countsBySlot: readonly (number | undefined)[]): PreparedBuckets | undefined {
    const bounds = this.#bounds;
    this.#order ??= bounds.map((_, slot) => slot).sort((a, b) => this.#at(a) - this.#at(b));
    const order = this.#order;
    const upperBounds: number[] = [];
    const counts: number[] = [];
    let max = -Infinity;
    // Indexed rather than iterated: a range answer prepares every object at every point.
    for (let k = 0; k < order.length; k++) {
      const slot = order[k] as number;
      let count = countsBySlot[slot];
      if (count === undefined) continue;
      if (count > max) max = count;
      else if (count < max) count = max;
      upperBounds.push(bounds[slot] as number);
      counts.push(count);
    }
    if (upperBounds.length < 2 || upperBounds[upperBounds.length - 1] !== Infinity) return undefined;
    return { upperBounds, counts };
  }

  #at(slot: number): number {
    return this.#bounds[slot] as number;
  }
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
  const { upperBounds, counts } = prepared;
  const last = counts.length - 1;
  const observations = counts[last] ?? 0;
  if (!(observations > 0)) return Number.NaN;

  let rank = q * observations;
  let b = 0;
  while (b < last && !((counts[b] as number) >= rank)) b++;
  if (b === last) return upperBounds[last - 1] ?? Number.NaN;
  const upperBound = upperBounds[b] as number;
  if (b === 0 && upperBound <= 0) return upperBound;
  let bucketStart = 0;
  let count = counts[b] as number;
  if (b > 0) {
    const previous = counts[b - 1] as number;
    bucketStart = upperBounds[b - 1] as number;
    count -= previous;
    rank -= previous;
  }
  return bucketStart + (upperBound - bucketStart) * (rank / count);
}

/** Reads an `le` label; an unparseable bound drops the sample, as Prometheus does. */
export function parseUpperBound(le: string | undefined): number | undefined {
  return le === undefined ? undefined : parseSampleValue(le);
}
