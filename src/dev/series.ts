import type { MeshName } from "../mesh/select";
import { linkerdSeries } from "./linkerd-series";
import type { OpenMetricsBuilder } from "./openmetrics";
import type { Scenario } from "./scenario";

/** Each mesh's way of writing a scenario as the series its proxies would leave in Prometheus. */
const WRITERS: Record<MeshName, (s: Scenario) => OpenMetricsBuilder> = {
  linkerd: linkerdSeries,
};

export const seriesWriter = (mesh: MeshName) => WRITERS[mesh];
