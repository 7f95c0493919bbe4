import type { Context } from "../config/context";
import { NotFoundError } from "../errors/request-errors";
import { counterMatchersOf, type EdgeView } from "../mesh/adapter";
import type { InstantVector } from "../prometheus/client";
import { renderSelector } from "../prometheus/promql";
import { KINDS, type KindName, type ResourceRef } from "../smi/kinds";
import { noteMissingLatency } from "./latency-warnings";
import { measure } from "./measure";
import type { MeasureResult } from "./measure-fold";
import type { Measurement } from "./measurement";
import { notePartitions } from "./partitions";
import { countedQuery, type RequestStats } from "./request-stats";
import { byId, identityMatchers, refOf } from "./resource-ref";
import type { TimeRange } from "./time-range";
import { describe } from "./zero-diagnosis";
import { explainZero, targetOf } from "./zero-warnings";

/** The edge part of an item: which way, to whom, and whose proxy measured it. */
export interface EdgeSpec {
  readonly direction: "to" | "from";
  readonly peer: ResourceRef | null;
  readonly side: "client" | "server";
}

export interface MeasuredEdge extends EdgeSpec {
  readonly measurement: Measurement;
}

/**
 * A resource's edges in both directions, each read on the side the mesh measures it, each peer
 * with its own kind. Every direction's queries run together; peers whose series carry no
 * namespace are placed by the mesh.
 */
export async function measureEdges(
  context: Context,
  ref: ResourceRef,
  range: TimeRange,
  stats: RequestStats,
): Promise<MeasuredEdge[]> {
  const views = edgeViewsOf(context, ref);
  const perView: MeasureResult[] = await Promise.all(
    views.map((view) =>
      measure(
        context.engine,
        {
          family: view.family,
          scope: identityMatchers(view.self, ref),
          groupBy: {
            namespace: view.peer.namespace,
            names: view.peer.names.map((n) => n.label),
            when: view.peer.names.map((n) => n.when ?? []),
          },
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
  views.forEach((view, i) => {
    const missing = perView[i]?.latencyMissing ?? 0;
    const edges = `${missing} of the edges ${view.direction} ${describe(targetOf(ref))}`;
    noteMissingLatency(view.family, edges, missing, stats);
  });
  const peerKind = (viewIndex: number, via: number) =>
    (views[viewIndex]?.peer.names[via]?.kind ?? ref.kind) as KindName;
  const placed = await placePeers(
    context,
    ref,
    views,
    perView,
    peerKind,
    countedQuery(context, range.time, stats),
  );
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
  if (edges.length === 0) await explainNoEdges(context, ref, views, range, stats);
  return edges;
}

/** The mesh's views of a kind's edges; a 404 that says why when its series cannot name peers. */
function edgeViewsOf({ mesh }: Context, ref: ResourceRef): readonly EdgeView[] {
  const views = mesh.edgeViews(ref.kind);
  if (views.length === 0) {
    throw new NotFoundError(
      `edges of ${ref.kind} are not served with mesh ${mesh.name}: its series do not name the peers of a ${KINDS[ref.kind].kind}`,
    );
  }
  return views;
}

/** Namespaces of namespaced peers whose series carry none, asked of the mesh in one query. */
async function placePeers(
  { mesh }: Context,
  ref: ResourceRef,
  views: readonly EdgeView[],
  perView: readonly MeasureResult[],
  peerKind: (viewIndex: number, via: number) => KindName,
  query: (promql: string) => Promise<InstantVector>,
): Promise<ReadonlyMap<string, string>> {
  const unplaced = new Set<string>();
  views.forEach((view, i) => {
    for (const m of perView[i]?.objects ?? []) {
      if (view.peer.namespace === undefined && KINDS[peerKind(i, m.key.via)].namespaced)
        unplaced.add(m.key.name);
    }
  });
  return unplaced.size > 0 && mesh.placeNamespaces
    ? await mesh.placeNamespaces(ref.kind, [...unplaced], query)
    : new Map<string, string>();
}

/** No edge at all: why that may not mean idle. The edges' own selectors count as signs of life. */
async function explainNoEdges(
  context: Context,
  ref: ResourceRef,
  views: readonly EdgeView[],
  range: TimeRange,
  stats: RequestStats,
): Promise<void> {
  // A workload may only ever send: its outgoing series show it exists.
  const own = views.map((view) =>
    renderSelector(view.family.counter, [
      ...counterMatchersOf(view.family),
      ...identityMatchers(view.self, ref),
    ]),
  );
  await explainZero(context, targetOf(ref), range, stats, own);
}
