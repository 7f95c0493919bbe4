import type { Context } from "../config/context";

import { measureEdges } from "../metrics/edges";
import { RequestStats } from "../metrics/request-stats";
import { refOf } from "../metrics/resource-ref";
import { type MeasuredResource, measureKind, measureResource } from "../metrics/resources";
import type { TimeRange } from "../metrics/time-range";
import { apiGroup, apiResourceList } from "../smi/discovery";
import { API_GROUP, type ApiVersion, isSplitKindName, KINDS } from "../smi/kinds";
import type { ObjectPath, SmiRoute } from "../smi/route";
import type { TrafficMetrics, TrafficMetricsList } from "../smi/schemas";
import { type Answer, answerOf, documentAnswer } from "./answer";
import { cutPage, type PageContext, pageIdOf, pageMetadata, wholeList } from "./paging";
import { objectReference, ownTraffic, selfLinkOf, trafficMetrics, trafficMetricsList } from "./smi-objects";
import { splitList } from "./split-answers";

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
 * Answers an SMI metrics route. All queries of one request are issued together; a failure of any
 * of them fails the whole answer, so a caller never gets partial numbers. Lists are cut into
 * pages when the caller asks (`paging`).
 */
export async function answerMetrics(
  context: Context,
  route: ObjectPath,
  range: TimeRange,
  stats: RequestStats = new RequestStats(),
  paging?: PageContext,
): Promise<Answer<TrafficMetrics | TrafficMetricsList>> {
  const page = paging ?? { page: {}, identity: "", now: range.time };
  if (isSplitKindName(route.kind)) {
    const list = await splitList(context, route, range, stats, page);
    return answerOf(list, stats, list.items.length);
  }
  if (route.type === "resource") {
    const ref = refOf(route.kind, route);
    const measured = await measureResource(context, ref, range, stats);
    return answerOf(resourceItem(route.version, range, { ref, ...measured }), stats);
  }
  const list =
    route.type === "list"
      ? await kindList(context, route, range, stats, page)
      : await edgeList(context, route, range, stats, page);
  return answerOf(list, stats, list.items.length);
}

/** A `TrafficMetricsList` of every resource of a kind, or the caller's page of it. */
async function kindList(
  context: Context,
  route: Extract<SmiRoute, { type: "list" }>,
  range: TimeRange,
  stats: RequestStats,
  paging: PageContext,
): Promise<TrafficMetricsList> {
  const all = await wholeList(context, paging, range.time, stats, () =>
    measureKind(context, route.kind, route.namespace, range, stats),
  );
  const cut = cutPage(all, (m) => ({ id: pageIdOf(m.ref), measurement: m.measurement }), paging, range.time);
  const list = kindListOf(route, cut.items, range);
  return { ...list, metadata: { ...list.metadata, ...pageMetadata(cut) } };
}

/** Turns measured resources into the list object; reports reuse it with their own measurements. */
export function kindListOf(
  { version, kind, namespace }: Omit<Extract<SmiRoute, { type: "list" }>, "type">,
  measured: readonly MeasuredResource[],
  range: TimeRange,
): TrafficMetricsList {
  const base = `/apis/${API_GROUP}/${version}`;
  return trafficMetricsList({
    version,
    selfLink: namespace === undefined ? `${base}/${kind}` : `${base}/namespaces/${namespace}/${kind}`,
    resource: namespace === undefined ? { kind: KINDS[kind].kind } : { kind: KINDS[kind].kind, namespace },
    items: measured.map((resource) => resourceItem(version, range, resource)),
  });
}

/** A resource's own `TrafficMetrics`: no peer, the side that measured it, its own path. */
function resourceItem(version: ApiVersion, range: TimeRange, { ref, measurement, side }: MeasuredResource) {
  return trafficMetrics({
    version,
    resource: ref,
    edge: ownTraffic(side),
    ...range,
    measurement,
    selfLink: selfLinkOf(version, ref),
  });
}

/** A resource's edges as a `TrafficMetricsList`, or the caller's page of them. */
async function edgeList(
  context: Context,
  route: Extract<SmiRoute, { type: "edges" }>,
  range: TimeRange,
  stats: RequestStats,
  paging: PageContext,
): Promise<TrafficMetricsList> {
  const { version } = route;
  const ref = refOf(route.kind, route);
  const all = await wholeList(context, paging, range.time, stats, () =>
    measureEdges(context, ref, range, stats),
  );
  const cut = cutPage(
    all,
    (e) => ({
      id: `${e.direction}|${e.side}|${e.peer === null ? "" : pageIdOf(e.peer)}`,
      measurement: e.measurement,
    }),
    paging,
    range.time,
  );
  const selfLink = selfLinkOf(version, ref, "/edges");
  const list = trafficMetricsList({
    version,
    selfLink,
    resource: objectReference(ref),
    items: cut.items.map(({ measurement, ...edge }) =>
      trafficMetrics({ version, resource: ref, edge, ...range, measurement, selfLink }),
    ),
  });
  return { ...list, metadata: { ...list.metadata, ...pageMetadata(cut) } };
}
