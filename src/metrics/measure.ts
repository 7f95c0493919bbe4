import { BackendResponseError } from "../errors/backend-errors";
import type { PartitionLabel, SeriesFamily, Side } from "../mesh/adapter";
import type { InstantVector, QueryEngine } from "../prometheus/client";
import type { VectorSample } from "../prometheus/envelope";
import { BucketBounds, parseUpperBound, quantileOf } from "../prometheus/histogram";
import { type Matcher, renderSelector } from "../prometheus/promql";
import { formatDuration } from "../smi/time";
import type { Measurement } from "./measurement";

/** Identity of a measured object as the series name it. */
export interface MeasuredKey {
  readonly namespace?: string;
  readonly name: string;
  /** Index, in the grouping's `names`, of the label that named the object. */
  readonly via: number;
}

export interface MeasuredObject {
  readonly key: MeasuredKey;
  readonly measurement: Measurement;
  /** Whose proxy the numbers come from: the family's side, or the reporter chosen for the object. */
  readonly side: Side;
}

/** The values an unpinned partition label (cluster, datacenter) had across the answer's series. */
export interface PartitionSeen extends PartitionLabel {
  readonly values: readonly string[];
}

export interface MeasureResult {
  readonly objects: readonly MeasuredObject[];
  readonly partitions: readonly PartitionSeen[];
}

/**
 * Which labels make an object: its namespace label, and the labels that can name it, in
 * precedence order (one for a resource; one per peer kind for some edges).
 */
export interface Grouping {
  readonly namespace?: string | undefined;
  readonly names: readonly string[];
}

/**
 * How many round trips: `separate` sends counts and latency as two concurrent queries, which
 * Prometheus evaluates in parallel (best for long lists); `joined` sends one query with both
 * parts, told apart by a label (best for one object, where a round trip costs more than the work).
 */
export type QueryPlan = "separate" | "joined";

/** One question for Prometheus: a family, the matchers that scope it, and the labels to group by. */
export interface MeasureSpec {
  readonly family: SeriesFamily;
  readonly scope: readonly Matcher[];
  readonly groupBy: Grouping;
  readonly windowMs: number;
  readonly time: Date;
  readonly plan?: QueryPlan;
}

/** Result label that tells the parts of a joined query apart. */
const PART_LABEL = "smi_part";

const unique = (labels: readonly (string | undefined)[]) =>
  [...new Set(labels.filter((l): l is string => l !== undefined))].join(", ");

/**
 * The PromQL for a spec: one counter query by outcome, and one query of bucket rates by `le`,
 * whose p50, p90 and p99 are interpolated here exactly as `histogram_quantile` does. Fetching the
 * rates once costs Prometheus a third of three server-side quantiles, which each evaluate them
 * (0.3-0.6x the time for lists of 10 to 10,000 pods and for edges, in `npm run bench` when both
 * shapes were measured), and the rates of several reporters can be merged here.
 * Partition labels ride in the counts query only, where they add no samples unless the answer does
 * span several clusters; observer labels ride in both, since each pair's reporter is chosen here.
 */
export function buildQueries(spec: MeasureSpec): { counts: string; latency: string } {
  const { family, groupBy } = spec;
  // A namespace the scope already pins is not grouped by: one label less on every sample returned.
  const grouped = pinnedNamespace(spec) === undefined ? groupBy.namespace : undefined;
  const observed = family.observers === undefined ? [] : [family.observers.label, ...family.observers.pair];
  const identity = [grouped, ...groupBy.names, ...observed, ...(family.keep?.labels ?? [])];
  // Series that cannot name the object (an empty identity label) are dropped when results are
  // folded, not with `label!=""` matchers: on a label like `pod` such a matcher makes Prometheus
  // merge the postings of every value, which cost more than the one extra group it saves.
  const matchers = [...family.matchers, ...spec.scope];
  const range = formatDuration(spec.windowMs);
  const partitions = family.partitionBy.map((p) => p.label);
  const counts = `sum by (${unique([...identity, ...family.outcomeLabels, ...partitions])}) (increase(${renderSelector(family.counter, matchers)}[${range}]))`;
  const latency = `sum by (${unique([...identity, "le"])}) (rate(${renderSelector(family.latencyBucket, matchers)}[${range}]))`;
  return { counts, latency };
}

