import { eq } from "../prometheus/promql";
import type { KindName } from "../smi/kinds";
import type { EdgeView, IdentityLabels, MeshAdapter, ResourceView, SeriesFamily } from "./adapter";

/**
 * Label names that Prometheus' relabeling gives Linkerd's proxy series. Operators rename these;
 * the `dst_*` labels are written by the proxy itself and keep their names.
 */
export interface LinkerdLabels {
  readonly namespace: string;
  readonly pod: string;
  readonly deployment: string;
  readonly statefulset: string;
  readonly daemonset: string;
  readonly replicaset: string;
  readonly job: string;
}

export const LINKERD_DEFAULT_LABELS: LinkerdLabels = {
  namespace: "namespace",
  pod: "pod",
  deployment: "deployment",
  statefulset: "statefulset",
  daemonset: "daemonset",
  replicaset: "replicaset",
  job: "k8s_job",
};

const KINDS = [
  "namespaces",
  "deployments",
  "pods",
  "statefulsets",
  "daemonsets",
  "jobs",
  "replicasets",
  "services",
] as const satisfies readonly KindName[];

type WorkloadKind = Exclude<(typeof KINDS)[number], "namespaces" | "services">;
const WORKLOAD_LABEL: Record<WorkloadKind, { own: keyof LinkerdLabels; dst: string }> = {
  deployments: { own: "deployment", dst: "dst_deployment" },
  pods: { own: "pod", dst: "dst_pod" },
  statefulsets: { own: "statefulset", dst: "dst_statefulset" },
  daemonsets: { own: "daemonset", dst: "dst_daemonset" },
  jobs: { own: "job", dst: "dst_k8s_job" },
  replicasets: { own: "replicaset", dst: "dst_replicaset" },
};

/**
 * Linkerd 2.x proxy metrics. `response_total` carries the proxy's own `classification` (5xx and
 * proxy errors are failures, a 4xx is a success); the latency histogram has no classification and
 * covers every response. Exact metric names keep the `route_*` and `control_*` families out.
 */
export function createLinkerdAdapter(labels: LinkerdLabels = LINKERD_DEFAULT_LABELS): MeshAdapter {
  const family = (direction: "inbound" | "outbound"): SeriesFamily => ({
    counter: "response_total",
    latencyBucket: "response_latency_ms_bucket",
    latencyUnitMs: 1,
    matchers: [eq("direction", direction)],
    outcomeLabels: ["classification"],
    isFailure: (l) => l.classification === "failure",
    side: direction === "inbound" ? "server" : "client",
  });
  const inbound = family("inbound");
  const outbound = family("outbound");
  const own = (kind: WorkloadKind): IdentityLabels => ({
    namespace: labels.namespace,
    name: labels[WORKLOAD_LABEL[kind].own],
  });
  const dst = (kind: WorkloadKind): IdentityLabels => ({
    namespace: "dst_namespace",
    name: WORKLOAD_LABEL[kind].dst,
  });

  return {
    name: "linkerd",
    kinds: KINDS,
    resourceView(kind): ResourceView {
      if (kind === "namespaces") return { family: inbound, self: { name: labels.namespace } };
      // Only outbound series name a service, so service numbers are what meshed clients saw.
      if (kind === "services")
        return { family: outbound, self: { namespace: "dst_namespace", name: "dst_service" } };
      return { family: inbound, self: own(kind as WorkloadKind) };
    },
    edgeViews(kind): readonly EdgeView[] {
      // Inbound series know the client only by its mTLS identity, so every edge is read at the client.
      if (kind === "namespaces") {
        const ns = { name: labels.namespace };
        const dstNs = { name: "dst_namespace" };
        return [
          { direction: "to", family: outbound, self: ns, peer: dstNs },
          { direction: "from", family: outbound, self: dstNs, peer: ns },
        ];
      }
      if (kind === "services") return [];
      const workload = kind as WorkloadKind;
      return [
        { direction: "to", family: outbound, self: own(workload), peer: dst(workload) },
        { direction: "from", family: outbound, self: dst(workload), peer: own(workload) },
      ];
    },
  };
}
