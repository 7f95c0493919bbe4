import { BackendResponseError } from "../errors/backend-errors";
import type { PartitionLabel, Side } from "../mesh/adapter";
import type { VectorSample } from "../prometheus/envelope";
import { quantileOf } from "../prometheus/histogram";
import { BucketSlots } from "./bucket-slots";
import type { Measurement } from "./measurement";
import { type MeasuredKey, ObjectIdentities, SEP } from "./object-identity";
import { type MeasureSpec, QUANTILE_LABEL, QUANTILES, SIDE_LABEL } from "./query-plan";

/** One object's numbers at one point. */
export interface PointObject {
  readonly key: MeasuredKey;
  readonly measurement: Measurement;
  /** Whose proxy the numbers come from: the family's side, or the reporter chosen for the object. */
  readonly side: Side;
}

/** The values an unpinned partition label (cluster, datacenter) had across the answer's series. */
export interface PartitionSeen extends PartitionLabel {
  readonly values: readonly string[];
}

/** What one point's samples add up to. */
export interface PointResult {
  readonly objects: readonly PointObject[];
  readonly partitions: readonly PartitionSeen[];
  /** Objects with requests but no latency: neither histogram form has series for them. */
  readonly latencyMissing: number;
}

interface Accumulator {
  key: MeasuredKey;
  side: Side;
  /** Whether the counter named it: an object is what the counter names, never its histogram alone. */
  counted: boolean;
  success: number;
  failure: number;
  /** Bucket counts by slot of the fold's `BucketSlots`. */
  buckets: (number | undefined)[];
}

/** One key per object and side: how reporters' pairs merge, and how the two histogram forms meet. */
export const sideKey = (key: MeasuredKey, side: Side) =>
  `${key.namespace ?? ""}${SEP}${key.via}${SEP}${key.name}${SEP}${key.owner ?? ""}${SEP}${side}`;

/** Per-object totals at one point, fed sample by sample from both queries in whatever order they arrive. */
export class MeasureFold {
  readonly #spec: MeasureSpec;
  readonly #identities: ObjectIdentities;
  /** Keyed by object, or with observers by object, pair and reporter rank. */
  readonly #objects = new Map<string, Accumulator>();
  readonly #slots: BucketSlots;
  readonly #partitionValues: Set<string>[];
  /** Native histograms' quantiles, by object and side, as the backend computed them. */
  readonly #native = new Map<string, (number | undefined)[]>();
  /**
   * The object the previous sample went to: an answer lists each series' samples together (a pod's
   * buckets one after another), so most samples go where the one before went.
   */
  #last:
    | {
        namespace: string | undefined;
        via: number;
        name: string;
        owner: string | undefined;
        acc: Accumulator;
      }
    | undefined;

  /**
   * `identities` names the object of each series and `slots` gives each bucket bound its slot; a
   * range answer's folds share both (see `ObjectIdentities`, `BucketSlots`).
   */
  constructor(
    spec: MeasureSpec,
    identities = new ObjectIdentities(spec),
    slots = new BucketSlots(spec.family.latencyUnitMs),
  ) {
    this.#spec = spec;
    this.#identities = identities;
    this.#slots = slots;
    this.#partitionValues = spec.family.partitionBy.map(() => new Set());
  }

