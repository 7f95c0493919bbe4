import type { Context } from "../config/context";
import { NotFoundError } from "../errors/request-errors";
import { counterMatchersOf, type EdgeView, type ZeroTarget } from "../mesh/adapter";
import type { QueryResult } from "../prometheus/client";
import { renderSelector } from "../prometheus/promql";
import { KINDS, type KindName, type ResourceRef } from "../smi/kinds";
import { noteMissingLatency } from "./latency-warnings";
import { measure } from "./measure";
import type { Measurement } from "./measurement";
import { notePartitions } from "./partitions";
import type { MeasureResult } from "./point-folds";
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
  /** At every point of the answer's range (one for an instant answer). */
  readonly series: readonly Measurement[];
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
  const views = edgeViewsOf(context, ref.kind);
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
  noteEdgesMissingLatency(targetOf(ref), views, perView, stats);
  const peerKind = (viewIndex: number, via: number) =>
    (views[viewIndex]?.peer.names[via]?.kind ?? ref.kind) as KindName;
  const placed = await placePeers(
    context,
    ref.kind,
    views,
    perView,
    peerKind,
    countedQuery(context, range.time, stats),
  );
  const edges = views.flatMap((view, i) =>
    (perView[i]?.objects ?? [])
      .map(({ key, side, measurement, series }) => ({
        ref: refOf(peerKind(i, key.via), {
          namespace: key.namespace ?? placed.get(key.name),
          name: key.name,
        }),
        side,
        measurement,
        series,
      }))
      .sort(byId)
      .map(({ ref: peer, ...measured }) => ({ direction: view.direction, peer, ...measured })),
  );
  if (edges.length === 0) await explainNoEdges(context, ref, views, range, stats);
  return edges;
}

/** Edges with requests but no latency histogram, said once per direction, of `ref` (or a kind's). */
export function noteEdgesMissingLatency(
  ref: ZeroTarget,
  views: readonly EdgeView[],
  perView: readonly MeasureResult[],
  stats: RequestStats,
): void {
  views.forEach((view, i) => {
    const missing = perView[i]?.latencyMissing ?? 0;
    const edges = `${missing} of the edges ${view.direction} ${describe(ref)}`;
    noteMissingLatency(view.family, edges, missing, stats);
  });
}

/** The mesh's views of a kind's edges; a 404 that says why when its series cannot name peers. */
export function edgeViewsOf({ mesh }: Context, kind: KindName): readonly EdgeView[] {
  const views = mesh.edgeViews(kind);
  if (views.length === 0) {
    throw new NotFoundError(
      `edges of ${kind} are not served with mesh ${mesh.name}: its series do not name the peers of a ${KINDS[kind].kind}`,
    );
  }
  return views;
}

/**
 * Namespaces of namespaced peers whose series carry none, and of owners (a kind-wide answer's
 * objects) read by a label without one, asked of the mesh in one query.
 */
export async function placePeers(
  { mesh }: Context,
  kind: KindName,
  views: readonly EdgeView[],
  perView: readonly MeasureResult[],
  peerKind: (viewIndex: number, via: number) => KindName,
  query: (promql: string) => Promise<QueryResult>,
): Promise<ReadonlyMap<string, string>> {
  const unplaced = new Set<string>();
  views.forEach((view, i) => {
    for (const { key } of perView[i]?.objects ?? []) {
      if (view.peer.namespace === undefined && KINDS[peerKind(i, key.via)].namespaced) unplaced.add(key.name);
      if (key.owner !== undefined && view.self.namespace === undefined) unplaced.add(key.owner);
    }
  });
  return unplaced.size > 0 && mesh.placeNamespaces
    ? await mesh.placeNamespaces(kind, [...unplaced], query)
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
