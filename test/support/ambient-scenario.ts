import type { Scenario } from "../../src/dev/scenario";
import { ambientScenario } from "../../src/dev/scenarios";

/**
 * Istio ambient without a single waypoint: every workload of the ambient scenario has ztunnel's L4
 * series only, the set-up whose zeros must say that HTTP numbers need a waypoint.
 */
export function ambientWithoutWaypoints(): Scenario {
  const s = ambientScenario();
  const l4 = <T extends { dataPlane: string }>(w: T) => ({ ...w, dataPlane: "ztunnel" as const });
  return {
    ...s,
    workloads: s.workloads.map(l4),
    streams: s.streams.map((x) => ({ ...x, from: x.from && l4(x.from), to: l4(x.to) })),
  };
}
