/**
 * The series each mesh's answers are made of, written from the meshes' documented metrics and
 * the README's reading of them (which side, which reporter, which failure rule), not from the
 * adapters: a resource, an edge in either direction, a split backend. reference-promql.ts asks an
 * engine for their numbers.
 */
import type { MeshName } from "../../src/mesh/select";
import type { Outcome, Reference, Reporter, Side } from "./reference-promql";

/** An object as an answer names it: its kind (plural, as in paths), namespace and name. */
export interface Named {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

export interface MeshReferences {
  resource(object: Named): Reference;
  edge(self: Named, direction: "to" | "from", peer: Named, side: Side): Reference;
  /** A backend of split `split` (`trafficsplits/web`), read on `side`. */
  backend(split: string, backend: string, side: Side): Reference;
}

/** Plural kinds of the singular Kinds answers carry. */
export const KIND_PATHS: Readonly<Record<string, string>> = {
  Namespace: "namespaces",
  Deployment: "deployments",
  StatefulSet: "statefulsets",
  DaemonSet: "daemonsets",
  Pod: "pods",
  Job: "jobs",
  ReplicaSet: "replicasets",
  Service: "services",
};

const eq = (label: string, value: string | undefined) => `${label}="${value ?? ""}"`;
const CANARIES = "store";

const LINKERD_OUTCOME: Outcome = {
  failure: [['classification="failure"']],
  success: [['classification!="failure"']],
};
/** Linkerd's relabeled pod labels, and the destination labels its proxy writes, per workload kind. */
const OWN: Readonly<Record<string, string>> = {
  deployments: "deployment",
  statefulsets: "statefulset",
  daemonsets: "daemonset",
  pods: "pod",
  jobs: "k8s_job",
  replicasets: "replicaset",
};
const linkerd = (direction: "inbound" | "outbound", matchers: string[]): Reference => ({
  histogram: "response_latency_ms",
  unitMs: 1,
  counter: "response_total",
  matchers: [eq("direction", direction), ...matchers],
  outcome: LINKERD_OUTCOME,
});
/** Linkerd 2.16+'s per-route, per-backend family: a failure is a 5xx, no status, or an error. */
const routeBackend = (matchers: string[]): Reference => ({
  histogram: "outbound_http_route_backend_response_duration_seconds",
  unitMs: 1000,
  counter: "outbound_http_route_backend_response_statuses_total",
  matchers,
  outcome: {
    failure: [['error!=""'], ['error=""', 'http_status=~"|5.*"']],
    success: [['error=""', 'http_status!~"|5.*"']],
  },
});

const LINKERD: MeshReferences = {
  resource: ({ kind, namespace, name }) => {
    if (kind === "namespaces") return linkerd("inbound", [eq("namespace", name)]);
    if (kind === "services")
      return linkerd("outbound", [eq("dst_namespace", namespace), eq("dst_service", name)]);
    return linkerd("inbound", [eq("namespace", namespace), eq(OWN[kind] as string, name)]);
  },
  // Every edge is read at the client: the own labels name it, `dst_*` its destination.
  edge: (self, direction, peer) => {
    const [client, server] = direction === "to" ? [self, peer] : [peer, self];
    if (self.kind === "namespaces")
      return linkerd("outbound", [eq("namespace", client.name), eq("dst_namespace", server.name)]);
    return linkerd("outbound", [
      eq("namespace", client.namespace),
      eq(OWN[client.kind] as string, client.name),
      eq("dst_namespace", server.namespace),
      eq(`dst_${OWN[server.kind]}`, server.name),
    ]);
  },
  backend: (split, backend) => {
    const apex = eq("parent_name", split.split("/")[1]);
    const backendOf = [eq("backend_namespace", CANARIES), eq("backend_name", backend)];
    if (split === "httproutes/web")
      return routeBackend([eq("parent_namespace", CANARIES), apex, 'route_name="web"', ...backendOf]);
    // The TrafficSplit of an apex an HTTPRoute routes is read from the same family.
    if (split === "trafficsplits/web")
      return routeBackend([eq("parent_namespace", CANARIES), apex, ...backendOf]);
    return linkerd("outbound", [eq("dst_namespace", CANARIES), eq("dst_service", backend)]);
  },
};

const ISTIO_FAILURE = 'response_code=~"0|5.*"';
const ISTIO_GRPC_FAILURE = 'grpc_response_status=~"2|4|12|13|14|15"';
const istio = (matchers: string[], reporters?: Reference["reporters"]): Reference => ({
  histogram: "istio_request_duration_milliseconds",
  unitMs: 1,
  counter: "istio_requests_total",
  matchers,
  outcome: {
    failure: [[ISTIO_FAILURE], [ISTIO_FAILURE.replace("=~", "!~"), ISTIO_GRPC_FAILURE]],
    success: [[ISTIO_FAILURE.replace("=~", "!~"), ISTIO_GRPC_FAILURE.replace("=~", "!~")]],
  },
  ...(reporters === undefined ? {} : { reporters }),
});
/** What a server served: its sidecar's (`destination`) or its waypoint's reports. */
const SERVED = 'reporter!="source"';
const FROM_MESHED = 'source_workload!="unknown"';
const TO_WORKLOAD = 'destination_workload!="unknown"';

const ISTIO: MeshReferences = {
  resource: ({ kind, namespace, name }) => {
    if (kind === "namespaces") return istio([SERVED, eq("destination_workload_namespace", name)]);
    if (kind === "pods")
      return istio(['reporter="destination"', eq("namespace", namespace), eq("pod", name)]);
    if (kind === "services")
      return istio([
        SERVED,
        eq("destination_service_namespace", namespace),
        eq("destination_service_name", name),
      ]);
    return istio([SERVED, eq("destination_workload_namespace", namespace), eq("destination_workload", name)]);
  },
  // `to`: every reporter of the request, one per pair of workloads; `from`: the server's, meshed callers only.
  edge: (self, direction, peer, side) => {
    const [client, server] = direction === "to" ? [self, peer] : [peer, self];
    const pairOf =
      self.kind === "namespaces"
        ? [eq("source_workload_namespace", client.name), eq("destination_workload_namespace", server.name)]
        : [
            eq("source_workload_namespace", client.namespace),
            eq("source_workload", client.name),
            eq("destination_workload_namespace", server.namespace),
            eq("destination_workload", server.name),
          ];
    if (direction === "from") return istio([SERVED, FROM_MESHED, ...pairOf]);
    const pair = self.kind === "namespaces" ? ["source_workload", "destination_workload"] : [];
    return istio([TO_WORKLOAD, ...pairOf], { pair, side });
  },
  // Backends as their callers' reporters saw them, one reporter per calling workload.
  backend: (split, backend, side) => {
    const reporters = { pair: ["source_workload", "source_workload_namespace"], side };
    const service = [eq("destination_service_namespace", CANARIES)];
    if (split === "trafficsplits/reviews")
      return istio(
        [TO_WORKLOAD, ...service, 'destination_service_name="reviews"', eq("destination_version", backend)],
        reporters,
      );
    return istio([TO_WORKLOAD, ...service, eq("destination_service_name", backend)], reporters);
  },
};

const CONSUL_OUTCOME: Outcome = {
  failure: [['envoy_response_code_class="5"']],
  success: [['envoy_response_code_class!="5"']],
};
/** Consul's Envoy: what a server's public listener answered, or what a client's upstream sent. */
const consul = (at: "inbound" | "upstream", matchers: string[]): Reference =>
  at === "inbound"
    ? {
        histogram: "envoy_http_downstream_rq_time",
        unitMs: 1,
        counter: "envoy_http_downstream_rq_xx",
        matchers: ['envoy_http_conn_manager_prefix="public_listener"', ...matchers],
        outcome: CONSUL_OUTCOME,
      }
    : {
        histogram: "envoy_cluster_upstream_rq_time",
        unitMs: 1,
        counter: "envoy_cluster_upstream_rq_xx",
        matchers,
        outcome: CONSUL_OUTCOME,
      };

const CONSUL: MeshReferences = {
  resource: ({ kind, namespace, name }) => {
    if (kind === "namespaces") return consul("inbound", [eq("namespace", name)]);
    if (kind === "pods") return consul("inbound", [eq("namespace", namespace), eq("pod", name)]);
    return consul("inbound", [eq("namespace", namespace), eq("consul_source_service", name)]);
  },
  // Read at the client's upstream listener both ways; the destination is named without a namespace.
  edge: (self, direction, peer) =>
    direction === "to"
      ? consul("upstream", [
          eq("namespace", self.namespace),
          eq("consul_source_service", self.name),
          eq("consul_destination_service", peer.name),
        ])
      : consul("upstream", [
          eq("consul_destination_service", self.name),
          eq("namespace", peer.namespace),
          eq("consul_source_service", peer.name),
        ]),
  backend: (split, backend) =>
    split === "trafficsplits/reviews"
      ? consul("upstream", [
          'consul_destination_service="reviews"',
          eq("consul_destination_service_subset", backend),
        ])
      : consul("upstream", [eq("consul_destination_service", backend)]),
};

/** Hubble's httpV2 (Cilium): `status` is the HTTP code, `0` when no response came. */
const HUBBLE_OUTCOME: Outcome = {
  failure: [['status=~"0|5.."']],
  success: [['status!~"0|5..|"']],
};
/** Each pair is read at the server's agent where it reports the pair (an ingress L7 policy), else at the client's. */
const HUBBLE_REPORTERS: readonly Reporter[] = [
  { value: "server", side: "server" },
  { value: "client", side: "client" },
];
const HUBBLE_KINDS: Readonly<Record<string, string>> = {
  deployments: "Deployment",
  statefulsets: "StatefulSet",
  daemonsets: "DaemonSet",
  jobs: "Job",
  replicasets: "ReplicaSet",
};
const hubble = (matchers: string[], pair: string[], side?: Side): Reference => ({
  histogram: "hubble_http_request_duration_seconds",
  unitMs: 1000,
  counter: "hubble_http_requests_total",
  matchers,
  outcome: HUBBLE_OUTCOME,
  reporters: { pair, order: HUBBLE_REPORTERS, ...(side === undefined ? {} : { side }) },
});
/** A workload as one end of a pair: its namespace, name and kind, under `source_` or `destination_`. */
const end = (prefix: "source" | "destination", w: Named) => [
  eq(`${prefix}_namespace`, w.namespace),
  eq(`${prefix}_workload`, w.name),
  eq(`${prefix}_workload_kind`, HUBBLE_KINDS[w.kind]),
];
const WORKLOAD_PAIR = [
  "source_workload",
  "source_workload_kind",
  "destination_workload",
  "destination_workload_kind",
];

/** Cilium: a resource adds its pairs wherever each was read; an edge says its side. No splits. */
const CILIUM: MeshReferences = {
  resource: (object) => {
    const { kind, namespace, name } = object;
    if (kind === "namespaces")
      return hubble(
        [eq("destination_namespace", name), 'destination_workload!=""'],
        ["source_namespace", ...WORKLOAD_PAIR],
      );
    if (kind === "pods")
      return hubble(
        [eq("destination_namespace", namespace), eq("destination_pod", name)],
        ["source_namespace", "source_pod"],
      );
    return hubble(end("destination", object), [
      "source_namespace",
      "source_workload",
      "source_workload_kind",
    ]);
  },
  edge: (self, direction, peer, side) => {
    const [client, server] = direction === "to" ? [self, peer] : [peer, self];
    if (self.kind === "namespaces")
      return hubble(
        [
          eq("source_namespace", client.name),
          eq("destination_namespace", server.name),
          'destination_workload!=""',
        ],
        WORKLOAD_PAIR,
        side,
      );
    if (self.kind === "pods")
      return hubble(
        [
          eq("source_namespace", client.namespace),
          eq("source_pod", client.name),
          eq("destination_namespace", server.namespace),
          eq("destination_pod", server.name),
        ],
        [],
        side,
      );
    return hubble([...end("source", client), ...end("destination", server)], [], side);
  },
  backend: () => {
    throw new Error("Cilium serves no splits: Hubble names a backend's workload only on its own node");
  },
};

export const REFERENCES: Readonly<Record<MeshName, MeshReferences>> = {
  linkerd: LINKERD,
  istio: ISTIO,
  consul: CONSUL,
  cilium: CILIUM,
};
