import { NotFoundError } from "../errors/request-errors";
import type { IdentityLabels, ZeroTarget } from "../mesh/adapter";
import type { InstantVector } from "../prometheus/client";
import { eq, type Matcher, renderSelector } from "../prometheus/promql";
import { KINDS, type KindName, type ResourceRef } from "../smi/kinds";
import { type MeasureResult, measure, type PartitionSeen } from "./measure";
import { type Measurement, NO_TRAFFIC } from "./measurement";
import type { TimeRange } from "./time-range";
import { type DiagnosisDeps, diagnoseZeros, type ZeroAsk } from "./zero-diagnosis";

/** The query engine, the mesh, and what a zero answer's diagnosis names and looks back over. */
export type TrafficDeps = DiagnosisDeps;

/** What one request cost upstream, what the backend said on the way, and its deadline. */
export class RequestStats {
  roundTrips = 0;
  /** Epoch ms by which every query must be answered; unset means each query's own timeout. */
  constructor(readonly deadline?: number) {}
  /** The backend's warnings and ours (why a zero may not mean idle), in the order they arose. */
  readonly warnings = new Set<string>();
  /** Of those, the diagnosis' reasons a zero may not mean idle: a gate never passes such a zero. */
  readonly zeroDoubts = new Set<string>();
  readonly observe = (result: InstantVector): void => {
    this.roundTrips += 1;
    for (const w of result.warnings) this.warnings.add(w);
  };
}

