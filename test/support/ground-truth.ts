/**
 * Expected SMI numbers computed from the scenario's known rates, independently of the code under
 * test: counts are rate × window, quantiles come from this file's own implementation of
 * Prometheus' bucket interpolation over the expected bucket counts.
 */
import {
  COMMON_BOUNDS_MS,
  type LatencyMix,
  type Scenario,
  type Stream,
  type Workload,
} from "../../src/dev/scenario";

export interface Truth {
  readonly success: number;
  readonly failure: number;
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
}

/** A share of traffic: how many responses per second succeed and fail, and their latency mix. */
interface Part {
  readonly okRps: number;
  readonly failRps: number;
  readonly mixes: readonly { readonly rps: number; readonly mix: LatencyMix }[];
}

/**
 * Which responses a mesh counts as failures, besides 5xx and no response:
 * - `rule`: gRPC Unknown, DeadlineExceeded, Unimplemented, Internal, Unavailable, DataLoss (Istio);
 * - `linkerd`: the proxy's default gRPC failure codes (Unknown, DeadlineExceeded, PermissionDenied,
 *   Internal, Unavailable, DataLoss), as its `classification` label says;
 * - `envoy`: none, since Envoy's default stats (Consul) carry no gRPC status.
 */
export type FailureRule = "rule" | "linkerd" | "envoy";

const GRPC_FAILURES: Record<FailureRule, readonly number[]> = {
  rule: [2, 4, 12, 13, 14, 15],
  linkerd: [2, 4, 7, 13, 14, 15],
  envoy: [],
};

/** Share of a stream's responses that the server answered and the mesh calls failures. */
function failureShare(s: Stream, rule: FailureRule): number {
  return (
    s.serverFailureShare +
    s.grpc.filter((g) => GRPC_FAILURES[rule].includes(g.code)).reduce((sum, g) => sum + g.share, 0)
  );
}

/** What the server's proxy saw of a stream, scaled by `share` (one pod of several). */
function serverPart(s: Stream, share = 1, rule: FailureRule = "rule"): Part {
  const fail = failureShare(s, rule);
  return {
    okRps: s.rps * (1 - fail) * share,
    failRps: s.rps * fail * share,
    mixes: [{ rps: s.rps * share, mix: s.serverLatency }],
  };
}

/** What the client's proxy saw: the server's answers plus the requests that never got there. */
function clientPart(s: Stream, share = 1, rule: FailureRule = "rule"): Part {
  const fail = failureShare(s, rule);
  return {
    okRps: s.rps * (1 - fail) * share,
    failRps: (s.rps * fail + s.clientOnlyFailureRps) * share,
    mixes: [
      { rps: s.rps * share, mix: s.clientLatency },
      { rps: s.clientOnlyFailureRps * share, mix: s.clientOnlyFailureLatency },
    ],
  };
}

/**
 * Whether a workload's served requests are reported at L7: by its sidecar or its waypoint, or (in a
 * Cilium scenario) by its agent under an ingress L7 policy. An ambient workload with ztunnel only,
 * or a Cilium one no ingress L7 policy covers, has L4 series alone.
 */
export const servesL7 = (w: Workload) => w.l7Policy?.ingress ?? w.dataPlane !== "ztunnel";
/** Whether a workload's own proxy reports the requests it sends: a sidecar, or an egress L7 policy. */
const sendsL7 = (w: Workload) => w.l7Policy?.egress ?? w.dataPlane === "sidecar";

/**
 * Prometheus' classic-histogram quantile, written again from its documented behaviour: find the
 * bucket holding rank q·total, interpolate linearly inside it from the previous bound (0 for the
 * first bucket), and answer the last finite bound if the rank falls in +Inf.
 */
