import { changeStreams, MOVES, type MovingScenario, movingScenario } from "./moving-scenario";
import { defaultScenario, type L7Policy, type Scenario, SLOW, type Stream, type Workload } from "./scenario";

const BOTH: L7Policy = { ingress: true, egress: true };
const INGRESS: L7Policy = { ingress: true, egress: false };
const EGRESS: L7Policy = { ingress: false, egress: true };
const NONE: L7Policy = { ingress: false, egress: false };

/** The default scenario's traffic under the given L7 policies, by workload name. */
function withPolicies(policies: Readonly<Record<string, L7Policy>>): Scenario {
  const base = defaultScenario();
  const covered = (w: Workload): Workload => ({ ...w, l7Policy: policies[w.name] ?? NONE });
  return {
    ...base,
    workloads: base.workloads.map(covered),
    streams: base.streams.map((x) => ({ ...x, from: x.from && covered(x.from), to: covered(x.to) })),
  };
}

/** ciliumScenario's policies. */
const POLICIES: Readonly<Record<string, L7Policy>> = {
  frontend: BOTH,
  checkout: BOTH,
  cart: INGRESS,
  idle: INGRESS,
  api: INGRESS,
  ledger: INGRESS,
};

/**
 * The default traffic as Cilium reports it under L7 CiliumNetworkPolicies that differ by workload,
 * the conformance profile's scenario:
 * - frontend and checkout have L7 policy both ways: their calls to checkout, cart and api are seen
 *   by both reporters (each request twice in Prometheus, once per agent) and counted once;
 * - cart, idle, api and ledger have ingress policy only: api calls ledger unseen by api's agent;
 * - audit (a DaemonSet) has none, and ledger's calls to it leave L4 flows only.
 */
export function ciliumScenario(): Scenario {
  return withPolicies(POLICIES);
}

/**
 * The same traffic where servers have no ingress policy and clients do have egress policies: api
 * (called by frontend and checkout) and cart are seen only by their clients' agents, so their own
 * numbers and edges are client-side; ledger is seen by nobody (api has no egress policy) and audit,
 * called by ledger's egress, at the client.
 */
export function ciliumEgressScenario(): Scenario {
  return withPolicies({
    frontend: BOTH,
    checkout: EGRESS,
    cart: NONE,
    idle: INGRESS,
    api: NONE,
    ledger: EGRESS,
  });
}

/**
 * Cilium's moving data: `movingScenario` over ciliumScenario's traffic and policies, except that
 * cart has no L7 policy, so frontend's calls to it are seen only by frontend's agent (its egress
 * policy) and read at the client. Those calls move too, at the default moves' times: they double
 * with frontend's calls to checkout (`MOVES.step`) and get `SLOW` with checkout (`MOVES.slower`),
 * so range answers follow a client-read pair over time beside the server-read and double-read ones.
 */
export function ciliumMovingScenario(): MovingScenario {
  const moving = movingScenario(withPolicies({ ...POLICIES, cart: NONE }));
  const toCart = (x: Stream) =>
    x.from?.name === "frontend" && x.to.namespace === "shop" && x.to.name === "cart";
  const phase = (at: number, base: Scenario): Scenario => {
    let s = base;
    if (at >= MOVES.step) s = changeStreams(s, toCart, (x) => ({ rps: x.rps * 2 }));
    if (at >= MOVES.slower)
      s = changeStreams(s, toCart, () => ({ serverLatency: SLOW, clientLatency: SLOW }));
    return s;
  };
  return {
    ...moving,
    segments: moving.segments.map(({ fromS, scenario }) => ({
      fromS,
      scenario: phase(fromS - moving.startS, scenario),
    })),
  };
}