/** Callback that sees every query result: round trips and warnings are counted by the caller. */
export type QueryObserver = (result: InstantVector) => void;

/** What the request being answered asks of every query: who observes them, and by when. */
export interface QueryContext {
  readonly observe?: QueryObserver;
  readonly deadline?: number | undefined;
}

/**
 * Measures every object a spec selects with two concurrent queries: counts from `increase` over
 * the window, and p50, p90 and p99 together in one latency query. Samples are folded as they are
 * read, so a 10,000-pod answer is never held whole.
 */
export async function measure(
  engine: QueryEngine,
  spec: MeasureSpec,
  context: QueryContext = {},
): Promise<MeasureResult> {
  const { counts, latency } = buildQueries(spec);
  const fold = new MeasureFold(spec);
  const deadline = context.deadline === undefined ? {} : { deadline: context.deadline };
  if (spec.plan === "joined") {
    const part = (query: string, name: string) =>
      `label_replace(${query}, "${PART_LABEL}", "${name}", "", "")`;
    const joined = await engine.instantQuery(
      `${part(counts, "counts")} or ${part(latency, "latency")}`,
      spec.time,
      {
        ...deadline,
        onSample: (sample) => {
          const which = sample.metric[PART_LABEL];
          if (which === "counts") fold.count(sample);
          else if (which === "latency") fold.latency(sample);
        },
      },
    );
    context.observe?.(joined);
    return fold.result();
  }
  // When one query fails, the answer is lost: stop the other instead of reading it to the end.
  const siblings = new AbortController();
  const both = { ...deadline, signal: siblings.signal };
  const [countResult, latencyResult] = await Promise.all([
    engine.instantQuery(counts, spec.time, { ...both, onSample: (s) => fold.count(s) }),
    engine.instantQuery(latency, spec.time, { ...both, onSample: (s) => fold.latency(s) }),
  ]).catch((error: unknown) => {
    siblings.abort(error);
    throw error;
  });
  context.observe?.(countResult);
  context.observe?.(latencyResult);
  return fold.result();
}

interface Accumulator {
  key: MeasuredKey;
  side: Side;
  success: number;
  failure: number;
  /** Bucket counts by slot of the fold's `BucketBounds`. */
  buckets: (number | undefined)[];
}

/** The namespace an equality matcher in the scope fixes for the grouping's namespace label. */
function pinnedNamespace({ groupBy, scope }: MeasureSpec): string | undefined {
  if (groupBy.namespace === undefined) return undefined;
  return scope.find((m) => m.op === "=" && m.label === groupBy.namespace)?.value;
}

/** Separates the parts of an accumulator id; label values cannot hold it. */
const SEP = "\u0000";

/** Per-object totals, fed sample by sample from both queries in whatever order they arrive. */
class MeasureFold {
  readonly #spec: MeasureSpec;
  readonly #pinned: string | undefined;
  /** Keyed by object, or with observers by object, pair and reporter rank. */
  readonly #objects = new Map<string, Accumulator>();
  readonly #bounds = new BucketBounds();
  /** Slot of each `le` text seen, scaled to ms; undefined for a bound that does not parse. */
  readonly #slotOfLe = new Map<string, number | undefined>();
  readonly #partitionValues: Set<string>[];
  /**
   * The object the previous sample went to: an answer lists each series' samples together (a pod's
   * buckets one after another), so most samples go where the one before went.
   */
  #last: { namespace: string | undefined; via: number; name: string; acc: Accumulator } | undefined;

  constructor(spec: MeasureSpec) {
    this.#spec = spec;
    this.#pinned = pinnedNamespace(spec);
    this.#partitionValues = spec.family.partitionBy.map(() => new Set());
  }

