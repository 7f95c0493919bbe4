import type { Context } from "../config/context";
import { eq } from "../prometheus/promql";
import type { KindName, ResourceRef } from "../smi/kinds";
import { edgeViewsOf, type MeasuredEdge, noteEdgesMissingLatency, placePeers } from "./edges";
import { measure } from "./measure";
import { notePartitions } from "./partitions";
import { countedQuery, type RequestStats } from "./request-stats";
import { refKey, refOf } from "./resource-ref";
import type { TimeRange } from "./time-range";
import { explainZero } from "./zero-warnings";

/** One edge of a kind-wide answer: whose edge it is (`self`), and the edge. */
export interface OwnedEdge extends MeasuredEdge {
  readonly self: ResourceRef;
}

/**
 * Every edge of every resource of a kind in a namespace, in both directions: the same queries as
 * one resource's edges (one per direction and part), scoped to the namespace instead of one name and
 * grouped by the resource's own label as well, so a whole topology costs what one resource's edges
 * cost. Owners and peers whose series carry no namespace are placed by the mesh.
 */
export async function measureKindEdges(
  context: Context,
  kind: KindName,
  namespace: string,
  range: TimeRange,
  stats: RequestStats,
): Promise<OwnedEdge[]> {
  const views = edgeViewsOf(context, kind);
  const perView = await Promise.all(
    views.map((view) =>
      measure(
        context.engine,
        {
          family: view.family,
          scope: view.self.namespace === undefined ? [] : [eq(view.self.namespace, namespace)],
          groupBy: {
            namespace: view.peer.namespace,
            names: view.peer.names.map((n) => n.label),
            owner: view.self.name,
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
  noteEdgesMissingLatency({ kind, namespace }, views, perView, stats);
  const peerKind = (viewIndex: number, via: number) =>
    (views[viewIndex]?.peer.names[via]?.kind ?? kind) as KindName;
  const placed = await placePeers(
    context,
    kind,
    views,
    perView,
    peerKind,
    countedQuery(context, range.time, stats),
  );
  const edges = views.flatMap((view, i) =>
    (perView[i]?.objects ?? []).flatMap(({ key, side, measurement, series }) => {
      // An owner read without its namespace belongs here only if the mesh places it here.
      const ownerNamespace = view.self.namespace === undefined ? placed.get(key.owner ?? "") : namespace;
      if (ownerNamespace !== namespace) return [];
      const self = refOf(kind, { namespace, name: key.owner ?? "" });
      const peer = refOf(peerKind(i, key.via), {
        namespace: key.namespace ?? placed.get(key.name),
        name: key.name,
      });
      return [{ self, direction: view.direction, peer, side, measurement, series }];
    }),
  );
  if (edges.length === 0) await explainZero(context, { kind, namespace }, range, stats);
  const order = (e: OwnedEdge) => `${refKey(e.self)}|${e.direction}|${refKey(e.peer ?? e.self)}|${e.side}`;
  return edges.sort((a, b) => order(a).localeCompare(order(b)));
}