function interpolateQuantile(
  q: number,
  bounds: readonly number[],
  cumulative: readonly number[],
): number | null {
  const total = cumulative[cumulative.length - 1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  for (let i = 0; i < bounds.length; i++) {
    const upper = bounds[i] as number;
    const count = cumulative[i] as number;
    if (count >= rank) {
      if (upper === Infinity) return bounds[i - 1] as number;
      const lower = i === 0 ? 0 : (bounds[i - 1] as number);
      const below = i === 0 ? 0 : (cumulative[i - 1] as number);
      return lower + ((upper - lower) * (rank - below)) / (count - below);
    }
  }
  return null;
}

/**
 * Requests at or below `bound` ms, with each mix's share spread evenly over its interval (from the
 * common bound before it): what a histogram whose bounds are not all common bounds counts.
 */
function countAtOrBelow(parts: readonly Part[], bound: number): number {
  let sum = 0;
  for (const part of parts) {
    for (const { rps, mix } of part.mixes) {
      for (const { upTo, share } of mix) {
        const i = COMMON_BOUNDS_MS.indexOf(upTo);
        const lower = i <= 0 ? 0 : (COMMON_BOUNDS_MS[i - 1] as number);
        sum += rps * share * Math.min(1, Math.max(0, (bound - lower) / (upTo - lower)));
      }
    }
  }
  return sum;
}

/**
 * Sums parts over a window and derives the three quantiles, from buckets at the common bounds, or
 * at a histogram's own bounds (ms) when they are coarser (Linkerd's route-backend durations).
 */
function truthOf(parts: readonly Part[], windowS: number, bucketBoundsMs?: readonly number[]): Truth {
  const bounds = [...(bucketBoundsMs ?? COMMON_BOUNDS_MS), Infinity];
  const cumulative = bounds.map((bound) =>
    bound === Infinity ? countAtOrBelow(parts, 1e12) : countAtOrBelow(parts, bound),
  );
  return {
    success: parts.reduce((s, p) => s + p.okRps, 0) * windowS,
    failure: parts.reduce((s, p) => s + p.failRps, 0) * windowS,
    p50: interpolateQuantile(0.5, bounds, cumulative),
    p90: interpolateQuantile(0.9, bounds, cumulative),
    p99: interpolateQuantile(0.99, bounds, cumulative),
  };
}

export const NO_TRAFFIC: Truth = { success: 0, failure: 0, p50: null, p90: null, p99: null };

const same = (a: Workload | undefined, b: Workload) =>
  a !== undefined && a.namespace === b.namespace && a.name === b.name;

export function findWorkload(s: Scenario, namespace: string, name: string): Workload {
  const w = s.workloads.find((x) => x.namespace === namespace && x.name === name);
  if (!w) throw new Error(`no workload ${namespace}/${name} in the scenario`);
  return w;
}

/**
 * What a stream adds to its server's own numbers: what the server's proxy saw, where it reports. A
 * Cilium server no ingress L7 policy covers is seen only by its clients' egress policies, so there
 * its numbers are what they saw (Hubble's `reporter="client"`). Else nothing: L4 only.
 */
function servedPart(x: Stream, share: number, rule: FailureRule): Part | undefined {
  if (servesL7(x.to)) return serverPart(x, share, rule);
  const seenByClient = x.to.l7Policy !== undefined && x.from !== undefined && sendsL7(x.from);
  return seenByClient ? clientPart(x, share, rule) : undefined;
}

const servedParts = (streams: readonly Stream[], share: (x: Stream) => number, rule: FailureRule) =>
  streams.flatMap((x) => servedPart(x, share(x), rule) ?? []);

/** Traffic a workload served (resource metrics), as its sidecar, waypoint or agent reports it. */
export const workloadTruth = (s: Scenario, w: Workload, windowS: number, rule: FailureRule = "rule") =>
  truthOf(
    servedParts(
      s.streams.filter((x) => same(x.to, w)),
      () => 1,
      rule,
    ),
    windowS,
  );

/**
 * Traffic one pod served: each server pod gets an equal share. Only a sidecar or Hubble's agent
 * reports per pod: a waypoint's series carry the waypoint's own pod.
 */
export const podTruth = (s: Scenario, w: Workload, windowS: number, rule: FailureRule = "rule") =>
  truthOf(
    servedParts(
      s.streams.filter((x) => same(x.to, w) && w.dataPlane !== "waypoint"),
      () => 1 / w.pods.length,
      rule,
    ),
    windowS,
  );

/** Traffic all workloads of a namespace served. */
export const namespaceTruth = (s: Scenario, ns: string, windowS: number, rule: FailureRule = "rule") =>
  truthOf(
    servedParts(
      s.streams.filter((x) => x.to.namespace === ns),
      () => 1,
      rule,
    ),
    windowS,
  );

/** Traffic meshed clients sent to a service (client side). */
export const serviceClientTruth = (
  s: Scenario,
  ns: string,
  service: string,
  windowS: number,
  rule: FailureRule = "rule",
) =>
  truthOf(
    s.streams
      .filter((x) => x.from && x.to.namespace === ns && x.to.service === service)
      .map((x) => clientPart(x, 1, rule)),
    windowS,
  );

type Side = "client" | "server";

export interface EdgeTruth {
  readonly direction: "to" | "from";
  /** `namespace/name` of the peer, or the peer namespace for namespace edges. */
  readonly peer: string;
  /** The peer's kind as the API must name it (`deployments`, `statefulsets`, ...). */
  readonly kind: string;
  readonly side: Side;
  readonly truth: Truth;
}

/**
 * Which proxy measures each direction: fixed sides; Istio's reporters, where a request is read
 * at the client when the client has a sidecar, else at the server's sidecar or waypoint, and a
 * `from` edge always at the server; or Hubble's, where both directions are read at the server when
 * it reports (an ingress L7 policy), else at the client (an egress one).
 */
export type EdgeReading = { readonly to: Side; readonly from: Side } | "istio-reporters" | "server-first";

export interface EdgeTruthOptions {
  readonly side: EdgeReading;
  /**
   * How the mesh names a peer's kind: its own (Linkerd's `dst_statefulset`), the asked kind (Istio's
   * workload labels do not say), or `services` (Consul).
   */
  readonly peerKind: "own" | "asked" | "services";
  /** How the mesh names a peer: its workload name, or (Consul) its service name. */
  readonly peerName?: (w: Workload) => string;
  readonly rule?: FailureRule;
}

export const KIND_OF = {
  deployment: "deployments",
  statefulset: "statefulsets",
  daemonset: "daemonsets",
} as const;

/** The side a stream is measured on for an edge of `direction`, or undefined when nothing sees it. */
function sideOf(x: Stream, direction: "to" | "from", reading: EdgeReading): Side | undefined {
  if (reading === "server-first") {
    if (servesL7(x.to)) return "server";
    return x.from !== undefined && sendsL7(x.from) ? "client" : undefined;
  }
  if (reading !== "istio-reporters") return reading[direction];
  if (direction === "to" && x.from !== undefined && sendsL7(x.from)) return "client";
  return servesL7(x.to) ? "server" : undefined;
}

/** Edges grouped by peer and side: each stream is counted once, on the side that sees it. */
function groupEdges(
  direction: "to" | "from",
  streams: readonly Stream[],
  peerOf: (x: Stream) => { id: string; kind: string },
  options: EdgeTruthOptions,
  windowS: number,
): EdgeTruth[] {
  const groups = new Map<string, { peer: string; kind: string; side: Side; parts: Part[] }>();
  for (const x of streams) {
    const side = sideOf(x, direction, options.side);
    if (side === undefined) continue;
    const { id, kind } = peerOf(x);
    const key = `${id}|${kind}|${side}`;
    const group = groups.get(key) ?? { peer: id, kind, side, parts: [] };
    group.parts.push(side === "client" ? clientPart(x, 1, options.rule) : serverPart(x, 1, options.rule));
    groups.set(key, group);
  }
  return [...groups.values()].map(({ peer, kind, side, parts }) => ({
    direction,
    peer,
    kind,
    side,
    truth: truthOf(parts, windowS),
  }));
}

/** Edges of a workload, grouped by peer (`namespace/name`), as the mesh measures them. */
export function workloadEdgesTruth(s: Scenario, w: Workload, windowS: number, options: EdgeTruthOptions) {
  const peerName = options.peerName ?? ((x: Workload) => x.name);
  const kindOf = (peer: Workload) =>
    options.peerKind === "own"
      ? KIND_OF[peer.kind]
      : options.peerKind === "asked"
        ? KIND_OF[w.kind]
        : "services";
  const peer = (p: Workload) => ({ id: `${p.namespace}/${peerName(p)}`, kind: kindOf(p) });
  return [
    ...groupEdges(
      "to",
      s.streams.filter((x) => same(x.from, w)),
      (x) => peer(x.to),
      options,
      windowS,
    ),
    ...groupEdges(
      "from",
      s.streams.filter((x) => x.from !== undefined && same(x.to, w)),
      (x) => peer(x.from as Workload),
      options,
      windowS,
    ),
  ];
}

/** Edges between namespaces, each direction read on the side the mesh reads it. */
export function namespaceEdgesTruth(
  s: Scenario,
  ns: string,
  windowS: number,
  side: EdgeReading = { to: "client", from: "client" },
  rule: FailureRule = "rule",
): EdgeTruth[] {
  const meshed = s.streams.filter((x) => x.from !== undefined);
  const options: EdgeTruthOptions = { side, peerKind: "asked", rule };
  return [
    ...groupEdges(
      "to",
      meshed.filter((x) => x.from?.namespace === ns),
      (x) => ({ id: x.to.namespace, kind: "namespaces" }),
      options,
      windowS,
    ),
    ...groupEdges(
      "from",
      meshed.filter((x) => x.to.namespace === ns),
      (x) => ({ id: (x.from as Workload).namespace, kind: "namespaces" }),
      options,
      windowS,
    ),
  ];
}

/**
 * What the callers' proxies saw of a split's backend: the streams whose server `matches`, and with
 * `apexOnly` only those sent to the split's apex (a mesh that can tell) rather than every request
 * to the backend. `share` is the backend's requests over all the split's backends' requests.
 */
export function backendTruth(
  s: Scenario,
  matches: (stream: Stream) => boolean,
  windowS: number,
  options: { apex: string; apexOnly: boolean; rule?: FailureRule; bucketBoundsMs?: readonly number[] },
): Truth & { requests: number } {
  const streams = s.streams.filter(
    (x) => x.from !== undefined && matches(x) && (!options.apexOnly || x.via?.apex === options.apex),
  );
  const truth = truthOf(
    streams.map((x) => clientPart(x, 1, options.rule)),
    windowS,
    options.bucketBoundsMs,
  );
  return { ...truth, requests: truth.success + truth.failure };
}
