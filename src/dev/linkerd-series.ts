import {
  OpenMetricsBuilder,
  type SeriesLabels,
  type SeriesSink,
  sinkFor,
  type WriterOptions,
} from "./openmetrics";
import { POD_TEMPLATE_HASH, type Scenario, type Stream, type Workload } from "./scenario";

/** Linkerd proxy `response_latency_ms` bucket bounds. */
const LINKERD_BOUNDS_MS = [
  1, 2, 3, 4, 5, 10, 20, 30, 40, 50, 100, 200, 300, 400, 500, 1000, 2000, 3000, 4000, 5000, 10000, 20000,
  30000, 40000, 50000,
];

/**
 * gRPC statuses the proxy classifies as failures by default: linkerd2-proxy's
 * `linkerd/proxy/client-policy/src/grpc.rs`, `impl Default for Codes` (DataLoss, DeadlineExceeded,
 * Internal, PermissionDenied, Unavailable, Unknown).
 */
const PROXY_GRPC_FAILURES = new Set([2, 4, 7, 13, 14, 15]);

const identity = (w: Workload) =>
  `${w.serviceAccount}.${w.namespace}.serviceaccount.identity.linkerd.cluster.local`;
const kindLabel = { deployment: "deployment", statefulset: "statefulset", daemonset: "daemonset" } as const;
const podIp = (w: Workload, pod: string) =>
  `10.42.${w.namespace.length}.${(w.pods.indexOf(pod) + 1) * 7 + w.name.length}`;

/**
 * Labels Prometheus' `linkerd-proxy` scrape job gives a pod's series (linkerd-viz's
 * prometheus.yaml): namespace, pod, the `linkerd.io/proxy-<kind>` label as `<kind>`, and the pod's
 * other labels, each with `linkerd_io_` dropped.
 */
function own(w: Workload, pod: string): SeriesLabels {
  return {
    namespace: w.namespace,
    pod,
    [kindLabel[w.kind]]: w.name,
    app: w.name,
    control_plane_ns: "linkerd",
    workload_ns: w.namespace,
    ...(w.kind === "deployment"
      ? { pod_template_hash: POD_TEMPLATE_HASH }
      : { controller_revision_hash: `${w.name}-7f9c8d6b5` }),
    job: "linkerd-proxy",
    instance: `${podIp(w, pod)}:4191`,
  };
}

/**
 * What the destination controller tells a client's proxy about an endpoint, which the proxy writes
 * with a `dst_` prefix (linkerd2's `pkg/k8s/labels.go` GetPodLabels and the port publisher's
 * service labels): the pod, its one owner (a Deployment's pod names the Deployment, not its
 * ReplicaSet), service account, control plane, zone, pod-template-hash, service and namespace.
 */
function dst(w: Workload, pod: string, via?: Stream["via"]): SeriesLabels {
  return {
    dst_namespace: w.namespace,
    dst_service: w.service,
    dst_pod: pod,
    [`dst_${kindLabel[w.kind]}`]: w.name,
    dst_serviceaccount: w.serviceAccount,
    dst_control_plane_ns: "linkerd",
    dst_zone: "",
    ...(w.kind === "deployment" ? { dst_pod_template_hash: POD_TEMPLATE_HASH } : {}),
    // A request sent to a split's apex still names the apex as its authority.
    authority:
      via === undefined
        ? `${w.service}.${w.namespace}.svc.cluster.local:8080`
        : `${via.apex}.${via.namespace}.svc.cluster.local:${via.port}`,
    server_id: identity(w),
    target_addr: `${podIp(w, pod)}:8080`,
  };
}

/** The inbound policy labels: the default server, route and authorization of an unannotated pod. */
const POLICY: SeriesLabels = {
  srv_group: "",
  srv_kind: "default",
  srv_name: "all-unauthenticated",
  srv_port: "8080",
  route_group: "",
  route_kind: "default",
  route_name: "default",
  authz_group: "",
  authz_kind: "default",
  authz_name: "all-unauthenticated",
};

function responses(om: SeriesSink, name: string, labels: SeriesLabels, stream: Stream, share: number) {
  const rate = (part: number) => stream.rps * share * part;
  if (stream.grpc.length > 0) {
    const other = stream.grpc.reduce((sum, g) => sum + g.share, 0);
    const grpc = (code: number, part: number) =>
      om.counter(
        name,
        {
          ...labels,
          status_code: "200",
          classification: PROXY_GRPC_FAILURES.has(code) ? "failure" : "success",
          grpc_status: String(code),
          error: "",
        },
        rate(part),
      );
    grpc(0, 1 - other);
    for (const { code, share: part } of stream.grpc) grpc(code, part);
    return;
  }
  const http = (status: string, classification: string, part: number) =>
    om.counter(
      name,
      { ...labels, status_code: status, classification, grpc_status: "", error: "" },
      rate(part),
    );
  http("200", "success", 1 - stream.serverFailureShare - stream.notFoundShare);
  http("404", "success", stream.notFoundShare);
  http("500", "failure", stream.serverFailureShare);
}

/** Linkerd's route-backend response duration buckets, in seconds (linkerd2-proxy `RESPONSE_BUCKETS`). */
const ROUTE_BACKEND_BOUNDS_MS = [25, 50, 100, 250, 500, 1000, 10000];