  #entry(labels: Readonly<Record<string, string>>): Accumulator | undefined {
    const named = this.#identities.of(labels);
    if (named?.side === undefined) return undefined;
    const { namespace, name, via, owner } = named.key;
    const observed = this.#spec.family.observers !== undefined;
    const last = this.#last;
    if (
      !observed &&
      last?.name === name &&
      last.via === via &&
      last.namespace === namespace &&
      last.owner === owner
    ) {
      return last.acc;
    }
    named.id ??= `${namespace ?? ""}${SEP}${via}${SEP}${name}${SEP}${owner ?? ""}${named.reporter}`;
    let acc = this.#objects.get(named.id);
    if (acc === undefined) {
      acc = { key: named.key, side: named.side, counted: false, success: 0, failure: 0, buckets: [] };
      this.#objects.set(named.id, acc);
    }
    if (!observed) this.#last = { namespace, via, name, owner, acc };
    return acc;
  }

  count(sample: VectorSample): void {
    const { family } = this.#spec;
    const value = sample.value[1];
    if (!Number.isFinite(value) || value < 0) {
      throw new BackendResponseError("Prometheus", `Prometheus returned a request count of ${value}`, {
        url: family.counter,
      });
    }
    family.partitionBy.forEach((partition, i) => {
      this.#partitionValues[i]?.add(sample.metric[partition.label] ?? "");
    });
    const acc = this.#entry(sample.metric);
    if (acc === undefined) return;
    acc.counted = true;
    if (family.isFailure(sample.metric)) acc.failure += value;
    else acc.success += value;
  }

  latency(sample: VectorSample): void {
    const q = sample.metric[QUANTILE_LABEL];
    if (q !== undefined) {
      this.#nativeQuantile(sample, q);
      return;
    }
    const acc = this.#entry(sample.metric);
    const value = sample.value[1];
    if (acc === undefined || Number.isNaN(value)) return;
    const le = sample.metric.le;
    if (le === undefined) return;
    const slot = this.#slots.of(le);
    if (slot !== undefined) acc.buckets[slot] = (acc.buckets[slot] ?? 0) + value;
  }

  /**
   * One native quantile of an object: its `SIDE_LABEL` (with observers) says its side, as the fold's
   * chosen accumulators say theirs, so the two forms meet under one key.
   */
  #nativeQuantile(sample: VectorSample, q: string): void {
    const { family } = this.#spec;
    const labels = sample.metric;
    const identity = this.#identities.of(labels)?.key;
    if (identity === undefined) return;
    const { observers } = family;
    const marked = labels[SIDE_LABEL];
    const side =
      observers === undefined || this.#spec.sides === "together"
        ? family.side
        : marked === "client" || marked === "server"
          ? marked
          : undefined;
    const index = QUANTILES.findIndex((quantile) => String(quantile) === q);
    if (side === undefined || index < 0) return;
    const key = sideKey(identity, side);
    const held = this.#native.get(key) ?? [];
    held[index] = sample.value[1];
    this.#native.set(key, held);
  }

  /**
   * Each object's measurement. Its latency comes from one histogram form, never both added: the
   * classic buckets if they observed any request in the window, else the native histogram's
   * quantiles. So a window that spans a switch from classic to native (a Prometheus 3 upgrade)
   * reads the classic part until the window no longer holds it, and a request scraped in both
   * forms (`always_scrape_classic_histograms`) is counted once.
   */
  result(): PointResult {
    let latencyMissing = 0;
    const objects = [...this.#chosen()].map((acc) => {
      const measurement = this.#measurement(acc);
      if (measurement.p50Ms === null && measurement.successCount + measurement.failureCount > 0)
        latencyMissing++;
      return { key: acc.key, side: acc.side, measurement };
    });
    const partitions = this.#spec.family.partitionBy.map((partition, i) => ({
      ...partition,
      values: [...(this.#partitionValues[i] ?? [])].sort(),
    }));
    return { objects, partitions, latencyMissing };
  }

  #measurement(acc: Accumulator): Measurement {
    const prepared = this.#slots.prepare(acc.buckets);
    const observed = (prepared?.counts.at(-1) ?? 0) > 0;
    const native = this.#native.get(sideKey(acc.key, acc.side));
    const unitMs = this.#spec.family.latencyUnitMs;
    const quantile = (i: number) => {
      const value =
        observed || native === undefined
          ? quantileOf(QUANTILES[i] as number, prepared)
          : (native[i] ?? Number.NaN) * unitMs;
      return Number.isFinite(value) ? value : null;
    };
    return {
      successCount: acc.success,
      failureCount: acc.failure,
      p50Ms: quantile(0),
      p90Ms: quantile(1),
      p99Ms: quantile(2),
    };
  }

  /**
   * The accumulators to report. With observers, each pair keeps only its best-ranked reporter,
   * then pairs add up per object and side (per object alone when the spec's sides add up); without,
   * every accumulator is one object already.
   */
  *#chosen(): Iterable<Accumulator> {
    // Histogram series whose counter the family's counter matchers leave out (Hubble's v1 handler,
    // whose histogram shares httpV2's name) name no object.
    const counted = [...this.#objects].filter(([, acc]) => acc.counted);
    if (this.#spec.family.observers === undefined) {
      for (const [, acc] of counted) yield acc;
      return;
    }
    const best = new Map<string, { rank: number; acc: Accumulator }>();
    for (const [id, acc] of counted) {
      const cut = id.lastIndexOf(SEP);
      const pair = id.slice(0, cut);
      const rank = Number(id.slice(cut + 1));
      const held = best.get(pair);
      if (held === undefined || rank < held.rank) best.set(pair, { rank, acc });
    }
    const merged = new Map<string, Accumulator>();
    for (const { acc } of best.values()) {
      const side = this.#spec.sides === "together" ? this.#spec.family.side : acc.side;
      const id = sideKey(acc.key, side);
      const into = merged.get(id);
      if (into === undefined) {
        merged.set(id, { ...acc, side, buckets: [...acc.buckets] });
        continue;
      }
      into.success += acc.success;
      into.failure += acc.failure;
      acc.buckets.forEach((count, slot) => {
        if (count !== undefined) into.buckets[slot] = (into.buckets[slot] ?? 0) + count;
      });
    }
    yield* merged.values();
  }
}
