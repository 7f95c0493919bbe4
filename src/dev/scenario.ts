/**
 * A synthetic mesh with known traffic: the ground truth the demo, the tests and the benchmark
 * write out as each mesh's own series. Every number is a constant rate, so counters grow
 * linearly and `increase()` over any window inside the data is exact.
 */

/** Upper bounds every supported mesh's default histogram has (Linkerd's and Envoy's share these). */
export const COMMON_BOUNDS_MS = [1, 5, 10, 50, 100, 500, 1000, 5000, 10000, 30000] as const;
type CommonBound = (typeof COMMON_BOUNDS_MS)[number];

/**
 * Share of requests whose latency lies in (previous common bound, `upTo`], spread evenly inside.
 * Because every mesh's buckets refine the common bounds, each mesh's `histogram_quantile`
 * interpolates to the same value, which makes one expectation hold for every mesh.
 */
export type LatencyMix = readonly { readonly upTo: CommonBound; readonly share: number }[];

export type WorkloadKind = "deployment" | "statefulset" | "daemonset";

/**
 * How a workload joins an Istio mesh: a `sidecar`, or ambient mode behind a `waypoint` (L7 at the
 * waypoint) or with `ztunnel` only (L4 only). Other meshes always run sidecars.
 */
export type DataPlane = "sidecar" | "waypoint" | "ztunnel";

/**
 * Cilium: which directions an L7 CiliumNetworkPolicy covers for a workload's pods, so Hubble reports
 * their HTTP requests: `ingress` at the server's agent (`reporter="server"`), `egress` at the
 * client's (`reporter="client"`). Neither: L4 flows only.
 */
export interface L7Policy {
  readonly ingress: boolean;
  readonly egress: boolean;
}

export interface Workload {
  readonly namespace: string;
  readonly name: string;
  readonly kind: WorkloadKind;
  readonly pods: readonly string[];
  readonly service: string;
  readonly serviceAccount: string;
  readonly dataPlane: DataPlane;
  /**
   * The pods' `version` label: Istio's `destination_version`, and the Consul subset that selects
   * them. Backends that are subsets of one service share `service` and differ here.
   */
  readonly version: string;
  /**
   * Cilium only, and only in Cilium's scenarios: its L7 policy. Unset, Cilium's writer reads the data
   * plane (a sidecar both ways, a waypoint ingress, ztunnel neither); the other writers ignore it.
   */
  readonly l7Policy?: L7Policy;
}

/**
 * A request sent to a split's apex Service and routed to the stream's server: it counts as the
 * apex's traffic, where the mesh can tell. `route` names the HTTPRoute that routed it, when one did
 * (Linkerd then reports it in its route-backend families).
 */
interface Via {
  readonly namespace: string;
  readonly apex: string;
  readonly port: number;
  readonly route?: { readonly kind: "HTTPRoute"; readonly name: string };
}

/** A gRPC status and the share of a stream's responses that carry it (behind HTTP 200). */
interface GrpcShare {
  readonly code: number;
  readonly share: number;
}

export interface Stream {
  /** Client workload, or undefined for traffic from outside the mesh. */
  readonly from: Workload | undefined;
  readonly to: Workload;
  /** Requests per second that reached the server. */
  readonly rps: number;
  /** Share of server responses that are 5xx. */
  readonly serverFailureShare: number;
  /** Share of server responses that are 404s: successes, since the server answered correctly. */
  readonly notFoundShare: number;
  /** Requests per second that failed at the client and never reached the server. */
  readonly clientOnlyFailureRps: number;
  /**
   * A gRPC stream: every response is HTTP 200, and these shares carry a status other than OK.
   * Empty for plain HTTP.
   */
  readonly grpc: readonly GrpcShare[];
  readonly serverLatency: LatencyMix;
  /** What the client's proxy measured for requests that reached the server. */
  readonly clientLatency: LatencyMix;
  /** Latency the client measured for its own failures (connect timeouts and the like). */
  readonly clientOnlyFailureLatency: LatencyMix;
  /** Sent to a split's apex and routed here; absent for a request addressed to the server itself. */
  readonly via?: Via;
}

export interface Scenario {
  readonly workloads: readonly Workload[];
  readonly streams: readonly Stream[];
  /** First and last sample, Unix seconds, and the spacing of samples. */
  readonly startS: number;
  readonly endS: number;
  readonly stepS: number;
}

/** The instant the data ends: the `time` that shows the whole scenario. */
export const scenarioEnd = (s: Scenario) => new Date(s.endS * 1000);

/** The pod-template-hash a Deployment's pods carry in their names and labels. */
export const POD_TEMPLATE_HASH = "5d8f9c6b7";

export function workload(
  namespace: string,
  name: string,
  kind: WorkloadKind,
  podCount: number,
  options: { service?: string; dataPlane?: DataPlane; version?: string; l7Policy?: L7Policy } = {},
): Workload {
  const pods = Array.from({ length: podCount }, (_, i) =>
    kind === "deployment"
      ? `${name}-${POD_TEMPLATE_HASH}-${i.toString(36).padStart(5, "x")}`
      : `${name}-${i}`,
  );
  return {
    namespace,
    name,
    kind,
    pods,
    service: options.service ?? name,
    serviceAccount: name,
    dataPlane: options.dataPlane ?? "sidecar",
    version: options.version ?? "v1",
    ...(options.l7Policy === undefined ? {} : { l7Policy: options.l7Policy }),
  };
}

type StreamOptions = Partial<Omit<Stream, "from" | "to">> & { rps: number };

