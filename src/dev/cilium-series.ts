import {
  OpenMetricsBuilder,
  type SeriesLabels,
  type SeriesSink,
  sinkFor,
  type WriterOptions,
} from "./openmetrics";
import type { L7Policy, LatencyMix, Scenario, Stream, Workload } from "./scenario";

/**
 * Hubble's series for a scenario, as cilium-agents expose them and a ServiceMonitor scrapes them.
 * Label sets follow Cilium's own test fixtures: `pkg/hubble/metrics/http/handler_test.go` (httpV2's
 * counter and histogram labels, line 212 and 218-231; the v1 handler's, lines 86-112) and
 * `pkg/hubble/metrics/api/context_test.go` (the labelsContext values in their fixed order, lines
 * 485-525: `Deployment`/`StatefulSet` kinds; lines 527-535: empty values for a peer with no pod).
 */

const REQUESTS = "hubble_http_requests_total";
const DURATION = "hubble_http_request_duration_seconds";
/** client_golang's `DefBuckets`, in ms: httpV2 sets none of its own. */
const DEF_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/** labelsContext values, in the fixed order Cilium writes them (`api/context.go`). */
type ContextLabel =
  | "source_ip"
  | "source_pod"
  | "source_namespace"
  | "source_workload"
  | "source_workload_kind"
  | "destination_ip"
  | "destination_pod"
  | "destination_namespace"
  | "destination_workload"
  | "destination_workload_kind"
  | "traffic_direction";

/** The documented production example (`Documentation/observability/metrics.rst`). */
export const DOCUMENTED_CONTEXT: readonly ContextLabel[] = [
  "source_ip",
  "source_namespace",
  "source_workload",
  "destination_ip",
  "destination_namespace",
  "destination_workload",
  "traffic_direction",
];
/** The documented one with Cilium 1.15's workload kinds and the pods: what this API reads best. */
const FULL_CONTEXT: readonly ContextLabel[] = [
  "source_ip",
  "source_pod",
  "source_namespace",
  "source_workload",
  "source_workload_kind",
  "destination_ip",
  "destination_pod",
  "destination_namespace",
  "destination_workload",
  "destination_workload_kind",
  "traffic_direction",
];

export interface HubbleOptions {
  /** The labelsContext labels (default: `FULL_CONTEXT`); `pod-identity` is sourceContext/destinationContext=pod. */
  readonly context?: readonly ContextLabel[] | "pod-identity";
  /** `http`: the deprecated v1 handler, whose series this API does not read. */
  readonly handler?: "httpV2" | "http";
}

const NODES = ["ip-10-0-1-11", "ip-10-0-2-12", "ip-10-0-3-13"] as const;
const AGENTS = ["cilium-4xk7p", "cilium-9mq2d", "cilium-h7c5w"] as const;
/** The address traffic from outside the cluster arrives from (TEST-NET-3). */
const WORLD_IP = "203.0.113.7";

const hash = (text: string) => [...text].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
const nodeOf = (pod: string) => hash(pod) % NODES.length;
const ipOf = (pod: string) => `10.244.${nodeOf(pod)}.${(hash(pod) % 200) + 20}`;
const KIND_VALUE = { deployment: "Deployment", statefulset: "StatefulSet", daemonset: "DaemonSet" } as const;

/** A workload's policy, or what its data plane stands for when the scenario gives none. */
const l7PolicyOf = (w: Workload): L7Policy =>
  w.l7Policy ?? { ingress: w.dataPlane !== "ztunnel", egress: w.dataPlane === "sidecar" };

/** The scrape labels the ServiceMonitor `hubble` adds: the reporting agent's, never a workload's. */
function agentLabels(node: number): SeriesLabels {
  return {
    namespace: "kube-system",
    pod: AGENTS[node] as string,
    node: NODES[node] as string,
    container: "cilium-agent",
    endpoint: "hubble-metrics",
    service: "hubble-metrics",
    job: "hubble-metrics",
    instance: `10.0.${node + 1}.${node + 11}:9965`,
  };
}

