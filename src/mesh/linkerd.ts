import type { Split } from "../kubernetes/split";
import { eq } from "../prometheus/promql";
import type { KindName } from "../smi/kinds";
import type {
  EdgeView,
  IdentityLabels,
  MeshAdapter,
  PeerLabels,
  ResourceView,
  SeriesFamily,
  SplitPlan,
} from "./adapter";
import { DEFAULT_LABELS, LABEL_SETTINGS, type LabelKey, type RelabeledLabels } from "./label-settings";
import { type ClusterSetting, clusterPartition, partitioned } from "./partition";
import { relabeledIdentity } from "./relabeled-identity";

/** The setting that renames each relabeled label, for diagnoses that name it. */
const setting = (key: LabelKey) => LABEL_SETTINGS[key][0];

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
const WORKLOAD_LABEL: Record<WorkloadKind, { own: keyof RelabeledLabels; dst: string }> = {
  deployments: { own: "deployment", dst: "dst_deployment" },
  pods: { own: "pod", dst: "dst_pod" },
  statefulsets: { own: "statefulset", dst: "dst_statefulset" },
  daemonsets: { own: "daemonset", dst: "dst_daemonset" },
  jobs: { own: "job", dst: "dst_k8s_job" },
  replicasets: { own: "replicaset", dst: "dst_replicaset" },
};

/**
 * Owner kinds a workload's peer can have, in the order a series' labels are read. Linkerd's
 * destination controller names an endpoint's single owner (a Deployment's pod carries
 * `dst_deployment`, not `dst_replicaset`; a bare ReplicaSet's pod carries `dst_replicaset`), and
 * its proxy injector labels a pod the same way, so a series normally has one of them; should a
 * relabeling add another, the most specific owner comes first.
 */
const PEER_KINDS = ["deployments", "statefulsets", "daemonsets", "jobs", "replicasets"] as const;

export interface LinkerdSettings {
  readonly labels?: RelabeledLabels;
  readonly cluster?: ClusterSetting;
}

/**
 * Linkerd 2.x proxy metrics. `response_total` carries the proxy's own `classification` (by default
 * 5xx, proxy errors and gRPC 2, 4, 7, 13, 14 and 15 are failures; operators tune it per route); the
 * latency histogram has no classification and covers every response. Exact metric names keep the
 * `route_*` and `control_*` families out.
 *
 * The adapter is a table of the functions below, each given the families `linkerdReadings` binds
 * to the configured labels and cluster.
 */
export function createLinkerdAdapter(settings: LinkerdSettings = {}): MeshAdapter {
  const readings = linkerdReadings(settings);
  return {
    name: "linkerd",
    kinds: KINDS,
    resourceView: (kind) => linkerdResourceView(readings, kind),
    edgeViews: (kind) => linkerdEdgeViews(readings, kind),
    splitPlans: (split) => linkerdSplitPlans(readings, split),
  };
}

/** The series families every Linkerd view reads, bound to the configured labels and cluster. */
interface LinkerdReadings {
  readonly labels: RelabeledLabels;
  /** What a server's proxy saw: every request it answered, meshed caller or not. */
  readonly inbound: SeriesFamily;
  /** What a client's proxy saw, naming the destination (`dst_*`). */
  readonly outbound: SeriesFamily;
  /** The per-route, per-backend family of Linkerd 2.16+ (`ROUTE_BACKEND_FAMILY`). */
  readonly routeBackends: SeriesFamily;
}

function linkerdReadings(settings: LinkerdSettings): LinkerdReadings {
  const partitions = [clusterPartition(settings.cluster ?? { label: "cluster" })];
  const family = (direction: "inbound" | "outbound"): SeriesFamily =>
    partitioned(
      {
        counter: "response_total",
        latencyHistogram: "response_latency_ms",
        latencyUnitMs: 1,
        matchers: [eq("direction", direction)],
        outcomeLabels: ["classification"],
        isFailure: (l) => l.classification === "failure",
        side: direction === "inbound" ? "server" : "client",
      },
      partitions,
    );
  return {
    labels: settings.labels ?? DEFAULT_LABELS,
    inbound: family("inbound"),
    outbound: family("outbound"),
    routeBackends: partitioned(ROUTE_BACKEND_FAMILY, partitions),
  };
}

function linkerdResourceView({ labels, inbound, outbound }: LinkerdReadings, kind: KindName): ResourceView {
  if (kind === "namespaces")
    return { family: inbound, self: { name: labels.namespace, setting: setting("namespace") } };
  // Only outbound series name a service, so service numbers are what meshed clients saw.
  if (kind === "services")
    return { family: outbound, self: { namespace: "dst_namespace", name: "dst_service" } };
  return { family: inbound, self: ownIdentity(labels, kind as WorkloadKind) };
}

