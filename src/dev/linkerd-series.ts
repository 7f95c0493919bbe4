import { histogramSeries } from "./histogram-series";
import { OpenMetricsBuilder, type SeriesLabels } from "./openmetrics";
import type { Scenario, Stream, Workload } from "./scenario";

/** Linkerd proxy `response_latency_ms` bucket bounds. */
export const LINKERD_BOUNDS_MS = [
  1, 2, 3, 4, 5, 10, 20, 30, 40, 50, 100, 200, 300, 400, 500, 1000, 2000, 3000, 4000, 5000, 10000, 20000,
  30000, 40000, 50000,
];

const identity = (w: Workload) =>
  `${w.serviceAccount}.${w.namespace}.serviceaccount.identity.linkerd.cluster.local`;
const kindLabel = { deployment: "deployment", statefulset: "statefulset", daemonset: "daemonset" } as const;

function own(w: Workload, pod: string): SeriesLabels {
  return { namespace: w.namespace, pod, [kindLabel[w.kind]]: w.name };
}

function dst(w: Workload, pod: string): SeriesLabels {
  return {
    dst_namespace: w.namespace,
    dst_pod: pod,
    [`dst_${kindLabel[w.kind]}`]: w.name,
    dst_service: w.service,
    dst_serviceaccount: w.serviceAccount,
    authority: `${w.service}.${w.namespace}.svc.cluster.local:8080`,
    server_id: identity(w),
    target_addr: "10.0.0.1:8080",
  };
}

function responses(
  om: OpenMetricsBuilder,
  name: string,
  labels: SeriesLabels,
  stream: Stream,
  share: number,
) {
  const ok = stream.rps * share * (1 - stream.serverFailureShare - stream.notFoundShare);
  om.counter(name, { ...labels, classification: "success", status_code: "200" }, ok);
  om.counter(
    name,
    { ...labels, classification: "success", status_code: "404" },
    stream.rps * share * stream.notFoundShare,
  );
  om.counter(
    name,
    { ...labels, classification: "failure", status_code: "500" },
    stream.rps * share * stream.serverFailureShare,
  );
}

/**
 * Writes a scenario as Linkerd's proxies and Prometheus' relabeling would leave it: inbound series
 * at each server pod (client known only by identity), outbound series at each client pod with the
 * `dst_*` labels, and `route_*`/`control_*` families that must never be counted.
 */
export function linkerdSeries(scenario: Scenario, om = new OpenMetricsBuilder()): OpenMetricsBuilder {
  for (const stream of scenario.streams) {
    const server = stream.to;
    for (const pod of server.pods) {
      const share = 1 / server.pods.length;
      const labels = {
        direction: "inbound",
        ...own(server, pod),
        tls: stream.from ? "true" : "no_identity",
        ...(stream.from ? { client_id: identity(stream.from) } : {}),
        srv_kind: "default",
        srv_name: "all-unauthenticated",
      };
      responses(om, "response_total", labels, stream, share);
      histogramSeries(om, "response_latency_ms_bucket", labels, LINKERD_BOUNDS_MS, [
        [stream.rps * share, stream.serverLatency],
      ]);
      // Per-route views of the same requests: counting them too would double the numbers.
      responses(om, "route_response_total", { ...labels, rt_route: "GET /" }, stream, share);
      om.counter(
        "control_response_total",
        { ...own(server, pod), addr: "linkerd-dst:8086", classification: "success" },
        7,
      );
    }
    const client = stream.from;
    if (client === undefined) continue;
    for (const clientPod of client.pods) {
      for (const serverPod of server.pods) {
        const share = 1 / (client.pods.length * server.pods.length);
        const labels = {
          direction: "outbound",
          ...own(client, clientPod),
          ...dst(server, serverPod),
          tls: "true",
        };
        responses(om, "response_total", labels, stream, share);
        om.counter(
          "response_total",
          { ...labels, classification: "failure", status_code: "503", error: "connect_timeout" },
          stream.clientOnlyFailureRps * share,
        );
        histogramSeries(om, "response_latency_ms_bucket", labels, LINKERD_BOUNDS_MS, [
          [stream.rps * share, stream.clientLatency],
          [stream.clientOnlyFailureRps * share, stream.clientOnlyFailureLatency],
        ]);
      }
    }
  }
  return om;
}
