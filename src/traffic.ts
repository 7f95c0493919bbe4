import { NotFoundError } from "./errors";
import { type LatencyShape, measure } from "./measure";
import { type Measurement, NO_TRAFFIC } from "./measurement";
import type { IdentityLabels, MeshAdapter } from "./mesh/adapter";
import type { InstantVector, QueryEngine } from "./prometheus/client";
import { eq, type Matcher } from "./prometheus/promql";
import { KINDS, type KindName, type ResourceRef } from "./smi/kinds";
import type { EdgeSpec } from "./smi/objects";
import type { TimeRange } from "./time-range";

/**
 * Latency query shape, chosen by `npm run bench` (see README): Prometheus' cost is dominated by
 * evaluating bucket rates, which three server-side `histogram_quantile`s do three times; fetching
 * the rates once and interpolating here took 0.3-0.6x the time at every size measured, for
 * lists of 10 to 10,000 pods and for edges alike.
 */
const LATENCY_SHAPE: LatencyShape = "buckets";

export interface TrafficDeps {
  readonly engine: QueryEngine;
  readonly mesh: MeshAdapter;
}

/** What one request cost upstream, what the backend said on the way, and its deadline. */
export class RequestStats {
  roundTrips = 0;
  /** Epoch ms by which every query must be answered; unset means each query's own timeout. */
  constructor(readonly deadline?: number) {}
  readonly warnings = new Set<string>();
  readonly observe = (result: InstantVector): void => {
    this.roundTrips += 1;
    for (const w of result.warnings) this.warnings.add(w);
  };
}

export interface MeasuredResource {
  readonly ref: ResourceRef;
  readonly measurement: Measurement;
}

export interface MeasuredEdge extends EdgeSpec {
  readonly measurement: Measurement;
}

function identityMatchers(labels: IdentityLabels, ref: { namespace?: string; name: string }): Matcher[] {
  const matchers = [eq(labels.name, ref.name)];
  if (labels.namespace !== undefined && ref.namespace !== undefined)
    matchers.push(eq(labels.namespace, ref.namespace));
  return matchers;
}

/** A reference of the given kind; namespaces never carry a namespace. */
export function refOf(kind: KindName, key: { namespace?: string | undefined; name: string }): ResourceRef {
  return KINDS[kind].namespaced && key.namespace !== undefined
    ? { kind, namespace: key.namespace, name: key.name }
    : { kind, name: key.name };
}

const idOf = (ref: { namespace?: string; name: string }) => `${ref.namespace ?? ""}/${ref.name}`;
const byId = (a: { ref: ResourceRef }, b: { ref: ResourceRef }) => idOf(a.ref).localeCompare(idOf(b.ref));

/**
 * The traffic one resource served in the window. A resource Prometheus has never heard of is not
 * an error: it served nothing, so it gets zero counts and null latencies.
 */
export async function measureResource(
  { engine, mesh }: TrafficDeps,
  ref: ResourceRef,
  range: TimeRange,
  stats: RequestStats,
): Promise<Measurement> {
  const view = mesh.resourceView(ref.kind);
  const measured = await measure(
    engine,
    {
      family: view.family,
      scope: identityMatchers(view.self, ref),
      groupBy: view.self,
      ...range,
      latency: LATENCY_SHAPE,
      // One object: a single round trip costs less than two in parallel.
      plan: "joined",
    },
    stats,
  );
  return measured[0]?.measurement ?? NO_TRAFFIC;
}

/** Every resource of a kind (in one namespace, or all), plus any the mesh's catalog knows idle. */
export async function measureKind(
  { engine, mesh }: TrafficDeps,
  kind: KindName,
  namespace: string | undefined,
  range: TimeRange,
  stats: RequestStats,
): Promise<MeasuredResource[]> {
  const view = mesh.resourceView(kind);
  const scope =
    namespace !== undefined && view.self.namespace !== undefined ? [eq(view.self.namespace, namespace)] : [];
  const [measured, known] = await Promise.all([
    measure(
      engine,
      { family: view.family, scope, groupBy: view.self, ...range, latency: LATENCY_SHAPE },
      stats,
    ),
    mesh.knownResources?.(kind, namespace) ?? Promise.resolve([]),
  ]);
  const resources = new Map<string, MeasuredResource>();
  for (const ref of known) resources.set(idOf(ref), { ref, measurement: NO_TRAFFIC });
  for (const m of measured) {
    const ref = refOf(kind, m.key);
    if (namespace === undefined || ref.namespace === namespace)
      resources.set(idOf(ref), { ref, measurement: m.measurement });
  }
  return [...resources.values()].sort(byId);
}

/**
 * A resource's edges in both directions, each read on the side the mesh measures it. Every
 * direction's queries run together; peers whose series carry no namespace are placed by the mesh.
 */
export async function measureEdges(
  { engine, mesh }: TrafficDeps,
  ref: ResourceRef,
  range: TimeRange,
  stats: RequestStats,
): Promise<MeasuredEdge[]> {
  const views = mesh.edgeViews(ref.kind);
  if (views.length === 0) {
    throw new NotFoundError(
      `edges of ${ref.kind} are not served with mesh ${mesh.name}: its series do not name the peers of a ${KINDS[ref.kind].kind}`,
    );
  }
  const perView = await Promise.all(
    views.map((view) =>
      measure(
        engine,
        {
          family: view.family,
          scope: identityMatchers(view.self, ref),
          groupBy: view.peer,
          ...range,
          latency: LATENCY_SHAPE,
        },
        stats,
      ),
    ),
  );
  const unplaced = new Set<string>();
  views.forEach((view, i) => {
    if (view.peer.namespace === undefined && KINDS[ref.kind].namespaced) {
      for (const m of perView[i] ?? []) unplaced.add(m.key.name);
    }
  });
  const query = async (promql: string) => {
    const result = await engine.instantQuery(
      promql,
      range.time,
      stats.deadline === undefined ? {} : { deadline: stats.deadline },
    );
    stats.observe(result);
    return result;
  };
  const placed =
    unplaced.size > 0 && mesh.placeNamespaces
      ? await mesh.placeNamespaces(ref.kind, [...unplaced], query)
      : new Map<string, string>();
  return views.flatMap((view, i) =>
    (perView[i] ?? [])
      .map((m) => ({
        ref: refOf(ref.kind, { namespace: m.key.namespace ?? placed.get(m.key.name), name: m.key.name }),
        measurement: m.measurement,
      }))
      .sort(byId)
      .map(({ ref: peer, measurement }) => ({
        direction: view.direction,
        peer,
        side: view.family.side,
        measurement,
      })),
  );
}