function linkerdEdgeViews({ labels, outbound }: LinkerdReadings, kind: KindName): readonly EdgeView[] {
  // Inbound series know the client only by its mTLS identity, so every edge is read at the client.
  if (kind === "namespaces") {
    const ns = { name: labels.namespace, setting: setting("namespace") };
    const dstNs = { name: "dst_namespace" };
    return [
      { direction: "to", family: outbound, self: ns, peer: { names: [{ label: dstNs.name, kind }] } },
      { direction: "from", family: outbound, self: dstNs, peer: { names: [{ label: ns.name, kind }] } },
    ];
  }
  if (kind === "services") return [];
  const workload = kind as WorkloadKind;
  const [own, dst] = [ownIdentity(labels, workload), dstIdentity(workload)];
  if (workload === "pods") {
    const pod = (identity: IdentityLabels): PeerLabels => ({
      ...(identity.namespace === undefined ? {} : { namespace: identity.namespace }),
      names: [{ label: identity.name, kind }],
    });
    return [
      { direction: "to", family: outbound, self: own, peer: pod(dst) },
      { direction: "from", family: outbound, self: dst, peer: pod(own) },
    ];
  }
  // A peer of any workload kind: a Deployment calls a StatefulSet, a DaemonSet a Deployment.
  return [
    { direction: "to", family: outbound, self: own, peer: peerLabels(labels, "dst") },
    { direction: "from", family: outbound, self: dst, peer: peerLabels(labels, "own") },
  ];
}

/** A workload as its own proxy's series name it: the relabeled pod labels. */
function ownIdentity(labels: RelabeledLabels, kind: WorkloadKind): IdentityLabels {
  const key = WORKLOAD_LABEL[kind].own;
  return relabeledIdentity(labels.namespace, key, labels[key]);
}

/** A workload as a client's proxy names its destination: the `dst_*` labels. */
function dstIdentity(kind: WorkloadKind): IdentityLabels {
  return { namespace: "dst_namespace", name: WORKLOAD_LABEL[kind].dst };
}

/** The labels naming a peer of any workload kind, on the relabeled (`own`) or `dst_*` side. */
function peerLabels(labels: RelabeledLabels, side: "own" | "dst"): PeerLabels {
  return {
    namespace: side === "own" ? labels.namespace : "dst_namespace",
    names: PEER_KINDS.map((kind) => ({
      label: side === "own" ? labels[WORKLOAD_LABEL[kind].own] : WORKLOAD_LABEL[kind].dst,
      kind,
    })),
  };
}

/**
 * Linkerd 2.16+'s per-route, per-backend view (linkerd2-proxy `RouteBackendMetrics`): reported by
 * the client's proxy for requests an HTTPRoute routed, labelled by parent (the apex Service), route
 * and backend. Its statuses carry no proxy classification, so the failure rule is ours: a 5xx, or
 * no response (an `error`). Durations are in seconds, in 7 coarse buckets.
 */
const ROUTE_BACKEND_FAMILY: Omit<SeriesFamily, "partitionBy"> = {
  counter: "outbound_http_route_backend_response_statuses_total",
  latencyHistogram: "outbound_http_route_backend_response_duration_seconds",
  latencyUnitMs: 1000,
  matchers: [],
  outcomeLabels: ["http_status", "error"],
  isFailure: (l) =>
    (l.error ?? "") !== "" || (l.http_status ?? "") === "" || (l.http_status ?? "").startsWith("5"),
  side: "client",
};

/**
 * A split's backends: from the route-backend families when the apex has them (exactly the apex's
 * traffic), else from each backend Service's outbound series (`dst_service`), which count every
 * meshed request to the backend, the apex's or not: Linkerd with linkerd-smi routes a
 * TrafficSplit by the leaf's authority, so its metrics cannot tell the two apart.
 */
function linkerdSplitPlans({ routeBackends, outbound }: LinkerdReadings, split: Split): SplitPlan[] {
  const { apex } = split;
  const route =
    split.kind === "httproutes" ? [eq("route_namespace", split.namespace), eq("route_name", split.name)] : [];
  const port = apex.port === undefined ? [] : [eq("parent_port", String(apex.port))];
  return [
    {
      readings: [
        {
          family: routeBackends,
          scope: [eq("parent_namespace", apex.namespace), eq("parent_name", apex.name), ...port, ...route],
          backend: { namespace: "backend_namespace", name: "backend_name" },
          nameOf: (b) => b.name,
        },
      ],
    },
    {
      readings: [
        {
          family: outbound,
          scope: [],
          backend: { namespace: "dst_namespace", name: "dst_service" },
          nameOf: (b) => b.name,
        },
      ],
      caveat: `Linkerd's route-backend metrics (2.16+, for an HTTPRoute) have no series for apex ${apex.namespace}/${apex.name}, so each backend's numbers are all meshed traffic to its Service (dst_service), not only the requests sent to the apex`,
    },
  ];
}