/** One end of a request: an empty value is left out, as Prometheus' scrape drops empty labels. */
function endLabels(prefix: "source" | "destination", w: Workload | undefined, pod: string | undefined) {
  const all: Record<string, string> = {
    [`${prefix}_ip`]: pod === undefined ? WORLD_IP : ipOf(pod),
    [`${prefix}_pod`]: pod ?? "",
    [`${prefix}_namespace`]: w?.namespace ?? "",
    [`${prefix}_workload`]: w?.name ?? "",
    [`${prefix}_workload_kind`]: w === undefined ? "" : KIND_VALUE[w.kind],
  };
  return all;
}

/** The context labels of a request from `client`'s pod to `server`'s, as the options configure them. */
function contextLabels(
  s: Stream,
  clientPod: string | undefined,
  serverPod: string,
  direction: "ingress" | "egress",
  options: HubbleOptions,
): SeriesLabels {
  const context = options.context ?? FULL_CONTEXT;
  if (context === "pod-identity") {
    const named = (w: Workload | undefined, pod: string | undefined) =>
      w === undefined || pod === undefined ? "" : `${w.namespace}/${pod}`;
    return withoutEmpty({ source: named(s.from, clientPod), destination: named(s.to, serverPod) });
  }
  const all: Record<string, string> = {
    ...endLabels("source", s.from, clientPod),
    ...endLabels("destination", s.to, serverPod),
    traffic_direction: direction,
  };
  return withoutEmpty(Object.fromEntries(context.map((label) => [label, all[label] ?? ""])));
}

const withoutEmpty = (labels: Record<string, string>): SeriesLabels =>
  Object.fromEntries(Object.entries(labels).filter(([, value]) => value !== ""));

/** Where one reporter saw a stream: each pair of pods, its agent's node, and its share of the stream. */
interface Sighting {
  readonly clientPod: string | undefined;
  readonly serverPod: string;
  readonly node: number;
  readonly share: number;
}

function sightings(s: Stream, reporter: "server" | "client"): Sighting[] {
  const clients = s.from === undefined ? [undefined] : s.from.pods;
  const servers = s.to.pods;
  const share = 1 / (clients.length * servers.length);
  return clients.flatMap((clientPod) =>
    servers.map((serverPod) => ({
      clientPod,
      serverPod,
      node: nodeOf(reporter === "server" || clientPod === undefined ? serverPod : clientPod),
      share,
    })),
  );
}

/** httpV2's response counter and duration histogram for what one reporter saw of a stream. */
function httpV2Side(sink: SeriesSink, s: Stream, reporter: "server" | "client", options: HubbleOptions) {
  const grpc = s.grpc.length > 0;
  const onlyClient = reporter === "client" ? s.clientOnlyFailureRps : 0;
  for (const seen of sightings(s, reporter)) {
    const direction = reporter === "server" ? "ingress" : "egress";
    const labels = {
      ...contextLabels(s, seen.clientPod, seen.serverPod, direction, options),
      method: grpc ? "POST" : "GET",
      reporter,
      ...agentLabels(seen.node),
    };
    const counted = { ...labels, protocol: grpc ? "HTTP/2" : "HTTP/1.1" };
    const rate = (part: number) => s.rps * seen.share * part;
    // gRPC statuses travel in trailers, which the proxy does not log: every gRPC answer is a 200.
    const failed = grpc ? 0 : s.serverFailureShare;
    const notFound = grpc ? 0 : s.notFoundShare;
    // Hubble makes a series on the first response with its labels: only a 200's exists when idle.
    const respond = (status: string, perS: number) => {
      if (status === "200" || perS > 0) sink.counter(REQUESTS, { ...counted, status }, perS);
    };
    respond("200", rate(1 - failed - notFound));
    respond("404", rate(notFound));
    respond("500", rate(failed));
    // A client's Envoy answers a request it could not send with a local reply: 503.
    respond("503", onlyClient * seen.share);
    const latency: LatencyMix = reporter === "server" ? s.serverLatency : s.clientLatency;
    sink.histogram(
      DURATION,
      labels,
      DEF_BUCKETS_MS,
      [
        [rate(1), latency],
        [onlyClient * seen.share, s.clientOnlyFailureLatency],
      ],
      1000,
    );
  }
}

