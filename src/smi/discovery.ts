import type { APIGroup, APIGroupList, APIResourceList, APIVersions, VersionInfo } from "./discovery-schemas";
import { API_GROUP, API_VERSIONS, type ApiVersion, apiVersionOf, KINDS, type KindName } from "./kinds";

/**
 * The version clients should use: the newest, which carries `edge.side`. Kubernetes lists the
 * preferred version first, and kubectl resolves `deployments.metrics.smi-spec.io` to it.
 */
export const PREFERRED_VERSION: ApiVersion = "v1alpha2";

const groupVersions = () =>
  [PREFERRED_VERSION, ...API_VERSIONS.filter((v) => v !== PREFERRED_VERSION)].map((version) => ({
    groupVersion: apiVersionOf(version),
    version,
  }));

const group = () => ({
  name: API_GROUP,
  versions: groupVersions(),
  preferredVersion: { groupVersion: apiVersionOf(PREFERRED_VERSION), version: PREFERRED_VERSION },
});

/**
 * `GET /version`. This is our own version, not a Kubernetes one: claiming a Kubernetes release
 * would be a lie kubectl acts on (it checks version skew against it). Fields Go fills from the
 * build and we cannot know are empty, as Go prints unknown fields.
 */
export function versionInfo(version: string, platform: string): VersionInfo {
  const [major = "0", minor = "0"] = version.split(".");
  return {
    major,
    minor,
    gitVersion: `v${version}`,
    gitCommit: "",
    gitTreeState: "",
    buildDate: "",
    goVersion: "",
    compiler: "",
    platform,
  };
}

/** `GET /api`: kubectl reads it before `/apis`; this server has no core group. */
export function apiVersions(): APIVersions {
  return { kind: "APIVersions", versions: [], serverAddressByClientCIDRs: [] };
}

/** `GET /apis`: our one group. */
export function apiGroupList(): APIGroupList {
  return { kind: "APIGroupList", apiVersion: "v1", groups: [group()] };
}

/** `GET /apis/metrics.smi-spec.io`. */
export function apiGroup(): APIGroup {
  return { kind: "APIGroup", apiVersion: "v1", ...group() };
}

/**
 * The Kind discovery gives a resource: `DeploymentTrafficMetrics` for `deployments`. Every answer
 * is a `TrafficMetrics` object, but kubectl maps a resource to its Kind and the Kind back to one
 * resource (its RESTMapper keeps one resource per Kind), so with one shared Kind every
 * `kubectl get <kind>.v1alpha2.metrics.smi-spec.io` would read the same, last-listed resource.
 * metrics.k8s.io does the same for the same reason (`PodMetrics`, `NodeMetrics`).
 */
export const discoveryKindOf = (kind: KindName) => `${KINDS[kind].kind}TrafficMetrics`;

/**
 * `GET /apis/metrics.smi-spec.io/{version}`: the kinds this deployment really serves.
 * `singularName` lets kubectl resolve `deployment.v1alpha2...` as well as the plural.
 */
export function apiResourceList(version: ApiVersion, kinds: readonly KindName[]): APIResourceList {
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: apiVersionOf(version),
    resources: [
      ...kinds.map((name) => ({
        name,
        singularName: KINDS[name].kind.toLowerCase(),
        namespaced: KINDS[name].namespaced,
        kind: discoveryKindOf(name),
        verbs: ["get", "list"] as ("get" | "list")[],
      })),
      OBJECT_KIND,
    ],
  };
}

/**
 * The Kind every answer carries. kubectl looks up each item of a list it prints as JSON or YAML
 * by its Kind, and refuses a Kind discovery does not name; no path serves it by this name, so it
 * has no verbs.
 */
const OBJECT_KIND = {
  name: "trafficmetrics",
  singularName: "trafficmetrics",
  namespaced: true,
  kind: "TrafficMetrics",
  verbs: [],
};
