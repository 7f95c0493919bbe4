/**
 * Bodies the Kubernetes API server answers with, for the Kubernetes API double
 * (`kubernetes-double.ts`): discovery objects, `Status` errors worded as the API server words
 * them, and the demo's canary objects. A double's parts, not Kubernetes.
 */

export const SPLIT_GROUP = "split.smi-spec.io";
export const GATEWAY_GROUP = "gateway.networking.k8s.io";

export type SplitResource = "trafficsplits" | "httproutes";

/** A stored custom resource, as `kubectl apply` would send it. */
export interface KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

export const RESOURCES: Record<
  SplitResource,
  { group: string; kind: string; singular: string; shortNames: string[] }
> = {
  trafficsplits: { group: SPLIT_GROUP, kind: "TrafficSplit", singular: "trafficsplit", shortNames: ["ts"] },
  httproutes: { group: GATEWAY_GROUP, kind: "HTTPRoute", singular: "httproute", shortNames: [] },
};

export function apiGroup(name: string, versions: readonly string[]) {
  const forDiscovery = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return {
    kind: "APIGroup",
    apiVersion: "v1",
    name,
    versions: forDiscovery,
    preferredVersion: forDiscovery[0],
  };
}

export function resourceList(groupVersion: string, resources: readonly SplitResource[]) {
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion,
    resources: resources.map((name) => ({
      name,
      singularName: RESOURCES[name].singular,
      namespaced: true,
      kind: RESOURCES[name].kind,
      verbs: ["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"],
      ...(RESOURCES[name].shortNames.length > 0 ? { shortNames: RESOURCES[name].shortNames } : {}),
      storageVersionHash: "",
    })),
  };
}

/**
 * Kubernetes' version priority: GA before beta before alpha, then the higher major, then the
 * higher minor (`v1` > `v1beta2` > `v1beta1` > `v1alpha4`). Discovery lists versions in this order.
 */
export function byVersionPriority(a: string, b: string): number {
  const rank = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (m === null) return [-1, 0, 0];
    const stability = m[2] === undefined ? 2 : m[2] === "beta" ? 1 : 0;
    return [stability, Number(m[1]), Number(m[3] ?? 0)];
  };
  const [x, y] = [rank(a), rank(b)];
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (y[i] ?? 0) - (x[i] ?? 0);
  return a.localeCompare(b);
}

/**
 * Discovery of the core group, so kubectl's discovery completes. Only a get of a namespace is
 * served (kubectl asks after a 404, to say whether the namespace exists): a namespace exists when
 * some stored object is in it.
 */
export const CORE_RESOURCES = {
  kind: "APIResourceList",
  groupVersion: "v1",
  resources: [
    {
      name: "namespaces",
      singularName: "namespace",
      namespaced: false,
      kind: "Namespace",
      verbs: ["get", "list"],
    },
    { name: "services", singularName: "service", namespaced: true, kind: "Service", verbs: ["get", "list"] },
  ],
};

export function statusBody(code: number, reason: string, message: string, details?: Record<string, string>) {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    ...(details === undefined ? {} : { details }),
    code,
  };
}

export const NOT_FOUND_PATH = statusBody(
  404,
  "NotFound",
  "the server could not find the requested resource",
  {},
);

export function notFoundObject(resource: SplitResource, name: string) {
  const group = RESOURCES[resource].group;
  return statusBody(404, "NotFound", `${resource}.${group} "${name}" not found`, {
    name,
    group,
    kind: resource,
  });
}

/** RBAC's refusal, naming user, verb, resource and scope exactly as the API server does. */
export function forbiddenBody(args: {
  user: string;
  verb: string;
  resource: SplitResource;
  namespace: string | undefined;
  name: string | undefined;
}) {
  const group = RESOURCES[args.resource].group;
  const object =
    args.name === undefined ? `${args.resource}.${group}` : `${args.resource}.${group} "${args.name}"`;
  const scope =
    args.namespace === undefined ? "at the cluster scope" : `in the namespace "${args.namespace}"`;
  const message = `${object} is forbidden: User "${args.user}" cannot ${args.verb} resource "${args.resource}" in API group "${group}" ${scope}`;
  return statusBody(403, "Forbidden", message, {
    ...(args.name === undefined ? {} : { name: args.name }),
    group,
    kind: args.resource,
  });
}

export function namespaceObject(name: string) {
  return {
    kind: "Namespace",
    apiVersion: "v1",
    metadata: { name },
    spec: { finalizers: ["kubernetes"] },
    status: { phase: "Active" },
  };
}

/** The demo's canary: an apex Service split 90/10 (or as given) between primary and canary. */
export function canaryObjects(args: {
  readonly namespace: string;
  readonly apex: string;
  readonly primary: string;
  readonly canary: string;
  readonly weights?: readonly [number, number];
  readonly port?: number;
  readonly trafficSplitVersion?: string;
}): { trafficSplit: KubernetesObject; httpRoute: KubernetesObject } {
  const [primaryWeight, canaryWeight] = args.weights ?? [90, 10];
  const port = args.port ?? 8080;
  return {
    trafficSplit: {
      apiVersion: `${SPLIT_GROUP}/${args.trafficSplitVersion ?? "v1alpha4"}`,
      kind: "TrafficSplit",
      metadata: { name: args.apex, namespace: args.namespace },
      spec: {
        service: args.apex,
        backends: [
          { service: args.primary, weight: primaryWeight },
          { service: args.canary, weight: canaryWeight },
        ],
      },
    },
    httpRoute: {
      apiVersion: `${GATEWAY_GROUP}/v1`,
      kind: "HTTPRoute",
      metadata: { name: args.apex, namespace: args.namespace },
      spec: {
        parentRefs: [{ group: "", kind: "Service", name: args.apex, port }],
        rules: [
          {
            matches: [{ path: { type: "PathPrefix", value: "/" } }],
            backendRefs: [
              { group: "", kind: "Service", name: args.primary, port, weight: primaryWeight },
              { group: "", kind: "Service", name: args.canary, port, weight: canaryWeight },
            ],
          },
        ],
      },
    },
  };
}
