import { ENVOY_BOUNDS_MS } from "./histogram-series";
import {
  OpenMetricsBuilder,
  type SeriesLabels,
  type SeriesSink,
  sinkFor,
  type WriterOptions,
} from "./openmetrics";
import { POD_TEMPLATE_HASH, type Scenario, type Stream, type Workload } from "./scenario";

const REQUESTS = "istio_requests_total";
const DURATION = "istio_request_duration_milliseconds";

const principal = (w: Workload) => `spiffe://cluster.local/ns/${w.namespace}/sa/${w.serviceAccount}`;
const podIp = (w: Workload, pod: string) =>
  `10.43.${w.namespace.length}.${(w.pods.indexOf(pod) + 1) * 7 + w.name.length}`;
/** The waypoint a namespace's ambient workloads are enrolled behind (`istio.io/use-waypoint`). */
const WAYPOINT_POD = (namespace: string) => `waypoint-7b9c5d4f6-${namespace.slice(0, 5).padEnd(5, "x")}`;
const ZTUNNEL_POD = "ztunnel-x7k2p";

/**
 * The labels Istio's stats filter writes for a request (istio/proxy's `testdata/metric/*` and
 * ztunnel's `CommonTrafficLabels`): both workloads, their canonical names and revisions, principals,
 * clusters (`Kubernetes`, Istio's default cluster name), the service and the protocol.
 */
function streamLabels(s: Stream): SeriesLabels {
  const { from, to } = s;
  return {
    source_workload: from?.name ?? "unknown",
    source_workload_namespace: from?.namespace ?? "unknown",
    source_principal: from ? principal(from) : "unknown",
    source_app: from?.name ?? "unknown",
    source_version: from ? "v1" : "unknown",
    source_canonical_service: from?.name ?? "unknown",
    source_canonical_revision: from ? "v1" : "latest",
    source_cluster: from ? "Kubernetes" : "unknown",
    destination_workload: to.name,
    destination_workload_namespace: to.namespace,
    destination_principal: principal(to),
    destination_app: to.name,
    destination_version: to.version,
    destination_service: `${to.service}.${to.namespace}.svc.cluster.local`,
    destination_service_name: to.service,
    destination_service_namespace: to.namespace,
    destination_canonical_service: to.name,
    destination_canonical_revision: "v1",
    destination_cluster: "Kubernetes",
    request_protocol: s.grpc.length > 0 ? "grpc" : "http",
    connection_security_policy: from ? "mutual_tls" : "none",
    response_flags: "-",
    // The host the client addressed, as a Telemetry API tag on `request.host` writes it: the apex
    // for a request a split routed, the server's own Service otherwise.
    request_host:
      s.via === undefined
        ? `${to.service}.${to.namespace}.svc.cluster.local:8080`
        : `${s.via.apex}.${s.via.namespace}.svc.cluster.local:${s.via.port}`,
  };
}

/** Scrape labels of a sidecar-injected pod under the usual `kubernetes-pods` job. */
function sidecarPod(w: Workload, pod: string): SeriesLabels {
  return {
    namespace: w.namespace,
    pod,
    app: w.name,
    version: w.version,
    security_istio_io_tlsMode: "istio",
    service_istio_io_canonical_name: w.name,
    service_istio_io_canonical_revision: "v1",
    ...(w.kind === "deployment" ? { pod_template_hash: POD_TEMPLATE_HASH } : {}),
    job: "kubernetes-pods",
    instance: `${podIp(w, pod)}:15020`,
  };
}

/** Scrape labels of a namespace's waypoint pod: its own namespace and pod, never a workload's. */
function waypointPod(namespace: string): SeriesLabels {
  return {
    namespace,
    pod: WAYPOINT_POD(namespace),
    gateway_networking_k8s_io_gateway_name: "waypoint",
    gateway_istio_io_managed: "istio.io-mesh-controller",
    service_istio_io_canonical_name: "waypoint",
    service_istio_io_canonical_revision: "latest",
    job: "kubernetes-pods",
    instance: "10.43.9.9:15020",
  };
}

const GRPC_OK = "0";

