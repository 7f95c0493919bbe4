import type { MeshName } from "../mesh/select";
import { ciliumSeries } from "./cilium-series";
import { consulSeries } from "./consul-series";
import { istioSeries } from "./istio-series";
import { linkerdSeries } from "./linkerd-series";
import { OpenMetricsBuilder, type SeriesSink, type WriterOptions } from "./openmetrics";
import type { Scenario } from "./scenario";
import type { ClusterData } from "./scenarios";

/** Writes a scenario into a sink, as a mesh's proxies would leave it in Prometheus. */
type Writer = <S extends SeriesSink>(s: Scenario, sink: S, o?: WriterOptions) => S;

/** Each mesh's way of writing a scenario as the series its proxies would leave in Prometheus. */
const WRITERS: Record<MeshName, Writer> = {
  linkerd: linkerdSeries,
  istio: istioSeries,
  consul: consulSeries,
  cilium: ciliumSeries,
};

export const seriesWriter = (mesh: MeshName) => (s: Scenario) => WRITERS[mesh](s, new OpenMetricsBuilder());

/**
 * Writes a scenario as `mesh` does into any sink: a builder to backfill, or the series a live
 * scrape target serves.
 */
export const writeSeries = <S extends SeriesSink>(mesh: MeshName, s: Scenario, sink: S): S =>
  WRITERS[mesh](s, sink);

/** Every mesh's series for one scenario in one builder: their metric names do not overlap. */
export function allMeshSeries(
  scenario: Scenario,
  om = new OpenMetricsBuilder(),
  options: WriterOptions = {},
) {
  for (const write of Object.values(WRITERS)) write(scenario, om, options);
  return om;
}

/** Every mesh's series for several clusters in one builder, each behind its `cluster` label. */
export function clusterSeries(clusters: readonly ClusterData[]): OpenMetricsBuilder {
  const om = new OpenMetricsBuilder();
  for (const { cluster, datacenter, scenario } of clusters)
    allMeshSeries(scenario, om, { cluster, datacenter });
  return om;
}
