/**
 * Kubernetes discovery documents, as kubectl reads them (legacy, non-aggregated discovery): the
 * field names and which fields are required follow `k8s.io/apimachinery/pkg/apis/meta/v1` and
 * `k8s.io/apimachinery/pkg/version`.
 */
import * as z from "zod";

/** `GET /version`: `version.Info`. Go fields without `omitempty` are always present. */
export const VersionInfoSchema = z
  .strictObject({
    major: z.string(),
    minor: z.string(),
    gitVersion: z.string(),
    gitCommit: z.string(),
    gitTreeState: z.string(),
    buildDate: z.string(),
    goVersion: z.string(),
    compiler: z.string(),
    platform: z.string(),
  })
  .meta({ description: "This server's own version (not a Kubernetes version)" });
export type VersionInfo = z.infer<typeof VersionInfoSchema>;

/** `GET /api`: the legacy core group's versions; this server serves none. */
export const APIVersionsSchema = z
  .strictObject({
    kind: z.literal("APIVersions"),
    versions: z.array(z.string()),
    serverAddressByClientCIDRs: z.array(
      z.strictObject({ clientCIDR: z.string(), serverAddress: z.string() }),
    ),
  })
  .meta({ description: "The core (legacy) API group's versions: none here" });
export type APIVersions = z.infer<typeof APIVersionsSchema>;

const GroupVersionForDiscoverySchema = z.strictObject({
  groupVersion: z.string().meta({ example: "metrics.smi-spec.io/v1alpha2" }),
  version: z.string().meta({ example: "v1alpha2" }),
});

const groupFields = {
  name: z.string(),
  versions: z.array(GroupVersionForDiscoverySchema).meta({ description: "preferred first" }),
  preferredVersion: GroupVersionForDiscoverySchema,
};

/** `GET /apis/{group}`. */
export const APIGroupSchema = z
  .strictObject({ kind: z.literal("APIGroup"), apiVersion: z.literal("v1"), ...groupFields })
  .meta({ description: "One API group and its versions" });
export type APIGroup = z.infer<typeof APIGroupSchema>;

/** `GET /apis`: groups inside the list carry no kind or apiVersion, as in Kubernetes. */
export const APIGroupListSchema = z
  .strictObject({
    kind: z.literal("APIGroupList"),
    apiVersion: z.literal("v1"),
    groups: z.array(z.strictObject(groupFields)),
  })
  .meta({ description: "Every API group this server serves" });
export type APIGroupList = z.infer<typeof APIGroupListSchema>;

const APIResourceSchema = z.strictObject({
  name: z.string().meta({ description: "plural resource name, as in the path", example: "deployments" }),
  singularName: z.string().meta({ example: "deployment" }),
  namespaced: z.boolean(),
  kind: z.string().meta({
    description:
      "DeploymentTrafficMetrics for deployments, and so on: one Kind per resource, as kubectl needs; every answer is a TrafficMetrics",
    example: "DeploymentTrafficMetrics",
  }),
  verbs: z
    .array(z.enum(["get", "list"]))
    .meta({ description: "empty for TrafficMetrics, which no path serves by that name" }),
});

/** `GET /apis/{group}/{version}`. */
export const APIResourceListSchema = z
  .strictObject({
    kind: z.literal("APIResourceList"),
    apiVersion: z.literal("v1"),
    groupVersion: z.string(),
    resources: z.array(APIResourceSchema),
  })
  .meta({ description: "The kinds the configured mesh serves, each answered as TrafficMetrics" });
export type APIResourceList = z.infer<typeof APIResourceListSchema>;