/**
 * The deprecated v1 `http` handler: requests counted apart (no `status`), and responses and
 * durations written without httpV2's inversion, so their `source_*` is the server.
 */
function httpV1Side(sink: SeriesSink, s: Stream, options: HubbleOptions) {
  for (const seen of sightings(s, "server")) {
    const forward = contextLabels(s, seen.clientPod, seen.serverPod, "ingress", options);
    const swapped = Object.fromEntries(
      Object.entries(forward).map(([k, v]) => [
        k.startsWith("source") ? k.replace("source", "destination") : k.replace("destination", "source"),
        v,
      ]),
    );
    const base = { method: "GET", reporter: "server", ...agentLabels(seen.node) };
    const rate = s.rps * seen.share;
    sink.counter(REQUESTS, { ...forward, ...base, protocol: "HTTP/1.1" }, rate);
    sink.counter(
      "hubble_http_responses_total",
      { ...swapped, ...base, protocol: "HTTP/1.1", status: "200" },
      rate,
    );
    sink.histogram(DURATION, { ...swapped, ...base }, DEF_BUCKETS_MS, [[rate, s.serverLatency]], 1000);
  }
}

/**
 * Hubble's L4 metrics for a stream, whatever the policy: Trace flows delivered to the server's pod
 * (`to-endpoint`, ingress) and leaving the client's (`to-stack`, egress), and the server's SYNs.
 * Counts of events, never requests (`pkg/hubble/metrics/flow/handler.go`, `tcp/handler.go`).
 */
function l4Side(sink: SeriesSink, s: Stream, options: HubbleOptions) {
  for (const seen of sightings(s, "server")) {
    const at = (direction: "ingress" | "egress") =>
      contextLabels(s, seen.clientPod, seen.serverPod, direction, options);
    const flow = { protocol: "TCP", type: "Trace", verdict: "FORWARDED" };
    const events = (s.rps + 0.2) * seen.share;
    sink.counter(
      "hubble_flows_processed_total",
      { ...flow, subtype: "to-endpoint", ...at("ingress"), ...agentLabels(seen.node) },
      events,
    );
    sink.counter(
      "hubble_tcp_flags_total",
      { family: "IPv4", flag: "SYN", ...at("ingress"), ...agentLabels(seen.node) },
      events / 20,
    );
    if (seen.clientPod === undefined) continue;
    const clientNode = nodeOf(seen.clientPod);
    sink.counter(
      "hubble_flows_processed_total",
      { ...flow, subtype: "to-stack", ...at("egress"), ...agentLabels(clientNode) },
      events,
    );
  }
}

/**
 * Writes a scenario as Hubble's metrics: httpV2's `reporter="server"` series where the server has an
 * ingress L7 policy, `reporter="client"` where the client has an egress one (both, for a pair under
 * both), and L4 flows for every stream. Traffic from outside the cluster has no source workload.
 * A split's `via` is not written: Hubble names the backend that answered, not the apex.
 */
export function ciliumSeries(scenario: Scenario): OpenMetricsBuilder;
export function ciliumSeries<S extends SeriesSink>(
  scenario: Scenario,
  om: S,
  options?: WriterOptions,
  hubble?: HubbleOptions,
): S;
export function ciliumSeries(
  scenario: Scenario,
  om: SeriesSink = new OpenMetricsBuilder(),
  options: WriterOptions = {},
  hubble: HubbleOptions = {},
): SeriesSink {
  const sink = sinkFor(om, options);
  for (const s of scenario.streams) {
    l4Side(sink, s, hubble);
    if (hubble.handler === "http") {
      if (l7PolicyOf(s.to).ingress) httpV1Side(sink, s, hubble);
      continue;
    }
    if (l7PolicyOf(s.to).ingress) httpV2Side(sink, s, "server", hubble);
    if (s.from !== undefined && l7PolicyOf(s.from).egress) httpV2Side(sink, s, "client", hubble);
  }
  return om;
}
