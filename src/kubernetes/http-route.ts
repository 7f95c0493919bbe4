import * as z from "zod";
import { listSchema, ObjectMetaSchema } from "./meta";
import type { Split, SplitBackend } from "./split";

/**
 * Gateway API `HTTPRoute` (`gateway.networking.k8s.io/v1`), the parts a split needs. Defaults are
 * the CRD's (`+kubebuilder:default`), which the API server fills in but fixtures may leave out:
 * a parentRef's group is `gateway.networking.k8s.io` and its kind `Gateway`; a backendRef's group
 * is "" (core) and its kind `Service`; a backendRef's weight is 1; a rule without matches matches
 * every request (`PathPrefix /`).
 */
export const GATEWAY_GROUP = "gateway.networking.k8s.io";
export const HTTP_ROUTE_VERSION = "v1";

const ParentRefSchema = z.looseObject({
  group: z.string().optional(),
  kind: z.string().optional(),
  namespace: z.string().min(1).optional(),
  name: z.string().min(1),
  sectionName: z.string().min(1).optional(),
  port: z.number().int().min(1).max(65535).optional(),
});

const BackendRefSchema = z.looseObject({
  group: z.string().optional(),
  kind: z.string().optional(),
  namespace: z.string().min(1).optional(),
  name: z.string().min(1),
  port: z.number().int().min(1).max(65535).optional(),
  weight: z.number().int().min(0).max(1_000_000).optional(),
});

const MatchSchema = z.looseObject({
  path: z.looseObject({ type: z.string().optional(), value: z.string().optional() }).optional(),
  headers: z.array(z.unknown()).optional(),
  queryParams: z.array(z.unknown()).optional(),
  method: z.string().optional(),
});

const RuleSchema = z.looseObject({
  name: z.string().optional(),
  matches: z.array(MatchSchema).optional(),
  backendRefs: z.array(BackendRefSchema).optional(),
});

export const HTTPRouteSchema = z.looseObject({
  apiVersion: z.literal(`${GATEWAY_GROUP}/${HTTP_ROUTE_VERSION}`),
  kind: z.literal("HTTPRoute"),
  metadata: ObjectMetaSchema,
  spec: z.looseObject({
    parentRefs: z.array(ParentRefSchema).optional(),
    rules: z.array(RuleSchema).optional(),
  }),
});
export type HTTPRoute = z.infer<typeof HTTPRouteSchema>;
type Rule = z.infer<typeof RuleSchema>;

export const HTTPRouteListSchema = listSchema("HTTPRouteList", HTTPRouteSchema);

const isCoreGroup = (group: string) => group === "" || group.toLowerCase() === "core";

/** A Service parent: GAMMA's mesh attachment. Group must be set to "" (or "core", as Linkerd accepts). */
const isServiceParent = (ref: z.infer<typeof ParentRefSchema>) =>
  isCoreGroup(ref.group ?? GATEWAY_GROUP) && (ref.kind ?? "Gateway") === "Service";

const isServiceBackend = (ref: z.infer<typeof BackendRefSchema>) =>
  isCoreGroup(ref.group ?? "") && (ref.kind ?? "Service") === "Service";

/** Matches every request: no matches, or one with no conditions beyond the default `PathPrefix /`. */
const isCatchAll = (rule: Rule) =>
  (rule.matches ?? []).length === 0 ||
  (rule.matches ?? []).some(
    (m) =>
      (m.path?.type ?? "PathPrefix") === "PathPrefix" &&
      (m.path?.value ?? "/") === "/" &&
      (m.headers ?? []).length === 0 &&
      (m.queryParams ?? []).length === 0 &&
      m.method === undefined,
  );

/**
 * The splits an HTTPRoute declares: one per Service parentRef (the apex; its namespace is the
 * parentRef's, defaulting to the route's), none when no parent is a Service. Only backendRefs of
 * kind Service count; a backendRef's namespace defaults to the route's.
 *
 * Backends are merged per Service across rules, one entry each, because that is what the meshes
 * can measure: Linkerd labels its backend series by route and backend Service, not by rule, and
 * Istio and Consul by destination service only. A canary user asks "how is the canary Service
 * doing", and one item per Service answers it.
 *
 * A rule's weights are shares within that rule only, so with several rules there is no single
 * weight per backend. The weights reported are those of one rule: the first rule that matches
 * every request (Gateway API gives it the lowest precedence and the first such rule wins, so it
 * carries all traffic no other rule claims). That is the split a canary controller shifts: Flagger
 * puts its weighted primary/canary pair there and its header or cookie overrides in rules before
 * it. Without such a rule, the route's first rule with backends is used. A backend that rule does
 * not name has weight 0, though it still gets the requests its own rules match. Either way
 * `weightNote` says which rule the weights come from.
 */
export function httpRouteToSplits(route: HTTPRoute): Split[] {
  const { namespace, name } = route.metadata;
  const { backends, weightNote } = weightedBackends(route);
  const seen = new Set<string>();
  const splits: Split[] = [];
  for (const parent of route.spec.parentRefs ?? []) {
    if (!isServiceParent(parent)) continue;
    const apex = {
      namespace: parent.namespace ?? namespace,
      name: parent.name,
      ...(parent.port === undefined ? {} : { port: parent.port }),
      ...(parent.sectionName === undefined ? {} : { portName: parent.sectionName }),
    };
    const key = JSON.stringify(apex);
    if (seen.has(key)) continue;
    seen.add(key);
    splits.push({
      kind: "httproutes",
      namespace,
      name,
      source: route.apiVersion,
      apex,
      backends,
      ...(weightNote === undefined ? {} : { weightNote }),
    });
  }
  return splits;
}

/** Every Service backend of the route once, weighted by the chosen rule (see `httpRouteToSplits`). */
function weightedBackends(route: HTTPRoute): { backends: SplitBackend[]; weightNote: string | undefined } {
  const { namespace, name } = route.metadata;
  const weighted = (route.spec.rules ?? [])
    .map((rule, index) => ({ rule, index, refs: (rule.backendRefs ?? []).filter(isServiceBackend) }))
    .filter((r) => r.refs.length > 0);
  const chosen = weighted.find((r) => isCatchAll(r.rule)) ?? weighted[0];

  const keyOf = (ref: { namespace?: string | undefined; name: string }) =>
    `${ref.namespace ?? namespace}/${ref.name}`;
  const backends = new Map<string, { namespace: string; name: string; weight: number }>();
  for (const ref of weighted.flatMap((r) => r.refs)) {
    if (!backends.has(keyOf(ref))) {
      backends.set(keyOf(ref), { namespace: ref.namespace ?? namespace, name: ref.name, weight: 0 });
    }
  }
  for (const ref of chosen?.refs ?? []) {
    const backend = backends.get(keyOf(ref));
    if (backend !== undefined) backend.weight += ref.weight ?? 1;
  }
  const weightNote =
    weighted.length > 1 && chosen !== undefined
      ? noteFor(`${namespace}/${name}`, weighted.length, chosen.index, chosen.rule)
      : undefined;
  return { backends: [...backends.values()], weightNote };
}

function noteFor(route: string, weightedRules: number, index: number, rule: Rule): string {
  const which = `rule ${index + 1}${rule.name === undefined ? "" : ` (${JSON.stringify(rule.name)})`}`;
  const why = isCatchAll(rule)
    ? "the rule that takes every request no other rule matches"
    : "its first rule with backends, as no rule matches every request";
  return `HTTPRoute ${route} has ${weightedRules} rules with backends; weights are those of ${which}, ${why}; a backend that rule does not name has weight 0 but is measured for all its requests`;
}
