import { ENVOY_BOUNDS_MS, histogramSeries } from "./histogram-series";
import { OpenMetricsBuilder, type SeriesLabels } from "./openmetrics";
import type { Scenario, Stream, Workload } from "./scenario";

const REQUESTS = "istio_requests_total";
const DURATION = "istio_request_duration_milliseconds_bucket";

const principal = (w: Workload) => `spiffe://cluster.local/ns/${w.namespace}/sa/${w.serviceAccount}`;

/** The scenario's gRPC stream: Istio reports its failures as a gRPC status behind HTTP 200. */
const isGrpc = (s: Stream) => s.from?.name === "api" && s.to.name === "ledger";

function streamLabels(s: Stream): SeriesLabels {
  const { from, to } = s;
  return {
    source_workload: from?.name ?? "unknown",
    source_workload_namespace: from?.namespace ?? "unknown",
    source_principal: from ? principal(from) : "unknown",
    source_app: from?.name ?? "unknown",
    source_canonical_service: from?.name ?? "unknown",
    destination_workload: to.name,
    destination_workload_namespace: to.namespace,
    destination_principal: principal(to),
    destination_service: `${to.service}.${to.namespace}.svc.cluster.local`,
    destination_service_name: to.service,
    destination_service_namespace: to.namespace,
    destination_canonical_service: to.name,
    destination_app: to.name,
    request_protocol: isGrpc(s) ? "grpc" : "http",
    connection_security_policy: from ? "mutual_tls" : "none",
    response_flags: "-",
  };
}

function responses(om: OpenMetricsBuilder, labels: SeriesLabels, s: Stream, share: number) {
  const ok = s.rps * share * (1 - s.serverFailureShare - s.notFoundShare);
  if (isGrpc(s)) {
    om.counter(
      REQUESTS,
      { ...labels, response_code: "200", grpc_response_status: "0" },
      ok + s.rps * share * s.notFoundShare,
    );
    om.counter(
      REQUESTS,
      { ...labels, response_code: "200", grpc_response_status: "14" },
      s.rps * share * s.serverFailureShare,
    );
    return;
  }
  om.counter(REQUESTS, { ...labels, response_code: "200", grpc_response_status: "" }, ok);
  om.counter(
    REQUESTS,
    { ...labels, response_code: "404", grpc_response_status: "" },
    s.rps * share * s.notFoundShare,
  );
  om.counter(
    REQUESTS,
    { ...labels, response_code: "500", grpc_response_status: "" },
    s.rps * share * s.serverFailureShare,
  );
}

/**
 * Writes a scenario as Istio's standard metrics: `reporter="destination"` at each server pod and
 * `reporter="source"` at each client pod, with the scrape's `namespace`/`pod` of the reporting
 * proxy. Requests that never reached the server are `response_code="0"` at the client.
 */
export function istioSeries(scenario: Scenario, om = new OpenMetricsBuilder()): OpenMetricsBuilder {
  for (const s of scenario.streams) {
    const base = streamLabels(s);
    for (const pod of s.to.pods) {
      const share = 1 / s.to.pods.length;
      const labels = { reporter: "destination", ...base, namespace: s.to.namespace, pod };
      responses(om, labels, s, share);
      histogramSeries(om, DURATION, labels, ENVOY_BOUNDS_MS, [[s.rps * share, s.serverLatency]]);
    }
    const client = s.from;
    if (client === undefined) continue;
    for (const pod of client.pods) {
      const share = 1 / client.pods.length;
      const labels = { reporter: "source", ...base, namespace: client.namespace, pod };
      responses(om, labels, s, share);
      om.counter(
        REQUESTS,
        { ...labels, response_code: "0", grpc_response_status: "", response_flags: "UF" },
        s.clientOnlyFailureRps * share,
      );
      histogramSeries(om, DURATION, labels, ENVOY_BOUNDS_MS, [
        [s.rps * share, s.clientLatency],
        [s.clientOnlyFailureRps * share, s.clientOnlyFailureLatency],
      ]);
    }
  }
  return om;
}
