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

/** What the server's proxy saw of a stream, scaled by `share` (one pod of several). */
export function serverPart(s: Stream, share = 1): Part {
  return {
    okRps: s.rps * (1 - s.serverFailureShare) * share,
    failRps: s.rps * s.serverFailureShare * share,
    mixes: [{ rps: s.rps * share, mix: s.serverLatency }],
  };
}

/** What the client's proxy saw: the server's answers plus the requests that never got there. */
export function clientPart(s: Stream, share = 1): Part {
  return {
    okRps: s.rps * (1 - s.serverFailureShare) * share,
    failRps: (s.rps * s.serverFailureShare + s.clientOnlyFailureRps) * share,
    mixes: [
      { rps: s.rps * share, mix: s.clientLatency },
      { rps: s.clientOnlyFailureRps * share, mix: s.clientOnlyFailureLatency },
    ],
  };
}

/**
 * Prometheus' classic-histogram quantile, written again from its documented behaviour: find the
 * bucket holding rank q·total, interpolate linearly inside it from the previous bound (0 for the
 * first bucket), and answer the last finite bound if the rank falls in +Inf.
 */
export function interpolateQuantile(
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

/** Sums parts over a window and derives the three quantiles. */
export function truthOf(parts: readonly Part[], windowS: number): Truth {
  const bounds = [...COMMON_BOUNDS_MS, Infinity];
  const cumulative = bounds.map((bound) => {
    let sum = 0;
    for (const part of parts) {
      for (const { rps, mix } of part.mixes) {
        for (const { upTo, share } of mix) if (upTo <= bound) sum += rps * share;
      }
    }
    return sum;
  });
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

/** Traffic a workload served (resource metrics, server side). */
export const workloadTruth = (s: Scenario, w: Workload, windowS: number) =>
  truthOf(
    s.streams.filter((x) => same(x.to, w)).map((x) => serverPart(x)),
    windowS,
  );

/** Traffic one pod served: each server pod gets an equal share. */
export const podTruth = (s: Scenario, w: Workload, windowS: number) =>
  truthOf(
    s.streams.filter((x) => same(x.to, w)).map((x) => serverPart(x, 1 / w.pods.length)),
    windowS,
  );

/** Traffic all workloads of a namespace served. */
export const namespaceTruth = (s: Scenario, ns: string, windowS: number) =>
  truthOf(
    s.streams.filter((x) => x.to.namespace === ns).map((x) => serverPart(x)),
    windowS,
  );

/** Traffic meshed clients sent to a service (client side). */
export const serviceClientTruth = (s: Scenario, ns: string, service: string, windowS: number) =>
  truthOf(
    s.streams
      .filter((x) => x.from && x.to.namespace === ns && x.to.service === service)
      .map((x) => clientPart(x)),
    windowS,
  );

export interface EdgeTruth {
  readonly direction: "to" | "from";
  readonly peer: string;
  readonly truth: Truth;
}

export interface EdgeTruthOptions {
  /** Which proxy measured each direction. */
  readonly side: { readonly to: "client" | "server"; readonly from: "client" | "server" };
  /**
   * Meshes whose labels name the workload kind (Linkerd's `dst_deployment`) only see peers of the
   * same kind; meshes with kind-less workload labels (Istio) see every peer.
   */
  readonly sameKindPeers: boolean;
  /** How the mesh names a peer: its workload name, or (Consul) its service name. */
  readonly peerName?: (w: Workload) => string;
}

/** Edges of a workload, grouped by peer (`namespace/name`), as the mesh measures them. */
export function workloadEdgesTruth(s: Scenario, w: Workload, windowS: number, options: EdgeTruthOptions) {
  const { side, sameKindPeers } = options;
  const peerName = options.peerName ?? ((x: Workload) => x.name);
  const part = (x: Stream, which: "client" | "server") =>
    which === "client" ? clientPart(x) : serverPart(x);
  const edges: EdgeTruth[] = [];
  const group = (direction: "to" | "from", streams: Stream[], peerOf: (x: Stream) => Workload) => {
    const byPeer = new Map<string, Stream[]>();
    for (const x of streams) {
      const peer = peerOf(x);
      if (sameKindPeers && peer.kind !== w.kind) continue;
      const id = `${peer.namespace}/${peerName(peer)}`;
      byPeer.set(id, [...(byPeer.get(id) ?? []), x]);
    }
    for (const [peer, list] of byPeer) {
      edges.push({
        direction,
        peer,
        truth: truthOf(
          list.map((x) => part(x, side[direction])),
          windowS,
        ),
      });
    }
  };
  group(
    "to",
    s.streams.filter((x) => same(x.from, w)),
    (x) => x.to,
  );
  group(
    "from",
    s.streams.filter((x) => x.from !== undefined && same(x.to, w)),
    (x) => x.from as Workload,
  );
  return edges;
}

/** Edges between namespaces, each direction read on the given side. */
export function namespaceEdgesTruth(
  s: Scenario,
  ns: string,
  windowS: number,
  side: EdgeTruthOptions["side"] = { to: "client", from: "client" },
): EdgeTruth[] {
  const part = (x: Stream, which: "client" | "server") =>
    which === "client" ? clientPart(x) : serverPart(x);
  const edges: EdgeTruth[] = [];
  const meshed = s.streams.filter((x) => x.from !== undefined);
  const peersTo = new Set(meshed.filter((x) => x.from?.namespace === ns).map((x) => x.to.namespace));
  for (const peer of peersTo) {
    const list = meshed.filter((x) => x.from?.namespace === ns && x.to.namespace === peer);
    edges.push({
      direction: "to",
      peer,
      truth: truthOf(
        list.map((x) => part(x, side.to)),
        windowS,
      ),
    });
  }
  const peersFrom = new Set(
    meshed.filter((x) => x.to.namespace === ns).map((x) => x.from?.namespace as string),
  );
  for (const peer of peersFrom) {
    const list = meshed.filter((x) => x.to.namespace === ns && x.from?.namespace === peer);
    edges.push({
      direction: "from",
      peer,
      truth: truthOf(
        list.map((x) => part(x, side.from)),
        windowS,
      ),
    });
  }
  return edges;
}
