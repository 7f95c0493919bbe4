/** The kinds that are splits: their items are backends, and their weights come from objects. */
const SPLIT_KIND_NAMES = ["trafficsplits", "httproutes"] as const satisfies readonly KindName[];
export type SplitKindName = (typeof SPLIT_KIND_NAMES)[number];
export const isSplitKindName = (kind: KindName): kind is SplitKindName =>
  (SPLIT_KIND_NAMES as readonly string[]).includes(kind);

/**
 * Every kind the SMI spec names that some mesh here can answer, with its singular Kind. Which of
 * them a deployment serves is the mesh adapter's decision; this table only spells them.
 */
export const KINDS = {
  namespaces: { kind: "Namespace", namespaced: false },
  deployments: { kind: "Deployment", namespaced: true },
  pods: { kind: "Pod", namespaced: true },
  statefulsets: { kind: "StatefulSet", namespaced: true },
  daemonsets: { kind: "DaemonSet", namespaced: true },
  jobs: { kind: "Job", namespaced: true },
  replicasets: { kind: "ReplicaSet", namespaced: true },
  services: { kind: "Service", namespaced: true },
  // Splits: numbers per backend of an SMI TrafficSplit or a Gateway API HTTPRoute whose parent is a
  // Service. Served where the split objects can be read (Kubernetes API, or Consul's splitters).
  trafficsplits: {
    kind: "TrafficSplit",
    namespaced: true,
    servedWhen:
      "A split's weights are configuration, not telemetry: trafficsplits are served when KUBERNETES_API_URL (and KUBERNETES_TOKEN or EKS_CLUSTER_NAME) lets this API read them, or with MESH=consul when CONSUL_HTTP_ADDR lets it read Consul's service-splitters; never with MESH=cilium, whose Hubble series cannot tell a split's backends apart",
  },
  httproutes: {
    kind: "HTTPRoute",
    namespaced: true,
    servedWhen:
      "A split's weights are configuration, not telemetry: httproutes are served when KUBERNETES_API_URL (and KUBERNETES_TOKEN or EKS_CLUSTER_NAME) lets this API read them (Consul has no HTTPRoutes of its own); never with MESH=cilium, whose Hubble series cannot tell a split's backends apart",
  },
} as const satisfies Record<string, { kind: string; namespaced: boolean; servedWhen?: string }>;

export type KindName = keyof typeof KINDS;

export const KIND_NAMES = Object.keys(KINDS) as KindName[];

export const API_GROUP = "metrics.smi-spec.io";
export const API_VERSIONS = ["v1alpha1", "v1alpha2"] as const;
export type ApiVersion = (typeof API_VERSIONS)[number];

/** A concrete object: a namespace has no namespace, everything else has one. */
export interface ResourceRef {
  readonly kind: KindName;
  readonly namespace?: string;
  readonly name: string;
}

function isKindName(value: string): value is KindName {
  return Object.hasOwn(KINDS, value);
}

/**
 * The one check of "does this deployment serve this kind", for paths, the gate and report specs
 * alike. The caller picks the error class (a path is a 404, a body field a 400); the wording is
 * this one.
 */
export function servedKind(
  text: string,
  served: readonly KindName[],
  error: (message: string) => Error,
  where = "kind",
): KindName {
  if (isKindName(text) && served.includes(text)) return text;
  const entry = isKindName(text) ? KINDS[text] : undefined;
  const reason = entry !== undefined && "servedWhen" in entry ? entry.servedWhen : undefined;
  throw error(
    `${where} "${text}" is not served; served kinds are ${served.join(", ")}${reason === undefined ? "" : `. ${reason}`}`,
  );
}

/** `metrics.smi-spec.io/v1alpha2`: an object's `apiVersion`. */
export const apiVersionOf = (version: ApiVersion) => `${API_GROUP}/${version}` as const;
