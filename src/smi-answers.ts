import type { ListCache } from "./list-cache";
import type { Measurement } from "./measurement";
import type { MeshAdapter } from "./mesh/adapter";
import { cutPage, isPaged, type PageContext } from "./paging";
import { API_GROUP, API_VERSIONS, type ApiVersion, KINDS, type ResourceRef } from "./smi/kinds";
import {
  apiGroup,
  apiResourceList,
  objectReference,
  selfLinkOf,
  type TrafficMetricsList,
  trafficMetrics,
  trafficMetricsList,
} from "./smi/objects";
import type { SmiRoute } from "./smi/route";
import type { TimeRange } from "./time-range";
import {
  type MeasuredResource,
  measureEdges,
  measureKind,
  measureResource,
  RequestStats,
  refOf,
  type TrafficDeps,
} from "./traffic";

/** A body to send, plus what the backend told us on the way (passed on as `Warning` headers). */
export interface SmiAnswer {
  readonly body: unknown;
  readonly warnings: readonly string[];
  readonly roundTrips: number;
  /** Items of a list answer. */
  readonly items?: number;
}

/** Discovery answers need no metrics, and so no time range. */
export function discoveryAnswer(
  route: Extract<SmiRoute, { type: "group" | "resources" }>,
  mesh: MeshAdapter,
): SmiAnswer {
  const body = route.type === "group" ? apiGroup(API_VERSIONS) : apiResourceList(route.version, mesh.kinds);
  return { body, warnings: [], roundTrips: 0 };
}

type MetricsRoute = Exclude<SmiRoute, { type: "group" | "resources" }>;

/** What metrics answers need: the traffic readers, and the warm container's list cache. */
export interface SmiDeps extends TrafficDeps {
  readonly lists?: ListCache;
}

/**
 * Answers an SMI metrics route. All queries of one request are issued together; a failure of any
 * of them fails the whole answer, so a caller never gets partial numbers. Lists are cut into
 * pages when the caller asks (`paging`).
 */
export async function answerMetrics(
  deps: SmiDeps,
  route: MetricsRoute,
  range: TimeRange,
  stats: RequestStats = new RequestStats(),
  paging?: PageContext,
): Promise<SmiAnswer> {
  if (route.type === "resource") {
    const ref = refOf(route.kind, route);
    const body = resourceItem(route.version, range, ref, await measureResource(deps, ref, range, stats));
    return { body, warnings: [...stats.warnings], roundTrips: stats.roundTrips };
  }
  const page = paging ?? { page: {}, identity: "", now: range.time };
  const list =
    route.type === "list"
      ? await kindList(deps, route, range, stats, page)
      : await edgeList(deps, route, range, stats, page);
  return {
    body: list,
    warnings: [...stats.warnings],
    roundTrips: stats.roundTrips,
    items: list.items.length,
  };
}

/**
 * The whole list, measured once per page request, or taken from the warm container's cache while
 * the caller pages through it.
 */
async function wholeList<T>(
  deps: SmiDeps,
  paging: PageContext,
  time: Date,
  stats: RequestStats,
  measure: () => Promise<readonly T[]>,
): Promise<readonly T[]> {
  const fresh = async () => ({ items: await measure(), warnings: [...stats.warnings] });
  if (deps.lists === undefined || !isPaged(paging.page)) return (await fresh()).items;
  const list = await deps.lists.get(`${paging.identity}|${time.getTime()}`, fresh);
  for (const warning of list.warnings) stats.warnings.add(warning);
  return list.items;
}

/** Page fields of a list's metadata, when there is a next page. */
function pageMetadata(cut: { continue?: string; remainingItemCount?: number }) {
  return cut.continue === undefined
    ? {}
    : { continue: cut.continue, remainingItemCount: cut.remainingItemCount };
}

/** A `TrafficMetricsList` of every resource of a kind, or the caller's page of it. */
async function kindList(
  deps: SmiDeps,
  route: Extract<SmiRoute, { type: "list" }>,
  range: TimeRange,
  stats: RequestStats,
  paging: PageContext,
): Promise<TrafficMetricsList> {
  const all = await wholeList(deps, paging, range.time, stats, () =>
    measureKind(deps, route.kind, route.namespace, range, stats),
  );
  const cut = cutPage(all, (m) => ({ id: idOf(m.ref), measurement: m.measurement }), paging, range.time);
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
    items: measured.map(({ ref, measurement }) => resourceItem(version, range, ref, measurement)),
  });
}

/** A resource's own `TrafficMetrics`: no edge, linked to the resource's own path. */
function resourceItem(version: ApiVersion, range: TimeRange, ref: ResourceRef, measurement: Measurement) {
  return trafficMetrics({
    version,
    resource: ref,
    edge: undefined,
    ...range,
    measurement,
    selfLink: selfLinkOf(version, ref),
  });
}

/** A resource's edges as a `TrafficMetricsList`, or the caller's page of them. */
async function edgeList(
  deps: SmiDeps,
  route: Extract<SmiRoute, { type: "edges" }>,
  range: TimeRange,
  stats: RequestStats,
  paging: PageContext,
): Promise<TrafficMetricsList> {
  const { version } = route;
  const ref = refOf(route.kind, route);
  const all = await wholeList(deps, paging, range.time, stats, () => measureEdges(deps, ref, range, stats));
  const cut = cutPage(
    all,
    (e) => ({
      id: `${e.direction}|${e.side}|${e.peer === null ? "" : idOf(e.peer)}`,
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

const idOf = (ref: ResourceRef) => `${ref.kind}/${ref.namespace ?? ""}/${ref.name}`;
