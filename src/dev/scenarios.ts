/**
 * Scenarios beside the default one, each for one way real meshes differ from it: Istio ambient,
 * and several clusters in one Prometheus. Their truth is computed from these rates alone.
 */
import { defaultScenario, MEDIUM, type Scenario, SLOW, type Stream, stream, workload } from "./scenario";

/**
 * Istio in ambient mode, mixed with sidecars:
 * - `shop` is behind a waypoint: frontend, checkout, cart (a statefulset) and an idle workload;
 * - `payments` has ztunnel only: its workloads leave L4 (TCP) series and no HTTP ones;
 * - `legacy` runs sidecars: storefront calls checkout behind the waypoint, where both its own
 *   sidecar (`reporter="source"`) and the waypoint (`reporter="waypoint"`) report each request;
 *   frontend, an ambient client, calls storefront, seen only at storefront's sidecar.
 */
export function ambientScenario(): Scenario {
  const waypoint = { dataPlane: "waypoint" } as const;
  const ztunnel = { dataPlane: "ztunnel" } as const;
  const frontend = workload("shop", "frontend", "deployment", 2, waypoint);
  const checkout = workload("shop", "checkout", "deployment", 2, waypoint);
  const cart = workload("shop", "cart", "statefulset", 1, waypoint);
  const idle = workload("shop", "idle", "deployment", 1, waypoint);
  const api = workload("payments", "api", "deployment", 2, { ...ztunnel, service: "payments-api" });
  const ledger = workload("payments", "ledger", "statefulset", 1, ztunnel);
  const storefront = workload("legacy", "storefront", "deployment", 2);
  const audit = workload("legacy", "audit", "daemonset", 1);
  const base = defaultScenario();
  return {
    ...base,
    workloads: [frontend, checkout, cart, idle, api, ledger, storefront, audit],
    streams: [
      stream(undefined, frontend, { rps: 10, serverFailureShare: 0.01, notFoundShare: 0.05 }),
      stream(frontend, checkout, { rps: 4, serverFailureShare: 0.02, serverLatency: MEDIUM }),
      stream(frontend, cart, { rps: 6, notFoundShare: 0.1 }),
      stream(storefront, checkout, {
        rps: 2,
        serverFailureShare: 0.05,
        clientOnlyFailureRps: 0.5,
        serverLatency: MEDIUM,
        clientLatency: SLOW,
      }),
      stream(frontend, storefront, { rps: 1, serverLatency: SLOW }),
      stream(storefront, audit, { rps: 0.5 }),
      stream(checkout, api, { rps: 2, serverFailureShare: 0.05 }),
      stream(api, ledger, { rps: 3, serverLatency: MEDIUM }),
      stream(undefined, idle, { rps: 0 }),
    ],
  };
}

/** One cluster of several sharing a Prometheus: its external label value, and its traffic. */
export interface ClusterData {
  readonly cluster: string;
  /** The Consul datacenter the cluster is. */
  readonly datacenter: string;
  readonly scenario: Scenario;
}

const scaled = (s: Stream, factor: number): Stream => ({
  ...s,
  rps: s.rps * factor,
  clientOnlyFailureRps: s.clientOnlyFailureRps * factor,
});

/**
 * Two clusters with the same namespaces and workload names and different rates (west carries
 * 2.5 times east's traffic, and its checkout fails more), as Thanos or Mimir would hold them.
 */
export function twoClusters(): readonly ClusterData[] {
  const east = defaultScenario();
  const west: Scenario = {
    ...east,
    streams: east.streams.map((s) =>
      s.to.name === "checkout" ? { ...scaled(s, 2.5), serverFailureShare: 0.2 } : scaled(s, 2.5),
    ),
  };
  return [
    { cluster: "east", datacenter: "dc1", scenario: east },
    { cluster: "west", datacenter: "dc2", scenario: west },
  ];
}
