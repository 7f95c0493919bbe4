import type { Context } from "../config/context";
import type { Side } from "../mesh/adapter";
import { eq } from "../prometheus/promql";
import type { KindName, ResourceRef } from "../smi/kinds";
import { noteMissingLatency } from "./latency-warnings";
import { measure } from "./measure";
import { type Measurement, NO_TRAFFIC, noTrafficAt } from "./measurement";
import { notePartitions } from "./partitions";
import type { RequestStats } from "./request-stats";
import { byId, grouping, identityMatchers, refKey, refOf } from "./resource-ref";
import { pointTimes, type TimeRange } from "./time-range";
import { describe } from "./zero-diagnosis";
import { explainZero, targetOf } from "./zero-warnings";

export interface MeasuredResource {
  readonly ref: ResourceRef;
  readonly measurement: Measurement;
  /** At every point of the answer's range (one for an instant answer). */
  readonly series: readonly Measurement[];
  /** Whose proxy measured it: the mesh's view of the kind says (Linkerd services: the clients'). */
  readonly side: Side;
}

/**
 * The traffic one resource served in the window, and whose proxy measured it. A resource
 * Prometheus has no series of in the window answers zero counts and null latencies, with a
 * Warning when that may not mean idle.
 */
export async function measureResource(
  context: Context,
  ref: ResourceRef,
  range: TimeRange,
  stats: RequestStats,
): Promise<Omit<MeasuredResource, "ref">> {
  const view = context.mesh.resourceView(ref.kind);
  const measured = await measure(
    context.engine,
    {
      family: view.family,
      scope: identityMatchers(view.self, ref),
      groupBy: grouping(view.self),
      ...range,
      // One object: a single round trip costs less than two in parallel.
      plan: "joined",
      // Its own numbers say no side: pairs read at the server and at the client add up.
      sides: "together",
    },
    stats,
  );
  notePartitions(measured.partitions, stats);
  noteMissingLatency(view.family, describe(targetOf(ref)), measured.latencyMissing, stats);
  const found = measured.objects[0];
  if (found === undefined) await explainZero(context, targetOf(ref), range, stats);
  return {
    measurement: found?.measurement ?? NO_TRAFFIC,
    series: found?.series ?? noTrafficAt(pointTimes(range)),
    side: found?.side ?? view.family.side,
  };
}

/** Every resource of a kind (in one namespace, or all), plus any the mesh's catalog knows idle. */
export async function measureKind(
  context: Context,
  kind: KindName,
  namespace: string | undefined,
  range: TimeRange,
  stats: RequestStats,
): Promise<MeasuredResource[]> {
  const { engine, mesh } = context;
  const view = mesh.resourceView(kind);
  const scope =
    namespace !== undefined && view.self.namespace !== undefined ? [eq(view.self.namespace, namespace)] : [];
  const [known, measured] = await bothOrFirstError(
    mesh.knownResources?.(kind, namespace) ?? Promise.resolve({ refs: [], warnings: [], listedBy: "" }),
    measure(
      engine,
      { family: view.family, scope, groupBy: grouping(view.self), ...range, sides: "together" },
      stats,
    ),
  );
  for (const warning of known.warnings) stats.warnings.add(warning);
  notePartitions(measured.partitions, stats);
  const listed = describe({ kind, ...(namespace === undefined ? {} : { namespace }) });
  noteMissingLatency(
    view.family,
    `${measured.latencyMissing} of the ${listed}`,
    measured.latencyMissing,
    stats,
  );
  const resources = new Map<string, MeasuredResource>();
  const side = view.family.side;
  const idle = noTrafficAt(pointTimes(range));
  for (const ref of known.refs)
    resources.set(refKey(ref), { ref, measurement: NO_TRAFFIC, series: idle, side });
  let seen = false;
  for (const m of measured.objects) {
    const ref = refOf(kind, m.key);
    if (namespace !== undefined && ref.namespace !== namespace) continue;
    resources.set(refKey(ref), { ref, measurement: m.measurement, series: m.series, side: m.side });
    seen = true;
  }
  // A catalog's idle entries are no proof Prometheus holds this mesh's series: only measured ones are.
  if (!seen)
    await explainZero(context, { kind, ...(namespace === undefined ? {} : { namespace }) }, range, stats);
  return [...resources.values()].sort(byId);
}

/**
 * Both results, or when either fails the first one's error in argument order, whichever failed
 * sooner: a token both Consul's catalog and its metrics proxy refuse is reported the same way on
 * every run, not by which refusal arrived first.
 */
async function bothOrFirstError<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [first, second] = await Promise.allSettled([a, b]);
  if (first.status === "rejected") throw first.reason;
  if (second.status === "rejected") throw second.reason;
  return [first.value, second.value];
}
