import type { Context } from "../config/context";

import { measureEdges } from "../metrics/edges";
import { measureKindEdges, type OwnedEdge } from "../metrics/kind-edges";
import { RequestStats } from "../metrics/request-stats";
import { refOf } from "../metrics/resource-ref";
import { type MeasuredResource, measureKind, measureResource } from "../metrics/resources";
import type { TimeRange } from "../metrics/time-range";
import { apiGroup, apiResourceList } from "../smi/discovery";
import { API_GROUP, type ApiVersion, isSplitKindName, KINDS } from "../smi/kinds";
import type { ObjectPath, SmiRoute } from "../smi/route";
import type { TrafficMetrics, TrafficMetricsSeries } from "../smi/schemas";
import { type Answer, answerOf, documentAnswer } from "./answer";
import { cutPage, type PageContext, pageIdOf, pageMetadata, wholeList } from "./paging";
import { type MetricsList, type Renderer, rendererFor } from "./renderer";
import { checkSeriesSize } from "./series-limits";
import { objectReference, ownTraffic, selfLinkOf } from "./smi-objects";
import { splitList } from "./split-answers";

/** Any metrics answer: one object or a list, at one time or over a range. */
export type MetricsAnswer = TrafficMetrics | TrafficMetricsSeries | MetricsList;

/** Discovery answers need no metrics, and so no time range. */
export function discoveryAnswer(
  route: Extract<SmiRoute, { type: "group" | "resources" }>,
  context: Context,
): Answer {
  return documentAnswer(
    route.type === "group" ? apiGroup() : apiResourceList(route.version, context.kinds[route.version]),
  );
}

/**
 * Answers an SMI metrics route, at one time or (a range) at every point of it. All queries of one
 * request are issued together, once for every point; a failure of any of them fails the whole
 * answer, so a caller never gets partial numbers. Lists are cut into pages when the caller asks
 * (`paging`).
 */
export async function answerMetrics(
  context: Context,
  route: ObjectPath,
  range: TimeRange,
  stats: RequestStats = new RequestStats(),
  paging?: PageContext,
): Promise<Answer<MetricsAnswer>> {
  const page = paging ?? { page: {}, identity: "", now: range.time };
  if (isSplitKindName(route.kind)) {
    const list = await splitList(context, route, range, stats, page);
    return answerOf(list, stats, list.items.length);
  }
  if (route.type === "resource") {
    const ref = refOf(route.kind, route);
    const measured = await measureResource(context, ref, range, stats);
    const render = rendererFor(route.version, range);
    return answerOf(resourceItem(render, route.version, { ref, ...measured }), stats);
  }
  const list =
    route.type === "list"
      ? await kindList(context, route, range, stats, page)
      : route.type === "edges"
        ? await edgeList(context, route, range, stats, page)
        : await kindEdgeList(context, route, range, stats, page);
  checkSeriesSize(list);
  return answerOf(list, stats, list.items.length);
}

/** Every resource of a kind, or the caller's page of it: a list of objects, or of series. */
async function kindList(
  context: Context,
  route: Extract<SmiRoute, { type: "list" }>,
  range: TimeRange,
  stats: RequestStats,
  paging: PageContext,
): Promise<MetricsList> {
  const all = await wholeList(context, paging, range.time, stats, () =>
    measureKind(context, route.kind, route.namespace, range, stats),
  );
  const cut = cutPage(all, (m) => ({ id: pageIdOf(m.ref), series: m.series }), paging, range.time);
  const list = kindListOf(route, cut.items, range);
  return { ...list, metadata: { ...list.metadata, ...pageMetadata(cut) } };
}

/** Turns measured resources into the list object; reports reuse it with their own measurements. */
export function kindListOf(
  { version, kind, namespace }: Omit<Extract<SmiRoute, { type: "list" }>, "type">,
  measured: readonly MeasuredResource[],
  range: TimeRange,
): MetricsList {
  const base = `/apis/${API_GROUP}/${version}`;
  const render = rendererFor(version, range);
  return render.list({
    selfLink: namespace === undefined ? `${base}/${kind}` : `${base}/namespaces/${namespace}/${kind}`,
    resource: namespace === undefined ? { kind: KINDS[kind].kind } : { kind: KINDS[kind].kind, namespace },
    items: measured.map((resource) => resourceItem(render, version, resource)),
  });
}

/** A resource's own numbers: no peer, the side that measured it, its own path. */
function resourceItem(render: Renderer, version: ApiVersion, { ref, side, ...measured }: MeasuredResource) {
  return render.item({ resource: ref, edge: ownTraffic(side), measured, selfLink: selfLinkOf(version, ref) });
}

/** A resource's edges, or the caller's page of them: a list of objects, or of series. */
async function edgeList(
  context: Context,
  route: Extract<SmiRoute, { type: "edges" }>,
  range: TimeRange,
  stats: RequestStats,
  paging: PageContext,
): Promise<MetricsList> {
  const { version } = route;
  const ref = refOf(route.kind, route);
  const all = await wholeList(context, paging, range.time, stats, () =>
    measureEdges(context, ref, range, stats),
  );
  const cut = cutPage(
    all,
    (e) => ({ id: `${e.direction}|${e.side}|${e.peer === null ? "" : pageIdOf(e.peer)}`, series: e.series }),
    paging,
    range.time,
  );
  const selfLink = selfLinkOf(version, ref, "/edges");
  const render = rendererFor(version, range);
  const list = render.list({
    selfLink,
    resource: objectReference(ref),
    items: cut.items.map(({ measurement, series, ...edge }) =>
      render.item({ resource: ref, edge, measured: { measurement, series }, selfLink }),
    ),
  });
  return { ...list, metadata: { ...list.metadata, ...pageMetadata(cut) } };
}

/**
 * Every edge of every resource of a kind in a namespace (`namespaces/{ns}/{kind}/-/edges`): each
 * item's resource is the edge's own end, as in that resource's edges. A topology in one answer.
 */
async function kindEdgeList(
  context: Context,
  route: Extract<ObjectPath, { type: "kindEdges" }>,
  range: TimeRange,
  stats: RequestStats,
  paging: PageContext,
): Promise<MetricsList> {
  const { version, kind, namespace } = route;
  const all = await wholeList(context, paging, range.time, stats, () =>
    measureKindEdges(context, kind, namespace, range, stats),
  );
  const id = (e: OwnedEdge) =>
    `${pageIdOf(e.self)}|${e.direction}|${e.side}|${e.peer === null ? "" : pageIdOf(e.peer)}`;
  const cut = cutPage(all, (e) => ({ id: id(e), series: e.series }), paging, range.time);
  const render = rendererFor(version, range);
  const list = render.list({
    selfLink: `/apis/${API_GROUP}/${version}/namespaces/${namespace}/${kind}/-/edges`,
    resource: { kind: KINDS[kind].kind, namespace },
    items: cut.items.map(({ self, measurement, series, ...edge }) =>
      render.item({
        resource: self,
        edge,
        measured: { measurement, series },
        selfLink: selfLinkOf(version, self, "/edges"),
      }),
    ),
  });
  return { ...list, metadata: { ...list.metadata, ...pageMetadata(cut) } };
}
