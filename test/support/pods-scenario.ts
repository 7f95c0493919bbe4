import { type LatencyMix, type Scenario, type Stream, type Workload, workload } from "../../src/dev/scenario";

/**
 * No quantile of 0.5, 0.9 or 0.99 falls on a bucket bound (cumulative 0.3, 0.6, 0.85, 1): where
 * one does, float noise in the rates decides between the two ends of an empty bucket, for
 * Prometheus and for us alike, and a test against exact arithmetic could not tell right from wrong.
 */
const MIX: LatencyMix = [
  { upTo: 5, share: 0.3 },
  { upTo: 10, share: 0.3 },
  { upTo: 50, share: 0.25 },
  { upTo: 500, share: 0.15 },
];

function stream(from: Workload | undefined, to: Workload, rps: number): Stream {
  return {
    from,
    to,
    rps,
    serverFailureShare: 0.02,
    notFoundShare: 0.01,
    clientOnlyFailureRps: 0,
    grpc: [],
    serverLatency: MIX,
    clientLatency: MIX,
    clientOnlyFailureLatency: MIX,
  };
}

/**
 * A large mesh for the benchmark and the Lambda-limit tests: namespace `bench` holds `pods` pods in
 * deployments of up to 10, each pod serving 1 request/s from outside the mesh; namespace `edges`
 * holds a hub deployment with 200 peers calling it and called by it.
 */
export function podsScenario(pods: number): Scenario {
  const apps = Array.from({ length: Math.ceil(pods / 10) }, (_, i) =>
    workload("bench", `app-${i}`, "deployment", Math.min(10, pods - i * 10)),
  );
  const hub = workload("edges", "hub", "deployment", 2);
  const peers = Array.from({ length: 200 }, (_, i) => workload("edges", `peer-${i}`, "deployment", 1));
  return {
    workloads: [...apps, hub, ...peers],
    streams: [
      ...apps.map((app) => stream(undefined, app, app.pods.length)),
      ...peers.map((peer) => stream(hub, peer, 1)),
      ...peers.map((peer) => stream(peer, hub, 1)),
    ],
    startS: 1_764_000_000,
    endS: 1_764_000_000 + 120,
    stepS: 30,
  };
}

/**
 * For the range benchmark: namespace `bench` holds `count` deployments of one pod each, each serving
 * 1 request/s from outside the mesh, from `startS` to `endS` every `stepS`.
 */
export function workloadsScenario(count: number, startS: number, endS: number, stepS: number): Scenario {
  const apps = Array.from({ length: count }, (_, i) => workload("bench", `app-${i}`, "deployment", 1));
  return { workloads: apps, streams: apps.map((app) => stream(undefined, app, 1)), startS, endS, stepS };
}
