import type { Measurement } from "./measurement";
import type { MeshAdapter } from "./mesh/adapter";
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

/**
 * Answers an SMI metrics route. All queries of one request are issued together; a failure of any
 * of them fails the whole answer, so a caller never gets partial numbers.
 */
export async function answerMetrics(
  deps: TrafficDeps,
  route: MetricsRoute,
  range: TimeRange,
  stats: RequestStats = new RequestStats(),
): Promise<SmiAnswer> {
  const body = await (route.type === "list"
    ? kindList(deps, route, range, stats)
    : objectAnswer(deps, route, range, stats));
  return { body, warnings: [...stats.warnings], roundTrips: stats.roundTrips };
}

/** A `TrafficMetricsList` of every resource of a kind. */
async function kindList(
  deps: TrafficDeps,
  route: Extract<SmiRoute, { type: "list" }>,
  range: TimeRange,
  stats: RequestStats,
): Promise<TrafficMetricsList> {
  const measured = await measureKind(deps, route.kind, route.namespace, range, stats);
  return kindListOf(route, measured, range);
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

async function objectAnswer(
  deps: TrafficDeps,
  route: Extract<SmiRoute, { type: "resource" | "edges" }>,
  range: TimeRange,
  stats: RequestStats,
) {
  const { version } = route;
  const ref = refOf(route.kind, route);
  if (route.type === "resource") {
    return resourceItem(version, range, ref, await measureResource(deps, ref, range, stats));
  }
  const edges = await measureEdges(deps, ref, range, stats);
  const selfLink = selfLinkOf(version, ref, "/edges");
  return trafficMetricsList({
    version,
    selfLink,
    resource: objectReference(ref),
    items: edges.map(({ measurement, ...edge }) =>
      trafficMetrics({ version, resource: ref, edge, ...range, measurement, selfLink }),
    ),
  });
}