/** A stream with no failures or 404s, the same latency at both ends, unless `rest` says otherwise. */
export function stream(from: Workload | undefined, to: Workload, rest: StreamOptions): Stream {
  return {
    from,
    to,
    serverFailureShare: 0,
    notFoundShare: 0,
    clientOnlyFailureRps: 0,
    grpc: [],
    serverLatency: FAST,
    clientLatency: rest.serverLatency ?? FAST,
    clientOnlyFailureLatency: TIMEOUTS,
    ...rest,
  };
}

const FAST: LatencyMix = [
  { upTo: 1, share: 0.1 },
  { upTo: 5, share: 0.3 },
  { upTo: 10, share: 0.3 },
  { upTo: 50, share: 0.25 },
  { upTo: 100, share: 0.05 },
];
export const MEDIUM: LatencyMix = [
  { upTo: 10, share: 0.2 },
  { upTo: 50, share: 0.5 },
  { upTo: 100, share: 0.2 },
  { upTo: 500, share: 0.08 },
  { upTo: 1000, share: 0.02 },
];
export const SLOW: LatencyMix = [
  { upTo: 50, share: 0.1 },
  { upTo: 100, share: 0.3 },
  { upTo: 500, share: 0.4 },
  { upTo: 1000, share: 0.15 },
  { upTo: 5000, share: 0.05 },
];
const TIMEOUTS: LatencyMix = [
  { upTo: 5000, share: 0.5 },
  { upTo: 10000, share: 0.5 },
];

/**
 * The gRPC statuses of the scenario's gRPC stream: Unavailable (a failure for every rule), NotFound
 * (a success for every rule), PermissionDenied (a failure only for Linkerd's proxy) and
 * Unimplemented (a failure only for the rule the README states). On Linkerd they make 10% failures.
 */
const LEDGER_GRPC: readonly GrpcShare[] = [
  { code: 14, share: 0.06 },
  { code: 5, share: 0.05 },
  { code: 7, share: 0.04 },
  { code: 12, share: 0.03 },
];

/**
 * The shared scenario: two namespaces, deployments calling statefulsets and a statefulset calling a
 * daemonset, traffic from outside the mesh, cross-namespace calls, server failures, 404s, a gRPC
 * stream, client-only failures and an idle workload whose series exist but do not move.
 */
export function defaultScenario(): Scenario {
  const frontend = workload("shop", "frontend", "deployment", 2);
  const checkout = workload("shop", "checkout", "deployment", 2);
  const cart = workload("shop", "cart", "statefulset", 1);
  const idle = workload("shop", "idle", "deployment", 1);
  const api = workload("payments", "api", "deployment", 2, { service: "payments-api" });
  const ledger = workload("payments", "ledger", "statefulset", 1);
  const audit = workload("payments", "audit", "daemonset", 1);
  const s = stream;
  return {
    workloads: [frontend, checkout, cart, idle, api, ledger, audit],
    streams: [
      s(undefined, frontend, { rps: 10, serverFailureShare: 0.01, notFoundShare: 0.05 }),
      s(frontend, checkout, { rps: 4, serverFailureShare: 0.02, serverLatency: MEDIUM, clientLatency: SLOW }),
      s(frontend, cart, { rps: 6, notFoundShare: 0.1 }),
      s(checkout, api, {
        rps: 2,
        serverFailureShare: 0.05,
        clientOnlyFailureRps: 0.5,
        serverLatency: MEDIUM,
        clientLatency: SLOW,
      }),
      s(frontend, api, { rps: 1, serverLatency: SLOW }),
      s(api, ledger, { rps: 3, grpc: LEDGER_GRPC, serverLatency: MEDIUM }),
      s(ledger, audit, { rps: 0.5 }),
      s(undefined, idle, { rps: 0 }),
    ],
    startS: 1_764_000_000,
    endS: 1_764_000_000 + 15 * 60,
    stepS: 15,
  };
}

/**
 * The same traffic, moved in time to end at `endS` (rounded down to the scenario's step), so data
 * can cover "now" for clients that cannot give a `time` (kubectl, `/readyz`).
 */
export function endingAt(s: Scenario, endS: number): Scenario {
  const end = Math.floor(endS / s.stepS) * s.stepS;
  return { ...s, startS: end - (s.endS - s.startS), endS: end };
}

/**
 * The same traffic, as it would look to a client asking "now" for a while: its usual span before
 * `nowS`, then on for `aheadS` more, so queries without a time keep finding it (Prometheus serves
 * the future samples of a backfilled block only once their time has come).
 */
export function liveFrom(s: Scenario, nowS: number, aheadS: number): Scenario {
  const now = Math.floor(nowS / s.stepS) * s.stepS;
  return { ...s, startS: now - (s.endS - s.startS), endS: now + aheadS };
}

/** One share of a mix with the range it spreads evenly over: (`fromMs`, `toMs`]. */
interface MixRange {
  readonly fromMs: number;
  readonly toMs: number;
  readonly share: number;
}

/**
 * A mix's shares with their ranges, (previous common bound, `upTo`] each: the one reading of a mix
 * that classic buckets and native histograms are both filled from.
 */
export function mixRanges(mix: LatencyMix): MixRange[] {
  return mix.map(({ upTo, share }) => {
    const index = COMMON_BOUNDS_MS.indexOf(upTo);
    return { fromMs: index <= 0 ? 0 : (COMMON_BOUNDS_MS[index - 1] as number), toMs: upTo, share };
  });
}

/**
 * Cumulative share of requests at or below `bound` ms for a mix, assuming requests spread
 * evenly inside each interval. This is how writers fill any mesh's finer buckets.
 */
export function cumulativeShare(mix: LatencyMix, bound: number): number {
  let total = 0;
  for (const { fromMs, toMs, share } of mixRanges(mix)) {
    total += share * Math.min(1, Math.max(0, (bound - fromMs) / (toMs - fromMs)));
  }
  return total;
}
