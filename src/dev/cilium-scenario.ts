import { defaultScenario, type L7Policy, type Scenario, type Workload } from "./scenario";

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

/**
 * The default traffic as Cilium reports it under L7 CiliumNetworkPolicies that differ by workload,
 * the conformance profile's scenario:
 * - frontend and checkout have L7 policy both ways: their calls to checkout, cart and api are seen
 *   by both reporters (each request twice in Prometheus, once per agent) and counted once;
 * - cart, idle, api and ledger have ingress policy only: api calls ledger unseen by api's agent;
 * - audit (a DaemonSet) has none, and ledger's calls to it leave L4 flows only.
 */
export function ciliumScenario(): Scenario {
  return withPolicies({
    frontend: BOTH,
    checkout: BOTH,
    cart: INGRESS,
    idle: INGRESS,
    api: INGRESS,
    ledger: INGRESS,
  });
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
