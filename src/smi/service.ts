import { NotFoundError } from "../errors";
import { type MeasuredObject, measure } from "../measure";
import type { IdentityLabels, MeshAdapter } from "../mesh/adapter";
import type { InstantVector, QueryEngine } from "../prometheus/client";
import { eq, type Matcher } from "../prometheus/promql";
import { API_VERSIONS, type ApiVersion, KINDS, type KindName, type ResourceRef } from "./kinds";
import {
  apiGroup,
  apiResourceList,
  NO_TRAFFIC,
  objectReference,
  selfLinkOf,
  type TrafficMetrics,
  trafficMetrics,
  trafficMetricsList,
} from "./objects";
import type { TimeRange } from "./query-params";
import type { SmiRoute } from "./route";

export interface SmiServiceDeps {
  readonly engine: QueryEngine;
  readonly mesh: MeshAdapter;
}

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

/**
 * Answers an SMI metrics route. All queries of one request are issued together; a failure of any
 * of them fails the whole answer, so a caller never gets partial numbers.
 */
export async function answerMetrics(
  deps: SmiServiceDeps,
  route: Exclude<SmiRoute, { type: "group" | "resources" }>,
  range: TimeRange,
): Promise<SmiAnswer> {
  const warnings = new Set<string>();
  let roundTrips = 0;
  const observe = (result: InstantVector) => {
    roundTrips += 1;
    for (const w of result.warnings) warnings.add(w);
  };
  const body = await (route.type === "edges"
    ? edges(deps, route, range, observe)
    : route.type === "list"
      ? list(deps, route, range, observe)
      : resource(deps, route, range, observe));
  return { body, warnings: [...warnings], roundTrips };
}

type Observe = (result: InstantVector) => void;

function identityMatchers(labels: IdentityLabels, ref: { namespace?: string; name: string }): Matcher[] {
  const matchers = [eq(labels.name, ref.name)];
  if (labels.namespace !== undefined && ref.namespace !== undefined)
    matchers.push(eq(labels.namespace, ref.namespace));
  return matchers;
}

function refOf(kind: KindName, key: { namespace?: string; name: string }): ResourceRef {
  return KINDS[kind].namespaced && key.namespace !== undefined
    ? { kind, namespace: key.namespace, name: key.name }
    : { kind, name: key.name };
}

async function resource(
  { engine, mesh }: SmiServiceDeps,
  route: Extract<SmiRoute, { type: "resource" }>,
  range: TimeRange,
  observe: Observe,
): Promise<TrafficMetrics> {
  const view = mesh.resourceView(route.kind);
  const ref = refOf(route.kind, route);
  const measured = await measure(
    engine,
    { family: view.family, scope: identityMatchers(view.self, ref), groupBy: view.self, ...range },
    observe,
  );
  return trafficMetrics({
    version: route.version,
    resource: ref,
    edge: undefined,
    ...range,
    measurement: measured[0]?.measurement ?? NO_TRAFFIC,
    selfLink: selfLinkOf(route.version, ref),
  });
}

async function list(
  { engine, mesh }: SmiServiceDeps,
  route: Extract<SmiRoute, { type: "list" }>,
  range: TimeRange,
  observe: Observe,
) {
  const view = mesh.resourceView(route.kind);
  const scope =
    route.namespace !== undefined && view.self.namespace !== undefined
      ? [eq(view.self.namespace, route.namespace)]
      : [];
  const [measured, known] = await Promise.all([
    measure(engine, { family: view.family, scope, groupBy: view.self, ...range }, observe),
    mesh.knownResources?.(route.kind, route.namespace) ?? Promise.resolve([]),
  ]);
  const byId = new Map<string, { ref: ResourceRef; measured: MeasuredObject | undefined }>();
  for (const ref of known) byId.set(idOf(ref), { ref, measured: undefined });
  for (const m of measured) {
    const ref = refOf(route.kind, m.key);
    if (route.namespace !== undefined && ref.namespace !== route.namespace) continue;
    byId.set(idOf(ref), { ref, measured: m });
  }
  const items = [...byId.values()]
    .sort((a, b) => idOf(a.ref).localeCompare(idOf(b.ref)))
    .map(({ ref, measured: m }) =>
      trafficMetrics({
        version: route.version,
        resource: ref,
        edge: undefined,
        ...range,
        measurement: m?.measurement ?? NO_TRAFFIC,
        selfLink: selfLinkOf(route.version, ref),
      }),
    );
  const base = `/apis/metrics.smi-spec.io/${route.version}`;
  return trafficMetricsList({
    version: route.version,
    selfLink:
      route.namespace === undefined
        ? `${base}/${route.kind}`
        : `${base}/namespaces/${route.namespace}/${route.kind}`,
    resource:
      route.namespace === undefined
        ? { kind: KINDS[route.kind].kind }
        : { kind: KINDS[route.kind].kind, namespace: route.namespace },
    items,
  });
}

async function edges(
  { engine, mesh }: SmiServiceDeps,
  route: Extract<SmiRoute, { type: "edges" }>,
  range: TimeRange,
  observe: Observe,
) {
  const views = mesh.edgeViews(route.kind);
  if (views.length === 0) {
    throw new NotFoundError(
      `edges of ${route.kind} are not served with mesh ${mesh.name}: its series do not name the peers of a ${KINDS[route.kind].kind}`,
    );
  }
  const ref = refOf(route.kind, route);
  const perView = await Promise.all(
    views.map((view) =>
      measure(
        engine,
        { family: view.family, scope: identityMatchers(view.self, ref), groupBy: view.peer, ...range },
        observe,
      ),
    ),
  );
  const unplaced = new Set<string>();
  for (const [i, view] of views.entries()) {
    if (view.peer.namespace === undefined && KINDS[route.kind].namespaced) {
      for (const m of perView[i] ?? []) unplaced.add(m.key.name);
    }
  }
  const query = async (promql: string) => {
    const result = await engine.instantQuery(promql, range.time);
    observe(result);
    return result;
  };
  const placed =
    unplaced.size > 0 && mesh.placeNamespaces
      ? await mesh.placeNamespaces(route.kind, [...unplaced], query)
      : new Map<string, string>();

  const version: ApiVersion = route.version;
  const selfLink = selfLinkOf(version, ref, "/edges");
  const items = views.flatMap((view, i) =>
    (perView[i] ?? [])
      .map((m) => {
        const namespace = m.key.namespace ?? placed.get(m.key.name);
        return {
          m,
          peer: refOf(
            route.kind,
            namespace === undefined ? { name: m.key.name } : { namespace, name: m.key.name },
          ),
        };
      })
      .sort((a, b) => idOf(a.peer).localeCompare(idOf(b.peer)))
      .map(({ m, peer }) =>
        trafficMetrics({
          version,
          resource: ref,
          edge: { direction: view.direction, peer, side: view.family.side },
          ...range,
          measurement: m.measurement,
          selfLink,
        }),
      ),
  );
  return trafficMetricsList({ version, selfLink, resource: objectReference(ref), items });
}

function idOf(ref: ResourceRef): string {
  return `${ref.namespace ?? ""}/${ref.name}`;
}