/**
 * A request an HTTPRoute routed, as the client's proxy (Linkerd 2.16+) reports it per route and
 * backend (linkerd2-proxy's `RouteBackendMetrics`: parent, route and backend labels; statuses by
 * `http_status` and `error`; durations in seconds).
 */
function routeBackendSeries(om: SeriesSink, stream: Stream, client: Workload, pod: string) {
  const via = stream.via;
  if (via?.route === undefined) return;
  const share = 1 / client.pods.length;
  const labels = {
    ...own(client, pod),
    parent_group: "core",
    parent_kind: "Service",
    parent_namespace: via.namespace,
    parent_name: via.apex,
    parent_port: String(via.port),
    parent_section_name: "",
    route_group: "gateway.networking.k8s.io",
    route_kind: via.route.kind,
    route_namespace: via.namespace,
    route_name: via.route.name,
    backend_group: "core",
    backend_kind: "Service",
    backend_namespace: stream.to.namespace,
    backend_name: stream.to.service,
    backend_port: String(via.port),
    backend_section_name: "",
  };
  const rps = stream.rps * share;
  const failedAtClient = stream.clientOnlyFailureRps * share;
  om.counter("outbound_http_route_backend_requests_total", labels, rps + failedAtClient);
  const status = (code: string, error: string, rate: number) =>
    om.counter(
      "outbound_http_route_backend_response_statuses_total",
      { ...labels, http_status: code, error },
      rate,
    );
  status("200", "", rps * (1 - stream.serverFailureShare - stream.notFoundShare));
  status("404", "", rps * stream.notFoundShare);
  status("500", "", rps * stream.serverFailureShare);
  status("", "REFUSED", failedAtClient);
  om.histogram(
    "outbound_http_route_backend_response_duration_seconds",
    labels,
    ROUTE_BACKEND_BOUNDS_MS,
    [
      [rps, stream.clientLatency],
      [failedAtClient, stream.clientOnlyFailureLatency],
    ],
    1000,
  );
}

/**
 * A stream as each server pod's proxy reports it inbound: the client known only by identity (or no
 * TLS at all), the default policy, and `route_*`/`control_*` families that must never be counted.
 */
function inboundSeries(sink: SeriesSink, stream: Stream): void {
  const server = stream.to;
  for (const pod of server.pods) {
    const share = 1 / server.pods.length;
    const labels = {
      direction: "inbound",
      ...own(server, pod),
      authority: `${server.service}.${server.namespace}.svc.cluster.local:8080`,
      target_addr: `${podIp(server, pod)}:8080`,
      ...(stream.from
        ? { tls: "true", client_id: identity(stream.from) }
        : { tls: "no_identity", no_tls_reason: "no_tls_from_remote" }),
      ...POLICY,
    };
    responses(sink, "response_total", labels, stream, share);
    sink.histogram("response_latency_ms", labels, LINKERD_BOUNDS_MS, [
      [stream.rps * share, stream.serverLatency],
    ]);
    // Per-route views of the same requests: counting them too would double the numbers.
    responses(sink, "route_response_total", { ...labels, rt_route: "GET /" }, stream, share);
    sink.counter(
      "control_response_total",
      { ...own(server, pod), addr: "linkerd-dst:8086", classification: "success" },
      7,
    );
  }
}

/**
 * A stream as each client pod's proxy reports it outbound, per server pod with the `dst_*` labels,
 * failures the server never saw included, and per route backend when an HTTPRoute routed it.
 */
function outboundSeries(sink: SeriesSink, stream: Stream, client: Workload): void {
  const server = stream.to;
  for (const clientPod of client.pods) {
    routeBackendSeries(sink, stream, client, clientPod);
    for (const serverPod of server.pods) {
      const share = 1 / (client.pods.length * server.pods.length);
      const labels = {
        direction: "outbound",
        ...own(client, clientPod),
        ...dst(server, serverPod, stream.via),
        tls: "true",
      };
      responses(sink, "response_total", labels, stream, share);
      sink.counter(
        "response_total",
        {
          ...labels,
          status_code: "",
          classification: "failure",
          grpc_status: "",
          error: "connect timed out",
        },
        stream.clientOnlyFailureRps * share,
      );
      sink.histogram("response_latency_ms", labels, LINKERD_BOUNDS_MS, [
        [stream.rps * share, stream.clientLatency],
        [stream.clientOnlyFailureRps * share, stream.clientOnlyFailureLatency],
      ]);
    }
  }
}

/**
 * Writes a scenario as Linkerd's proxies and Prometheus' relabeling would leave it: inbound series
 * at each server pod (client known only by identity), outbound series at each client pod with the
 * `dst_*` labels, and `route_*`/`control_*` families that must never be counted.
 */
export function linkerdSeries(scenario: Scenario): OpenMetricsBuilder;
export function linkerdSeries<S extends SeriesSink>(scenario: Scenario, om: S, options?: WriterOptions): S;
export function linkerdSeries(
  scenario: Scenario,
  om: SeriesSink = new OpenMetricsBuilder(),
  options: WriterOptions = {},
): SeriesSink {
  const sink = sinkFor(om, options);
  for (const stream of scenario.streams) {
    inboundSeries(sink, stream);
    if (stream.from !== undefined) outboundSeries(sink, stream, stream.from);
  }
  return om;
}