  #entry(labels: Readonly<Record<string, string>>): Accumulator | undefined {
    const { groupBy, family } = this.#spec;
    if (family.keep !== undefined && !family.keep.test(labels)) return undefined;
    const via = groupBy.names.findIndex((label) => !!labels[label]);
    const name = labels[groupBy.names[via] ?? ""];
    const namespace =
      groupBy.namespace === undefined ? undefined : (this.#pinned ?? labels[groupBy.namespace]);
    if (!name || (groupBy.namespace !== undefined && !namespace)) return undefined;
    const { observers } = family;
    const last = this.#last;
    if (observers === undefined && last?.name === name && last.via === via && last.namespace === namespace) {
      return last.acc;
    }
    let id = `${namespace ?? ""}${SEP}${via}${SEP}${name}`;
    let side = family.side;
    if (observers !== undefined) {
      const rank = observers.order.findIndex((o) => o.value === labels[observers.label]);
      const observer = observers.order[rank];
      if (observer === undefined) return undefined;
      side = observer.side;
      id += `${SEP}${observers.pair.map((l) => labels[l] ?? "").join(SEP)}${SEP}${rank}`;
    }
    let acc = this.#objects.get(id);
    if (acc === undefined) {
      const key = namespace === undefined ? { name, via } : { namespace, name, via };
      acc = { key, side, success: 0, failure: 0, buckets: [] };
      this.#objects.set(id, acc);
    }
    if (observers === undefined) this.#last = { namespace, via, name, acc };
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
    if (family.isFailure(sample.metric)) acc.failure += value;
    else acc.success += value;
  }

  latency(sample: VectorSample): void {
    const { family } = this.#spec;
    const acc = this.#entry(sample.metric);
    const value = sample.value[1];
    if (acc === undefined || Number.isNaN(value)) return;
    const le = sample.metric.le;
    if (le === undefined) return;
    let slot = this.#slotOfLe.get(le);
    if (slot === undefined && !this.#slotOfLe.has(le)) {
      const bound = parseUpperBound(le);
      slot = bound === undefined ? undefined : this.#bounds.slot(bound * family.latencyUnitMs);
      this.#slotOfLe.set(le, slot);
    }
    if (slot !== undefined) acc.buckets[slot] = (acc.buckets[slot] ?? 0) + value;
  }

  result(): MeasureResult {
    const objects = [...this.#chosen()].map((acc) => {
      const prepared = this.#bounds.prepare(acc.buckets);
      const quantile = (q: number) => {
        const value = quantileOf(q, prepared);
        return Number.isFinite(value) ? value : null;
      };
      return {
        key: acc.key,
        side: acc.side,
        measurement: {
          successCount: acc.success,
          failureCount: acc.failure,
          p50Ms: quantile(0.5),
          p90Ms: quantile(0.9),
          p99Ms: quantile(0.99),
        },
      };
    });
    const partitions = this.#spec.family.partitionBy.map((partition, i) => ({
      ...partition,
      values: [...(this.#partitionValues[i] ?? [])].sort(),
    }));
    return { objects, partitions };
  }

  /**
   * The accumulators to report. With observers, each pair keeps only its best-ranked reporter,
   * then pairs add up per object and side; without, every accumulator is one object already.
   */
  *#chosen(): Iterable<Accumulator> {
    if (this.#spec.family.observers === undefined) {
      yield* this.#objects.values();
      return;
    }
    const best = new Map<string, { rank: number; acc: Accumulator }>();
    for (const [id, acc] of this.#objects) {
      const cut = id.lastIndexOf(SEP);
      const pair = id.slice(0, cut);
      const rank = Number(id.slice(cut + 1));
      const held = best.get(pair);
      if (held === undefined || rank < held.rank) best.set(pair, { rank, acc });
    }
    const merged = new Map<string, Accumulator>();
    for (const { acc } of best.values()) {
      const id = `${acc.key.namespace ?? ""}${SEP}${acc.key.via}${SEP}${acc.key.name}${SEP}${acc.side}`;
      const into = merged.get(id);
      if (into === undefined) {
        merged.set(id, { ...acc, buckets: [...acc.buckets] });
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
