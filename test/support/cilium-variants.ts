/**
 * Several Hubble set-ups side by side in one Prometheus, each behind its own `cluster` label (as
 * Thanos would hold several clusters), so one Prometheus serves every Cilium case and each answer
 * reads one set-up with CLUSTER pinned to it. Truths come from the scenarios' rates.
 */
import { ciliumEgressScenario, ciliumScenario } from "../../src/dev/cilium-scenario";
import { ciliumSeries, DOCUMENTED_CONTEXT, type HubbleOptions } from "../../src/dev/cilium-series";
import { OpenMetricsBuilder, type SeriesSink, sinkFor } from "../../src/dev/openmetrics";
import { defaultScenario, MEDIUM, type Scenario } from "../../src/dev/scenario";

export interface CiliumVariant {
  readonly scenario: Scenario;
  readonly hubble?: HubbleOptions;
}

export const VARIANTS = {
  /** L7 policies differing by workload, labelsContext with kinds and pods (the conformance profile's). */
  policies: { scenario: ciliumScenario() },
  /** Servers without ingress policy, seen only by their clients' egress policies. */
  egress: { scenario: ciliumEgressScenario() },
  /** The documented production labelsContext: no workload kinds, no pods. */
  documented: { scenario: defaultScenario(), hubble: { context: DOCUMENTED_CONTEXT } },
  /** The deprecated v1 `http` handler. */
  v1: { scenario: defaultScenario(), hubble: { handler: "http" } },
  /** sourceContext=pod;destinationContext=pod: single `source`/`destination` labels, no labelsContext. */
  podIdentity: { scenario: defaultScenario(), hubble: { context: "pod-identity" } },
} as const satisfies Record<string, CiliumVariant>;

export type VariantName = keyof typeof VARIANTS | "crossNode";

/** Rates of the cross-node pair (requests per second), and its window's counts follow from them. */
export const CROSS_NODE = { ok: 2, noResponse: 0.1 } as const;

/**
 * frontend calls checkout from another node, and L7 policy covers both: checkout's agent knows the
 * server's workload but not the client's, frontend's agent the client's but not the server's
 * (cilium/cilium#25676), so the two series of each request share no pair of workloads. Some
 * answers carry status `0`, which httpV2's failure rule counts as no response.
 */
function crossNodeSeries(om: SeriesSink): void {
  const agent = (n: number) => ({ namespace: "kube-system", pod: `cilium-n${n}`, job: "hubble-metrics" });
  const server = {
    source_namespace: "shop",
    source_pod: "frontend-5d8f9c6b7-xxxx0",
    destination_namespace: "shop",
    destination_pod: "checkout-5d8f9c6b7-xxxx0",
    destination_workload: "checkout",
    destination_workload_kind: "Deployment",
    reporter: "server",
    method: "GET",
    ...agent(1),
  };
  const client = {
    source_namespace: "shop",
    source_pod: "frontend-5d8f9c6b7-xxxx0",
    source_workload: "frontend",
    source_workload_kind: "Deployment",
    destination_namespace: "shop",
    destination_pod: "checkout-5d8f9c6b7-xxxx0",
    reporter: "client",
    method: "GET",
    ...agent(2),
  };
  const bounds = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
  for (const labels of [server, client]) {
    om.counter(
      "hubble_http_requests_total",
      { ...labels, protocol: "HTTP/1.1", status: "200" },
      CROSS_NODE.ok,
    );
    om.counter(
      "hubble_http_requests_total",
      { ...labels, protocol: "HTTP/1.1", status: "0" },
      CROSS_NODE.noResponse,
    );
    const all = CROSS_NODE.ok + CROSS_NODE.noResponse;
    om.histogram("hubble_http_request_duration_seconds", labels, bounds, [[all, MEDIUM]], 1000);
  }
}

/** Every variant's series, each under `cluster=<its name>`. */
export function variantSeries(): OpenMetricsBuilder {
  const om = new OpenMetricsBuilder();
  for (const [cluster, variant] of Object.entries(VARIANTS) as [string, CiliumVariant][])
    ciliumSeries(variant.scenario, om, { cluster }, variant.hubble ?? {});
  crossNodeSeries(sinkFor(om, { cluster: "crossNode" }));
  return om;
}
