import type { ListCache } from "../config/list-cache";
import { type KindSources, servedKinds } from "../config/served-kinds";
import { NotFoundError } from "../errors/request-errors";
import type { Split, SplitSource } from "../kubernetes/split";
import type { Measurement } from "../metrics/measurement";
import { explainUnobservedBackends, measureSplit } from "../metrics/splits";
import type { TimeRange } from "../metrics/time-range";
import {
  type MeasuredResource,
  measureEdges,
  measureKind,
  measureResource,
  RequestStats,
  refOf,
  type TrafficDeps,
} from "../metrics/traffic";
import { apiGroup, apiResourceList } from "../smi/discovery";
import {
  API_GROUP,
  type ApiVersion,
  isSplitKindName,
  KINDS,
  type ResourceRef,
  type SplitKindName,
} from "../smi/kinds";
import type { SmiRoute } from "../smi/route";
import type { TrafficMetrics, TrafficMetricsList } from "../smi/schemas";
import { cutPage, isPaged, type PageContext } from "./paging";
import {
  backendMetrics,
  objectReference,
  selfLinkOf,
  trafficMetrics,
  trafficMetricsList,
} from "./smi-objects";

/** A body to send, plus what the backend told us on the way (passed on as `Warning` headers). */
export interface SmiAnswer<Body = unknown> {
  readonly body: Body;
  readonly warnings: readonly string[];
  readonly roundTrips: number;
  /** Items of a list answer. */
  readonly items?: number;
}

/** Discovery answers need no metrics, and so no time range. */
export function discoveryAnswer(
  route: Extract<SmiRoute, { type: "group" | "resources" }>,
  sources: KindSources,
): SmiAnswer {
  const body =
    route.type === "group" ? apiGroup() : apiResourceList(route.version, servedKinds(sources, route.version));
  return { body, warnings: [], roundTrips: 0 };
}

type MetricsRoute = Exclude<SmiRoute, { type: "group" | "resources" }>;

/** What metrics answers need: the traffic readers, and the warm container's list cache. */
export interface SmiDeps extends TrafficDeps {
  readonly lists?: ListCache;
  /** Where split objects (and their weights) are read; absent: split kinds are not served. */
  readonly splits?: SplitSource | undefined;
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
): Promise<SmiAnswer<TrafficMetrics | TrafficMetricsList>> {
  if (isSplitKindName(route.kind)) {
    const list = await splitList(
      deps,
      route,
      range,
      stats,
      paging ?? { page: {}, identity: "", now: range.time },
    );
    return {
      body: list,
      warnings: [...stats.warnings],
      roundTrips: stats.roundTrips,
      items: list.items.length,
    };
  }
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

/** Where a split route's splits come from; a 404 that says why when this route cannot have any. */
function splitSourceFor(
  deps: SmiDeps,
  route: MetricsRoute,
): { source: NonNullable<SmiDeps["splits"]>; splitKind: SplitKindName } {
  const { version, kind } = route;
  if (route.type === "edges") {
    throw new NotFoundError(
      `${kind} have no edges: each item of ${kind}/${route.name} is already one backend's traffic`,
    );
  }
  if (version !== "v1alpha2") {
    throw new NotFoundError(
      `${kind} are served in v1alpha2 only: v1alpha1 TrafficMetrics have no backend field`,
    );
  }
  if (deps.splits === undefined || !isSplitKindName(kind))
    throw new NotFoundError(`${kind} are not served here`);
  return { source: deps.splits, splitKind: kind };
}

/**
 * The spec's `apex` is a Service name; one in another namespace than the split's (an HTTPRoute
 * whose parentRef names a namespace) is `name.namespace`, as DNS and TrafficSplit name it.
 */
const apexLabel = ({ apex, namespace }: Split) =>
  apex.namespace === namespace ? apex.name : `${apex.name}.${apex.namespace}`;

const idOf = (ref: ResourceRef) => `${ref.kind}/${ref.namespace ?? ""}/${ref.name}`;

/**
 * The backends of one split (a `resource` path: one TrafficSplit, or an HTTPRoute with its Service
 * parents), or of every split of the kind in a namespace or in all: one item per backend, whose
 * `resource` is the split. Splits have no edges: their items are already traffic to peers.
 */
async function splitList(
  deps: SmiDeps,
  route: MetricsRoute,
  range: TimeRange,
  stats: RequestStats,
  paging: PageContext,
): Promise<TrafficMetricsList> {
  const { version, kind } = route;
  const namespace = route.namespace;
  const name = route.type === "list" ? undefined : route.name;
  const { source, splitKind } = splitSourceFor(deps, route);
  const all = await wholeList(deps, paging, range.time, stats, async () => {
    const splits =
      name === undefined
        ? await source.list(splitKind, namespace)
        : await source.get(splitKind, namespace as string, name);
    const measured = await Promise.all(splits.map((split) => measureSplit(deps, split, range, stats)));
    await explainUnobservedBackends(deps, measured, range, stats);
    return measured.flatMap(({ split, backends }) => backends.map((b) => ({ split, ...b })));
  });
  const backendName = (b: (typeof all)[number]) => b.backend.subset ?? b.backend.name;
  const cut = cutPage(
    all,
    (b) => ({
      id: `${b.split.namespace}/${b.split.name}/${apexLabel(b.split)}/${backendName(b)}`,
      measurement: b.measurement,
    }),
    paging,
    range.time,
  );
  const base = `/apis/${API_GROUP}/${version}`;
  const items = cut.items.map((b) => {
    const ref: ResourceRef = { kind, namespace: b.split.namespace, name: b.split.name };
    const { weight } = b.backend;
    return backendMetrics({
      version,
      resource: ref,
      ...range,
      measurement: b.measurement,
      selfLink: selfLinkOf(version, ref),
      backend: { apex: apexLabel(b.split), name: backendName(b), weight, share: b.share, side: b.side },
    });
  });
  const list = trafficMetricsList({
    version,
    selfLink:
      name !== undefined
        ? selfLinkOf(version, { kind, namespace: namespace as string, name })
        : namespace === undefined
          ? `${base}/${kind}`
          : `${base}/namespaces/${namespace}/${kind}`,
    resource: {
      kind: KINDS[kind].kind,
      ...(namespace === undefined ? {} : { namespace }),
      ...(name === undefined ? {} : { name }),
    },
    items,
  });
  return { ...list, metadata: { ...list.metadata, ...pageMetadata(cut) } };
}
