import { eq, type Matcher, ne } from "../prometheus/promql";
import type { KindName } from "../smi/kinds";
import type { Labels, Observers, PeerName, SeriesFamily } from "./adapter";
import { type ClusterSetting, clusterPartition, partitioned, pinsOf } from "./partition";

/**
 * What every view of the Cilium adapter reads: Hubble's httpV2 families bound to the configured
 * cluster, the context labels that name each end of a request, and the workload kinds. A file of its
 * own so the adapter's table (`cilium.ts`) and its zero explanations (`cilium-zero.ts`) both read it
 * without importing each other.
 *
 * Facts from Cilium's source (`pkg/hubble/metrics/http/handler.go`, `pkg/hubble/metrics/api/context.go`):
 * httpV2 counts response flows only, inverts them so `source_*` is the client, and labels every
 * series with the operator's `labelsContext` labels, then `method`, `protocol`, `status` and
 * `reporter`; the histogram has the context labels, `method` and `reporter`, in seconds.
 */

export const REQUESTS = "hubble_http_requests_total";
const DURATION = "hubble_http_request_duration_seconds";
/** The deprecated v1 handler's response counter: its request counter shares httpV2's name, without `status`. */
export const V1_RESPONSES = "hubble_http_responses_total";
/** Hubble's L4 metrics: flows of every kind, destination ports, TCP flags (a SYN is a connection attempt). */
export const FLOWS = "hubble_flows_processed_total";
export const PORTS = "hubble_port_distribution_total";
export const TCP_FLAGS = "hubble_tcp_flags_total";

export interface CiliumSettings {
  readonly cluster?: ClusterSetting;
}

/**
 * One end of a request as `labelsContext` names it. Hubble's agent writes these itself; the scrape's
 * own `namespace` and `pod` are the cilium-agent's (kube-system), never a workload's, and are not read.
 */
export interface End {
  readonly namespace: string;
  readonly workload: string;
  readonly kind: string;
  readonly pod: string;
}
export const SOURCE: End = {
  namespace: "source_namespace",
  workload: "source_workload",
  kind: "source_workload_kind",
  pod: "source_pod",
};
export const DESTINATION: End = {
  namespace: "destination_namespace",
  workload: "destination_workload",
  kind: "destination_workload_kind",
  pod: "destination_pod",
};

/** The workload kinds a `*_workload_kind` value names, as Cilium spells them (`pkg/k8s/utils/workload.go`). */
const WORKLOAD_KINDS = ["deployments", "statefulsets", "daemonsets", "jobs", "replicasets"] as const;
export type CiliumWorkloadKind = (typeof WORKLOAD_KINDS)[number];
const KIND_VALUE: Readonly<Record<Exclude<CiliumWorkloadKind, "deployments">, string>> = {
  statefulsets: "StatefulSet",
  daemonsets: "DaemonSet",
  jobs: "Job",
  replicasets: "ReplicaSet",
};
/** A kind Cilium writes that no SMI kind lists: its workloads are in no list. */
const UNLISTED_KIND_VALUES = ["CronJob"];

/**
 * The matchers that pick workloads of `kind` at one end. `deployments` is everything no other kind
 * claims: a Deployment, a workload with no kind label (Cilium before 1.15, or a `labelsContext`
 * without `*_workload_kind`: then every workload is one), or a kind SMI has no name for
 * (DeploymentConfig, a CRD's). Exact matchers, so zero answers and other-kind hints read them too.
 */
export function kindMatchers(label: string, kind: CiliumWorkloadKind): Matcher[] {
  if (kind === "deployments")
    return [...Object.values(KIND_VALUE), ...UNLISTED_KIND_VALUES].map((value) => ne(label, value));
  return [eq(label, KIND_VALUE[kind])];
}

/** A workload peer at one end, of whichever kind its kind label says: one entry per kind. */
export const workloadPeers = (end: End): PeerName[] =>
  [...WORKLOAD_KINDS.slice(1), WORKLOAD_KINDS[0]].map((kind) => ({
    label: end.workload,
    kind: kind satisfies KindName,
    when: kindMatchers(end.kind, kind),
  }));

/**
 * Which reporter's series count, per pair of endpoints: the server's when that pair has any (an
 * ingress L7 policy shows it every request it answered), else the client's (an egress L7 policy).
 * Where L7 policy applies on both sides each request is counted twice, once per reporter; this
 * keeps one. `unknown` (no traffic direction) is never read.
 */
const REPORTED_BY: Observers["order"] = [
  { value: "server", side: "server" },
  { value: "client", side: "client" },
];

/**
 * httpV2's failure rule: a 5xx, or status `0` (no response; httpV2 counts only response flows, so
 * a stream reset before any response header is not counted at all, and Envoy's own 503s and 504s
 * are 5xx). No gRPC status label exists: a gRPC error in an HTTP 200 is a success.
 */
function isFailure(labels: Labels): boolean {
  const status = labels.status ?? "";
  return status === "0" || status.startsWith("5");
}

export interface CiliumReadings {
  readonly pins: readonly Matcher[];
  /** The request families, with the side-picking matchers given and one reporter per `pair`. */
  readonly requests: (matchers: readonly Matcher[], pair: readonly string[]) => SeriesFamily;
}

export function ciliumReadings(settings: CiliumSettings): CiliumReadings {
  const partitions = [clusterPartition(settings.cluster ?? { label: "cluster" })];
  return {
    pins: pinsOf(partitions),
    requests: (matchers, pair) =>
      partitioned(
        {
          counter: REQUESTS,
          // httpV2 always writes `status`; the v1 handler's counter of the same name never does.
          counterMatchers: [ne("status", "")],
          latencyHistogram: DURATION,
          latencyUnitMs: 1000,
          matchers: [...matchers],
          outcomeLabels: ["status"],
          isFailure,
          side: "server",
          observers: { label: "reporter", order: REPORTED_BY, pair },
        },
        partitions,
      ),
  };
}
