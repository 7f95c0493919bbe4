import { BucketBounds, parseUpperBound } from "../prometheus/histogram";

/**
 * The slot of each `le` text a spec's histograms use, scaled to ms: `BucketBounds` by label.
 *
 * Why a class of its own: a range answer has a fold per point (289 for a day at 5 minutes), and
 * every point's buckets carry the same `le` texts. Shared by those folds, as `ObjectIdentities`
 * is, each `le` is parsed once and the bounds are sorted once per answer, not once per point
 * (per-point bounds were a tenth of a one-object range answer's time). Slots a point's objects
 * never use are holes in their counts, which `prepare` skips, so sharing changes no number.
 */
export class BucketSlots extends BucketBounds {
  readonly #unitMs: number;
  /** Slot of each `le` text seen; undefined for a bound that does not parse. */
  readonly #slotOfLe = new Map<string, number | undefined>();

  /** `unitMs`: milliseconds per unit of the family's `le` bounds. */
  constructor(unitMs: number) {
    super();
    this.#unitMs = unitMs;
  }

  /** The slot of an `le` label's bound, or undefined when it does not parse. */
  of(le: string): number | undefined {
    let slot = this.#slotOfLe.get(le);
    if (slot === undefined && !this.#slotOfLe.has(le)) {
      const bound = parseUpperBound(le);
      slot = bound === undefined ? undefined : this.slot(bound * this.#unitMs);
      this.#slotOfLe.set(le, slot);
    }
    return slot;
  }
}
