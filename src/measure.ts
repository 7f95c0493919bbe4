import { BackendResponseError } from "./errors";
import type { Measurement } from "./measurement";
import type { IdentityLabels, SeriesFamily } from "./mesh/adapter";
import type { InstantVector, QueryEngine } from "./prometheus/client";
import type { VectorSample } from "./prometheus/envelope";
import { BucketBounds, parseUpperBound, quantileOf } from "./prometheus/histogram";
import { type Matcher, renderSelector } from "./prometheus/promql";
import { formatDuration } from "./smi/duration";

/** Identity of a measured object as the series name it. */
export interface MeasuredKey {
  readonly namespace?: string;
  readonly name: string;
}

export interface MeasuredObject {
  readonly key: MeasuredKey;
  readonly measurement: Measurement;
}

/**
 * How latency quantiles are fetched:
 * - `buckets`: one query of bucket rates by `le`, interpolated here exactly as Prometheus does;
 *   the cheapest shape while there are few objects (one resource, its edges);
 * - `quantiles`: one query joining three server-side `histogram_quantile`s; it transfers three
 *   numbers per object instead of one per bucket, which wins for long lists (see `npm run bench`).
 */
export type LatencyShape = "buckets" | "quantiles";

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
  readonly groupBy: IdentityLabels;
  readonly windowMs: number;
  readonly time: Date;
  readonly latency: LatencyShape;
  readonly plan?: QueryPlan;
}

const QUANTILES = [0.5, 0.9, 0.99] as const;
/** Result label that tells the joined quantile series apart. */
const QUANTILE_LABEL = "smi_quantile";
/** Result label that tells the parts of a joined query apart. */
const PART_LABEL = "smi_part";

/** The PromQL for a spec: one counter query by outcome, one latency query in the spec's shape. */
export function buildQueries(spec: MeasureSpec): { counts: string; latency: string } {
  const { family, groupBy } = spec;
  // A namespace the scope already pins is not grouped by: one label less on every sample returned.
  const grouped = pinnedNamespace(spec) === undefined ? groupBy.namespace : undefined;
  const identity = [grouped, groupBy.name].filter((l): l is string => l !== undefined);
  // Series that cannot name the object (an empty identity label) are dropped when results are
  // folded, not with `label!=""` matchers: on a label like `pod` such a matcher makes Prometheus
  // merge the postings of every value, which cost more than the one extra group it saves.
  const matchers = [...family.matchers, ...spec.scope];
  const range = formatDuration(spec.windowMs);
  const counts = `sum by (${[...identity, ...family.outcomeLabels].join(", ")}) (increase(${renderSelector(family.counter, matchers)}[${range}]))`;
  const rates = `sum by (${[...identity, "le"].join(", ")}) (rate(${renderSelector(family.latencyBucket, matchers)}[${range}]))`;
  const latency =
    spec.latency === "buckets"
      ? rates
      : QUANTILES.map(
          (q) => `label_replace(histogram_quantile(${q}, ${rates}), "${QUANTILE_LABEL}", "${q}", "", "")`,
        ).join(" or ");
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
): Promise<MeasuredObject[]> {
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
  success: number;
  failure: number;
  /** Bucket counts by slot of the fold's `BucketBounds`. */
  buckets: (number | undefined)[];
  quantiles: Map<string, number>;
}

/** The namespace an equality matcher in the scope fixes for the grouping's namespace label. */
function pinnedNamespace({ groupBy, scope }: MeasureSpec): string | undefined {
  if (groupBy.namespace === undefined) return undefined;
  return scope.find((m) => m.op === "=" && m.label === groupBy.namespace)?.value;
}

/** Per-object totals, fed sample by sample from both queries in whatever order they arrive. */
class MeasureFold {
  readonly #spec: MeasureSpec;
  readonly #pinned: string | undefined;
  readonly #objects = new Map<string, Accumulator>();
  readonly #bounds = new BucketBounds();
  /** Slot of each `le` text seen, scaled to ms; undefined for a bound that does not parse. */
  readonly #slotOfLe = new Map<string, number | undefined>();

  constructor(spec: MeasureSpec) {
    this.#spec = spec;
    this.#pinned = pinnedNamespace(spec);
  }

  #entry(labels: Readonly<Record<string, string>>): Accumulator | undefined {
    const { groupBy } = this.#spec;
    const name = labels[groupBy.name];
    const namespace =
      groupBy.namespace === undefined ? undefined : (this.#pinned ?? labels[groupBy.namespace]);
    if (!name || (groupBy.namespace !== undefined && !namespace)) return undefined;
    const id = `${namespace ?? ""}/${name}`;
    let acc = this.#objects.get(id);
    if (acc === undefined) {
      const key = namespace === undefined ? { name } : { namespace, name };
      acc = { key, success: 0, failure: 0, buckets: [], quantiles: new Map() };
      this.#objects.set(id, acc);
    }
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
    if (this.#spec.latency === "quantiles") {
      const q = sample.metric[QUANTILE_LABEL];
      if (q !== undefined) acc.quantiles.set(q, value * family.latencyUnitMs);
      return;
    }
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

  result(): MeasuredObject[] {
    const shape = this.#spec.latency;
    return [...this.#objects.values()].map((acc) => {
      const prepared = shape === "buckets" ? this.#bounds.prepare(acc.buckets) : undefined;
      const quantile = (q: (typeof QUANTILES)[number]) => {
        const value =
          shape === "quantiles" ? (acc.quantiles.get(String(q)) ?? Number.NaN) : quantileOf(q, prepared);
        return Number.isFinite(value) ? value : null;
      };
      return {
        key: acc.key,
        measurement: {
          successCount: acc.success,
          failureCount: acc.failure,
          p50Ms: quantile(0.5),
          p90Ms: quantile(0.9),
          p99Ms: quantile(0.99),
        },
      };
    });
  }
}
