import type { VectorSample } from "../prometheus/envelope";
import { BucketSlots } from "./bucket-slots";
import { MeasureFold, type PartitionSeen, type PointObject, sideKey } from "./measure-fold";
import { type Measurement, NO_TRAFFIC } from "./measurement";
import { ObjectIdentities } from "./object-identity";
import type { MeasureSpec } from "./query-plan";
import { pointTimes } from "./time-range";

/** One object seen in an answer: its numbers at the last point, and at every point. */
export interface MeasuredObject extends PointObject {
  /** At every point of the answer, in order; no traffic where a point has none. One for an instant. */
  readonly series: readonly Measurement[];
}

/** Every object an answer's queries saw, what partitions they spanned, and any missing latency. */
export interface MeasureResult {
  readonly objects: readonly MeasuredObject[];
  readonly partitions: readonly PartitionSeen[];
  /** Objects with requests but no latency (the most at any one point). */
  readonly latencyMissing: number;
}

/**
 * One fold per point of an answer: an instant answer has one, a range answer one per step. Each
 * point is folded exactly as an instant answer at that time would be (quantiles interpolated per
 * point from that point's bucket rates), and the objects of every point meet in one series each.
 */
export class PointFolds {
  readonly #spec: MeasureSpec;
  readonly #times: readonly number[];
  readonly #folds: (MeasureFold | undefined)[];
  /** Shared by every point's fold: each series is named once, however many points it has. */
  readonly #identities: ObjectIdentities;
  /** Shared by every point's fold: each `le` is read and the bounds sorted once per answer. */
  readonly #slots: BucketSlots;

  constructor(spec: MeasureSpec) {
    this.#spec = spec;
    this.#times = pointTimes(spec);
    this.#folds = this.#times.map(() => undefined);
    this.#identities = new ObjectIdentities(spec);
    this.#slots = new BucketSlots(spec.family.latencyUnitMs);
  }

  /** The fold of the point a sample belongs to; a sample off every point (a backend's own alignment) is dropped. */
  #at(sample: VectorSample): MeasureFold | undefined {
    const { points } = this.#spec;
    const index =
      points === undefined
        ? 0
        : Math.round((sample.value[0] * 1000 - points.start.getTime()) / points.stepMs);
    if (index < 0 || index >= this.#times.length) return undefined;
    let fold = this.#folds[index];
    if (fold === undefined) {
      fold = new MeasureFold(this.#spec, this.#identities, this.#slots);
      this.#folds[index] = fold;
    }
    return fold;
  }

  count(sample: VectorSample): void {
    this.#at(sample)?.count(sample);
  }

  latency(sample: VectorSample): void {
    this.#at(sample)?.latency(sample);
  }

  /**
   * Every object seen at any point, each with its measurement at every point (no traffic where a
   * point has none) and, as `measurement`, at the last point. Partition values are all points'.
   */
  result(): MeasureResult {
    const perPoint = this.#folds.map((fold) => fold?.result());
    const objects = new Map<string, { object: PointObject; series: Measurement[] }>();
    perPoint.forEach((result, i) => {
      for (const object of result?.objects ?? []) {
        const key = sideKey(object.key, object.side);
        let held = objects.get(key);
        if (held === undefined) {
          held = { object, series: this.#times.map(() => NO_TRAFFIC) };
          objects.set(key, held);
        }
        held.series[i] = object.measurement;
      }
    });
    const last = this.#times.length - 1;
    return {
      objects: [...objects.values()].map(({ object, series }) => ({
        ...object,
        measurement: series[last] ?? NO_TRAFFIC,
        series,
      })),
      partitions: mergePartitions(perPoint.flatMap((r) => (r === undefined ? [] : [r.partitions]))),
      latencyMissing: Math.max(0, ...perPoint.map((r) => r?.latencyMissing ?? 0)),
    };
  }
}

/** Each partition label's values over every point. */
function mergePartitions(perPoint: readonly (readonly PartitionSeen[])[]): PartitionSeen[] {
  const merged = new Map<string, PartitionSeen>();
  for (const partitions of perPoint) {
    for (const p of partitions) {
      const held = merged.get(p.label);
      const values = new Set([...(held?.values ?? []), ...p.values]);
      merged.set(p.label, { ...p, values: [...values].sort() });
    }
  }
  return [...merged.values()];
}
