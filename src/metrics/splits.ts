import type { Context } from "../config/context";
import { NotFoundError } from "../errors/request-errors";
import type { Split, SplitBackend } from "../kubernetes/split";
import type { BackendReading, Side, SplitPlan } from "../mesh/adapter";
import { noteMissingLatency } from "./latency-warnings";
import { measure } from "./measure";
import { type Measurement, NO_TRAFFIC, noTrafficAt } from "./measurement";
import { notePartitions } from "./partitions";
import type { MeasuredObject, MeasureResult } from "./point-folds";
import type { RequestStats } from "./request-stats";
import { pointTimes, type TimeRange } from "./time-range";
import { explainZeros } from "./zero-warnings";

/** One backend of a split, as measured: its numbers and its observed share of the apex's requests. */
interface MeasuredBackend {
  readonly backend: SplitBackend;
  readonly measurement: Measurement;
  /** This backend's requests over all the split's backends' requests; 0 when none had any. */
  readonly share: number;
  /** Its numbers and its share at every point of the answer's range (one for an instant answer). */
  readonly series: readonly { readonly measurement: Measurement; readonly share: number }[];
  /** Whose proxy observed the numbers. */
  readonly side: Side;
  /** Whether the mesh has series of it in the window: an unobserved backend's zero needs a why. */
  readonly observed: boolean;
}

export interface MeasuredSplit {
  readonly split: Split;
  readonly backends: readonly MeasuredBackend[];
}

const requests = (m: Measurement) => m.successCount + m.failureCount;

/** The measured object a reading found for a backend, if it found one. */
function found(result: MeasureResult, reading: BackendReading, backend: SplitBackend) {
  const name = reading.nameOf(backend);
  if (name === undefined) return undefined;
  return result.objects.find(
    (o) =>
      o.key.name === name &&
      (reading.backend.namespace === undefined || o.key.namespace === backend.namespace),
  );
}

/**
 * Measures every backend of a split in the window. The mesh says how (its split plans, in order
 * of preference); every plan's readings go out at once, each as one joined query, and the first
 * plan that finds any backend is the answer. A backend with no traffic keeps its place at zero.
 */
export async function measureSplit(
  context: Context,
  split: Split,
  range: TimeRange,
  stats: RequestStats,
): Promise<MeasuredSplit> {
  const plans = context.mesh.splitPlans?.(split) ?? [];
  if (plans.length === 0) {
    throw new NotFoundError(`mesh ${context.mesh.name} cannot tell a split's backends apart in its series`);
  }
  const results = await Promise.all(plans.map((plan) => readAll(context, plan, range, stats)));
  const readingOf = (p: number, backend: SplitBackend) => {
    const readings = plans[p]?.readings ?? [];
    const i = readings.findIndex((r) => r.nameOf(backend) !== undefined);
    const reading = readings[i];
    const result = results[p]?.[i];
    return reading === undefined || result === undefined ? undefined : found(result, reading, backend);
  };
  const chosen = plans.findIndex((_, p) => split.backends.some((b) => readingOf(p, b) !== undefined));
  const plan = Math.max(0, chosen);
  for (const result of results[plan] ?? []) notePartitions(result.partitions, stats);
  (results[plan] ?? []).forEach((result, i) => {
    const family = plans[plan]?.readings[i]?.family;
    const backends = `${result.latencyMissing} of the backends of ${split.kind} ${split.namespace}/${split.name}`;
    if (family !== undefined) noteMissingLatency(family, backends, result.latencyMissing, stats);
  });
  const idle = noTrafficAt(pointTimes(range));
  const measured = split.backends.map((backend) => {
    const object = readingOf(plan, backend);
    return { backend, object, series: object?.series ?? idle };
  });
  // Each point's requests over every backend: the denominator of each backend's share there.
  const totals = idle.map((_, i) =>
    measured.reduce((sum, m) => sum + requests(m.series[i] ?? NO_TRAFFIC), 0),
  );
  const side = plans[plan]?.readings[0]?.family.side ?? "client";
  const caveat = plans[chosen]?.caveat;
  if (caveat !== undefined) stats.warnings.add(caveat);
  if (split.weightNote !== undefined) stats.warnings.add(split.weightNote);
  return { split, backends: measured.map((m) => backendOf(m, totals, side)) };
}

/** Every reading of one plan, each as one joined query, all at once. */
function readAll(context: Context, plan: SplitPlan, range: TimeRange, stats: RequestStats) {
  return Promise.all(
    plan.readings.map((r) =>
      measure(
        context.engine,
        {
          family: r.family,
          scope: r.scope,
          groupBy: { namespace: r.backend.namespace, names: [r.backend.name] },
          ...range,
          plan: "joined",
        },
        stats,
      ),
    ),
  );
}

/** One backend as measured, with its share of the split's requests at each point (`totals`). */
function backendOf(
  {
    backend,
    object,
    series,
  }: { backend: SplitBackend; object: MeasuredObject | undefined; series: readonly Measurement[] },
  totals: readonly number[],
  side: Side,
): MeasuredBackend {
  const points = series.map((measurement, i) => {
    const total = totals[i] ?? 0;
    return { measurement, share: total > 0 ? requests(measurement) / total : 0 };
  });
  const last = points.at(-1) ?? { measurement: NO_TRAFFIC, share: 0 };
  return {
    backend,
    measurement: last.measurement,
    share: last.share,
    series: points,
    side: object?.side ?? side,
    observed: object !== undefined,
  };
}

/**
 * Why backends have no traffic, in one query for a whole answer: each unobserved backend's Service
 * is asked about (a subset's is the apex), so a misspelt backend is named, even beside one with
 * traffic. `judged` narrows it to the backends the answer is about (a gate's one backend).
 */
export async function explainUnobservedBackends(
  context: Context,
  measured: readonly MeasuredSplit[],
  range: TimeRange,
  stats: RequestStats,
  judged: (backend: SplitBackend) => boolean = () => true,
): Promise<void> {
  const services = new Map<string, { namespace: string; name: string }>();
  for (const { split, backends } of measured) {
    for (const { backend, observed } of backends) {
      if (observed || !judged(backend)) continue;
      const service = backend.subset === undefined ? backend : split.apex;
      services.set(`${service.namespace}/${service.name}`, service);
    }
  }
  if (services.size === 0) return;
  await explainZeros(
    context,
    [...services.values()].map(({ namespace, name }) => ({
      target: { kind: "services", namespace, name },
      otherKinds: false,
    })),
    range,
    stats,
  );
}