/** The edge part of an item: which way, to whom, and whose proxy measured it. */
export interface EdgeSpec {
  readonly direction: "to" | "from";
  readonly peer: ResourceRef | null;
  readonly side: "client" | "server";
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

const grouping = (labels: IdentityLabels) => ({ namespace: labels.namespace, names: [labels.name] });

/** A reference of the given kind; namespaces never carry a namespace. */
export function refOf(kind: KindName, key: { namespace?: string | undefined; name: string }): ResourceRef {
  return KINDS[kind].namespaced && key.namespace !== undefined
    ? { kind, namespace: key.namespace, name: key.name }
    : { kind, name: key.name };
}

const idOf = (ref: { kind?: string; namespace?: string; name: string }) =>
  `${ref.namespace ?? ""}/${ref.name}/${ref.kind ?? ""}`;
const byId = (a: { ref: ResourceRef }, b: { ref: ResourceRef }) => idOf(a.ref).localeCompare(idOf(b.ref));

/** Runs one extra instant query for the request, counted as one of its round trips. */
function runner({ engine }: TrafficDeps, time: Date, stats: RequestStats) {
  return async (promql: string) => {
    const result = await engine.instantQuery(
      promql,
      time,
      stats.deadline === undefined ? {} : { deadline: stats.deadline },
    );
    stats.observe(result);
    return result;
  };
}

/**
 * Says when an answer summed series of several clusters or datacenters: the partition labels rode in
 * the counts queries already, so this costs nothing. One Warning per setting, whichever of its
 * labels (a Consul edge reads `consul_destination_datacenter`) showed the values.
 */
export function notePartitions(partitions: readonly PartitionSeen[], stats: RequestStats): void {
  const bySetting = new Map<string, { noun: string; labels: Set<string>; values: Set<string> }>();
  for (const { label, setting, noun, values } of partitions) {
    const seen = bySetting.get(setting) ?? { noun, labels: new Set(), values: new Set() };
    seen.labels.add(label);
    for (const v of values) seen.values.add(v);
    bySetting.set(setting, seen);
  }
  for (const [setting, { noun, labels, values }] of bySetting) {
    if (values.size < 2) continue;
    const named = [...values]
      .sort()
      .map((v) => (v === "" ? "(none)" : v))
      .join(", ");
    stats.warnings.add(
      `this answer sums series from ${values.size} ${noun}s (label ${[...labels].join(", ")}: ${named}); set ${setting} to answer for one ${noun}`,
    );
  }
}

/** After a zero or empty answer, spends one cheap query on saying why it may not mean idle. */
export async function explainZero(
  deps: TrafficDeps,
  target: ZeroTarget,
  range: TimeRange,
  stats: RequestStats,
  named: readonly string[] = [],
): Promise<void> {
  await explainZeros(deps, [{ target, named }], range, stats);
}

/** The same for several zero objects of one kind (a split's backends), in the same one query. */
export async function explainZeros(
  deps: TrafficDeps,
  asks: readonly ZeroAsk[],
  range: TimeRange,
  stats: RequestStats,
): Promise<void> {
  const warnings = await diagnoseZeros(deps, asks, range.time, runner(deps, range.time, stats));
  for (const warning of warnings) {
    if (warning === undefined) continue;
    stats.warnings.add(warning);
    stats.zeroDoubts.add(warning);
  }
}

const targetOf = (ref: ResourceRef): ZeroTarget => ({
  kind: ref.kind,
  name: ref.name,
  ...(ref.namespace === undefined ? {} : { namespace: ref.namespace }),
});

/**
 * The traffic one resource served in the window. A resource Prometheus has no series of in the
 * window answers zero counts and null latencies, with a Warning when that may not mean idle.
 */
export async function measureResource(
  deps: TrafficDeps,
  ref: ResourceRef,
  range: TimeRange,
  stats: RequestStats,
): Promise<Measurement> {
  const view = deps.mesh.resourceView(ref.kind);
  const measured = await measure(
    deps.engine,
    {
      family: view.family,
      scope: identityMatchers(view.self, ref),
      groupBy: grouping(view.self),
      ...range,
      // One object: a single round trip costs less than two in parallel.
      plan: "joined",
    },
    stats,
  );
  notePartitions(measured.partitions, stats);
  const found = measured.objects[0];
  if (found === undefined) await explainZero(deps, targetOf(ref), range, stats);
  return found?.measurement ?? NO_TRAFFIC;
}

/** Every resource of a kind (in one namespace, or all), plus any the mesh's catalog knows idle. */
export async function measureKind(
  deps: TrafficDeps,
  kind: KindName,
  namespace: string | undefined,
  range: TimeRange,
  stats: RequestStats,
): Promise<MeasuredResource[]> {
  const { engine, mesh } = deps;
  const view = mesh.resourceView(kind);
  const scope =
    namespace !== undefined && view.self.namespace !== undefined ? [eq(view.self.namespace, namespace)] : [];
  const [measured, known] = await Promise.all([
    measure(engine, { family: view.family, scope, groupBy: grouping(view.self), ...range }, stats),
    mesh.knownResources?.(kind, namespace) ?? Promise.resolve({ refs: [], warnings: [] }),
  ]);
  for (const warning of known.warnings) stats.warnings.add(warning);
  notePartitions(measured.partitions, stats);
  const resources = new Map<string, MeasuredResource>();
  for (const ref of known.refs) resources.set(idOf(ref), { ref, measurement: NO_TRAFFIC });
  let seen = false;
  for (const m of measured.objects) {
    const ref = refOf(kind, m.key);
    if (namespace !== undefined && ref.namespace !== namespace) continue;
    resources.set(idOf(ref), { ref, measurement: m.measurement });
    seen = true;
  }
  // A catalog's idle entries are no proof Prometheus holds this mesh's series: only measured ones are.
  if (!seen)
    await explainZero(deps, { kind, ...(namespace === undefined ? {} : { namespace }) }, range, stats);
  return [...resources.values()].sort(byId);
}

/**
 * A resource's edges in both directions, each read on the side the mesh measures it, each peer
 * with its own kind. Every direction's queries run together; peers whose series carry no
 * namespace are placed by the mesh.
 */
export async function measureEdges(
  deps: TrafficDeps,
  ref: ResourceRef,
  range: TimeRange,
  stats: RequestStats,
): Promise<MeasuredEdge[]> {
  const { engine, mesh } = deps;
  const views = mesh.edgeViews(ref.kind);
  if (views.length === 0) {
    throw new NotFoundError(
      `edges of ${ref.kind} are not served with mesh ${mesh.name}: its series do not name the peers of a ${KINDS[ref.kind].kind}`,
    );
  }
  const perView: MeasureResult[] = await Promise.all(
    views.map((view) =>
      measure(
        engine,
        {
          family: view.family,
          scope: identityMatchers(view.self, ref),
          groupBy: { namespace: view.peer.namespace, names: view.peer.names.map((n) => n.label) },
          ...range,
        },
        stats,
      ),
    ),
  );
  notePartitions(
    perView.flatMap((m) => m.partitions),
    stats,
  );
  const peerKind = (viewIndex: number, via: number) =>
    (views[viewIndex]?.peer.names[via]?.kind ?? ref.kind) as KindName;
  const unplaced = new Set<string>();
  views.forEach((view, i) => {
    for (const m of perView[i]?.objects ?? []) {
      if (view.peer.namespace === undefined && KINDS[peerKind(i, m.key.via)].namespaced)
        unplaced.add(m.key.name);
    }
  });
  const query = runner(deps, range.time, stats);
  const placed =
    unplaced.size > 0 && mesh.placeNamespaces
      ? await mesh.placeNamespaces(ref.kind, [...unplaced], query)
      : new Map<string, string>();
  const edges = views.flatMap((view, i) =>
    (perView[i]?.objects ?? [])
      .map((m) => ({
        ref: refOf(peerKind(i, m.key.via), {
          namespace: m.key.namespace ?? placed.get(m.key.name),
          name: m.key.name,
        }),
        side: m.side,
        measurement: m.measurement,
      }))
      .sort(byId)
      .map(({ ref: peer, side, measurement }) => ({ direction: view.direction, peer, side, measurement })),
  );
  if (edges.length === 0) {
    // The edges' own selectors count as signs of life: a workload may only ever send.
    const own = views.map((view) =>
      renderSelector(view.family.counter, [...view.family.matchers, ...identityMatchers(view.self, ref)]),
    );
    await explainZero(deps, targetOf(ref), range, stats, own);
  }
  return edges;
}
