/**
 * Label names that Prometheus' relabeling gives the proxies' series, with the variable that renames
 * each and its default (Linkerd's relabeling names): the one table of label defaults. Config reads
 * the variables from it; adapters name the variable in diagnoses ("check LABEL_DEPLOYMENT").
 */
export const LABEL_SETTINGS = {
  namespace: ["LABEL_NAMESPACE", "namespace"],
  pod: ["LABEL_POD", "pod"],
  deployment: ["LABEL_DEPLOYMENT", "deployment"],
  statefulset: ["LABEL_STATEFULSET", "statefulset"],
  daemonset: ["LABEL_DAEMONSET", "daemonset"],
  replicaset: ["LABEL_REPLICASET", "replicaset"],
  job: ["LABEL_JOB", "k8s_job"],
} as const;
export type LabelKey = keyof typeof LABEL_SETTINGS;

/** The relabeled label names a deployment uses, by key. */
export type RelabeledLabels = { readonly [K in LabelKey]: string };

/** Every label at its default name. */
export const DEFAULT_LABELS = Object.fromEntries(
  Object.entries(LABEL_SETTINGS).map(([key, [, fallback]]) => [key, fallback]),
) as RelabeledLabels;
