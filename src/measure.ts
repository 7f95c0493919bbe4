import { BackendResponseError } from "./errors";
import type { IdentityLabels, SeriesFamily } from "./mesh/adapter";
import type { InstantVector, QueryEngine } from "./prometheus/client";
import { bucketQuantile, parseUpperBound } from "./prometheus/histogram";
import { type Matcher, ne, renderSelector } from "./prometheus/promql";
import { formatDuration } from "./smi/duration";
import type { Measurement } from "./smi/objects";

/** Identity of a measured object as the series name it. */
export interface MeasuredKey {
  readonly namespace?: string;
  readonly name: string;
}

export interface MeasuredObject {
  readonly key: MeasuredKey;
  readonly measurement: Measurement;
}

/** One question for Prometheus: a family, the matchers that scope it, and the labels to group by. */
export interface MeasureSpec {
  readonly family: SeriesFamily;
  readonly scope: readonly Matcher[];
  readonly groupBy: IdentityLabels;
  readonly windowMs: number;
  readonly time: Date;
}

/** The PromQL for a spec: one counter query by outcome, one bucket-rate query by `le`. */
export function buildQueries(spec: MeasureSpec): { counts: string; buckets: string } {
  const { family, groupBy } = spec;
  const identity = [groupBy.namespace, groupBy.name].filter((l): l is string => l !== undefined);
  // Series that cannot name the object are left out in PromQL already, so they never cost a transfer.
  const attributable = identity.map((label) => ne(label, ""));
  const matchers = [...family.matchers, ...spec.scope, ...attributable];
  const range = formatDuration(spec.windowMs);
  const counts = `sum by (${[...identity, ...family.outcomeLabels].join(", ")}) (increase(${renderSelector(family.counter, matchers)}[${range}]))`;
  const buckets = `sum by (${[...identity, "le"].join(", ")}) (rate(${renderSelector(family.latencyBucket, matchers)}[${range}]))`;
  return { counts, buckets };
}

/** Callback that sees every query result: round trips and warnings are counted by the caller. */
export type QueryObserver = (result: InstantVector) => void;

/**
 * Measures every object a spec selects with two concurrent queries. Counts come from `increase`
 * over the window, quantiles from bucket rates interpolated exactly as `histogram_quantile` does,
 * so p50, p90 and p99 cost one query instead of three.
 */
export async function measure(
  engine: QueryEngine,
  spec: MeasureSpec,
  observe: QueryObserver = () => {},
): Promise<MeasuredObject[]> {
  const { counts, buckets } = buildQueries(spec);
  const [countResult, bucketResult] = await Promise.all([
    engine.instantQuery(counts, spec.time),
    engine.instantQuery(buckets, spec.time),
  ]);
  observe(countResult);
  observe(bucketResult);
  return foldResults(spec, countResult, bucketResult);
}

interface Accumulator {
  key: MeasuredKey;
  success: number;
  failure: number;
  buckets: { upperBound: number; count: number }[];
}

function foldResults(spec: MeasureSpec, counts: InstantVector, buckets: InstantVector): MeasuredObject[] {
  const { family, groupBy } = spec;
  const objects = new Map<string, Accumulator>();
  const entry = (labels: Readonly<Record<string, string>>): Accumulator | undefined => {
    const name = labels[groupBy.name];
    const namespace = groupBy.namespace === undefined ? undefined : labels[groupBy.namespace];
    if (!name || (groupBy.namespace !== undefined && !namespace)) return undefined;
    const id = `${namespace ?? ""}/${name}`;
    let acc = objects.get(id);
    if (acc === undefined) {
      acc = {
        key: namespace === undefined ? { name } : { namespace, name },
        success: 0,
        failure: 0,
        buckets: [],
      };
      objects.set(id, acc);
    }
    return acc;
  };

  for (const sample of counts.samples) {
    const value = sample.value[1];
    if (!Number.isFinite(value) || value < 0) {
      throw new BackendResponseError("Prometheus", `Prometheus returned a request count of ${value}`, {
        url: family.counter,
      });
    }
    const acc = entry(sample.metric);
    if (acc === undefined) continue;
    if (family.isFailure(sample.metric)) acc.failure += value;
    else acc.success += value;
  }
  for (const sample of buckets.samples) {
    const bound = parseUpperBound(sample.metric.le);
    const acc = entry(sample.metric);
    if (acc === undefined || bound === undefined || Number.isNaN(sample.value[1])) continue;
    acc.buckets.push({ upperBound: bound * family.latencyUnitMs, count: sample.value[1] });
  }

  return [...objects.values()].map((acc) => ({
    key: acc.key,
    measurement: {
      successCount: acc.success,
      failureCount: acc.failure,
      p50Ms: quantileOrNull(0.5, acc.buckets),
      p90Ms: quantileOrNull(0.9, acc.buckets),
      p99Ms: quantileOrNull(0.99, acc.buckets),
    },
  }));
}

function quantileOrNull(q: number, buckets: Accumulator["buckets"]): number | null {
  const value = bucketQuantile(q, buckets);
  return Number.isFinite(value) ? value : null;
}
