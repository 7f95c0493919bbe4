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
} as const;

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

export function isKindName(value: string): value is KindName {
  return Object.hasOwn(KINDS, value);
}
