import type { SeriesLabels, SeriesSink } from "./openmetrics";
import { cumulativeShare, type LatencyMix } from "./scenario";

/** Envoy's default histogram bounds (ms), used by Istio and Consul sidecars alike. */
export const ENVOY_BOUNDS_MS = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000,
  3600000,
];

/**
 * Writes one cumulative bucket series per bound (and +Inf) for traffic made of parts, each a
 * rate and the latency mix of that rate. Bounds are in ms; `msPerUnit` writes `le` in another
 * unit (1000 for a histogram in seconds).
 */
export function histogramSeries(
  om: SeriesSink,
  name: string,
  labels: SeriesLabels,
  bounds: readonly number[],
  parts: readonly (readonly [rps: number, mix: LatencyMix])[],
  msPerUnit = 1,
): void {
  for (const le of [...bounds, Infinity]) {
    const rate = parts.reduce(
      (sum, [rps, mix]) => sum + rps * (le === Infinity ? 1 : cumulativeShare(mix, le)),
      0,
    );
    om.counter(name, { ...labels, le: le === Infinity ? "+Inf" : String(le / msPerUnit) }, rate);
  }
}