function responses(om: SeriesSink, labels: SeriesLabels, s: Stream, share: number) {
  const rate = (part: number) => s.rps * share * part;
  if (s.grpc.length > 0) {
    // gRPC answers are HTTP 200: the status travels in grpc-status, which Istio reports apart.
    const other = s.grpc.reduce((sum, g) => sum + g.share, 0);
    om.counter(REQUESTS, { ...labels, response_code: "200", grpc_response_status: GRPC_OK }, rate(1 - other));
    for (const { code, share: part } of s.grpc)
      om.counter(
        REQUESTS,
        { ...labels, response_code: "200", grpc_response_status: String(code) },
        rate(part),
      );
    return;
  }
  const http = (code: string, part: number) =>
    om.counter(REQUESTS, { ...labels, response_code: code, grpc_response_status: "" }, rate(part));
  http("200", 1 - s.serverFailureShare - s.notFoundShare);
  http("404", s.notFoundShare);
  http("500", s.serverFailureShare);
}

/** What the server's side saw: its sidecar (`destination`) or its waypoint (`waypoint`). */
function serverSide(om: SeriesSink, s: Stream) {
  const base = streamLabels(s);
  if (s.to.dataPlane === "waypoint") {
    const labels = { reporter: "waypoint", ...base, ...waypointPod(s.to.namespace) };
    responses(om, labels, s, 1);
    om.histogram(DURATION, labels, ENVOY_BOUNDS_MS, [[s.rps, s.serverLatency]]);
    return;
  }
  if (s.to.dataPlane !== "sidecar") return;
  for (const pod of s.to.pods) {
    const share = 1 / s.to.pods.length;
    const labels = { reporter: "destination", ...base, ...sidecarPod(s.to, pod) };
    responses(om, labels, s, share);
    om.histogram(DURATION, labels, ENVOY_BOUNDS_MS, [[s.rps * share, s.serverLatency]]);
  }
}

/** What a sidecar client saw, including requests that never reached the server (`response_code="0"`). */
function clientSide(om: SeriesSink, s: Stream, client: Workload) {
  const base = streamLabels(s);
  for (const pod of client.pods) {
    const share = 1 / client.pods.length;
    const labels = { reporter: "source", ...base, ...sidecarPod(client, pod) };
    responses(om, labels, s, share);
    om.counter(
      REQUESTS,
      { ...labels, response_code: "0", grpc_response_status: "", response_flags: "UF" },
      s.clientOnlyFailureRps * share,
    );
    om.histogram(DURATION, labels, ENVOY_BOUNDS_MS, [
      [s.rps * share, s.clientLatency],
      [s.clientOnlyFailureRps * share, s.clientOnlyFailureLatency],
    ]);
  }
}

/**
 * ztunnel's L4 series for an ambient endpoint of a stream (istio/ztunnel `src/proxy/metrics.rs`):
 * connections and bytes, `reporter` source or destination, scraped from ztunnel's own pod in
 * istio-system. They count connections, never requests.
 */
function ztunnelSide(om: SeriesSink, s: Stream, reporter: "source" | "destination") {
  const base = streamLabels(s);
  const { response_flags: _flags, ...l4 } = base;
  const labels = {
    reporter,
    ...l4,
    request_protocol: "tcp",
    response_flags: "-",
    connection_security_policy: "mutual_tls",
    namespace: "istio-system",
    pod: ZTUNNEL_POD,
    app: "ztunnel",
    job: "kubernetes-pods",
    instance: "10.43.0.2:15020",
  };
  const connections = s.rps / 20;
  om.counter("istio_tcp_connections_opened_total", labels, connections);
  om.counter("istio_tcp_connections_closed_total", labels, connections);
  om.counter("istio_tcp_sent_bytes_total", labels, s.rps * 850);
  om.counter("istio_tcp_received_bytes_total", labels, s.rps * 420);
}

/**
 * Writes a scenario as Istio's standard metrics: `reporter="destination"` at each sidecar server
 * pod, `reporter="waypoint"` at the waypoint of an ambient server behind one, `reporter="source"`
 * at each sidecar client pod, and ztunnel's `istio_tcp_*` for ambient endpoints. Scrape labels
 * `namespace`/`pod` are the reporting proxy's.
 */
export function istioSeries(scenario: Scenario): OpenMetricsBuilder;
export function istioSeries<S extends SeriesSink>(scenario: Scenario, om: S, options?: WriterOptions): S;
export function istioSeries(
  scenario: Scenario,
  om: SeriesSink = new OpenMetricsBuilder(),
  options: WriterOptions = {},
): SeriesSink {
  const sink = sinkFor(om, options);
  for (const s of scenario.streams) {
    serverSide(sink, s);
    if (s.to.dataPlane !== "sidecar") ztunnelSide(sink, s, "destination");
    const client = s.from;
    if (client === undefined) continue;
    if (client.dataPlane === "sidecar") clientSide(sink, s, client);
    else ztunnelSide(sink, s, "source");
  }
  return om;
}
