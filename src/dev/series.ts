import type { MeshName } from "../mesh/select";
import { consulSeries } from "./consul-series";
import { istioSeries } from "./istio-series";
import { linkerdSeries } from "./linkerd-series";
import type { OpenMetricsBuilder } from "./openmetrics";
import type { Scenario } from "./scenario";

/** Each mesh's way of writing a scenario as the series its proxies would leave in Prometheus. */
const WRITERS: Record<MeshName, (s: Scenario) => OpenMetricsBuilder> = {
  linkerd: linkerdSeries,
  istio: istioSeries,
  consul: consulSeries,
};

export const seriesWriter = (mesh: MeshName) => WRITERS[mesh];

/** Every mesh's series for one scenario in one builder: their metric names do not overlap. */
export function allMeshSeries(scenario: Scenario): OpenMetricsBuilder {
  const om = linkerdSeries(scenario);
  istioSeries(scenario, om);
  consulSeries(scenario, om);
  return om;
}
