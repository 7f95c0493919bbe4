import { cumulativeShare, type LatencyMix } from "./scenario";

/** Envoy's default histogram bounds (ms), used by Istio and Consul sidecars alike. */
export const ENVOY_BOUNDS_MS = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000,
  3600000,
];

/** Part of a histogram's traffic: requests per second and how their latencies are spread. */
export type HistogramPart = readonly [rps: number, mix: LatencyMix];

/**
 * The cumulative rate of each classic bucket for traffic made of parts: one per bound (ms), then
 * `Infinity` for `+Inf`. A backfill writes them as `_bucket` counters; a scrape target as a
 * classic histogram's buckets.
 */
export function classicBucketRates(
  bounds: readonly number[],
  parts: readonly HistogramPart[],
): (readonly [le: number, ratePerS: number])[] {
  return [...bounds, Infinity].map((le) => [
    le,
    parts.reduce((sum, [rps, mix]) => sum + rps * (le === Infinity ? 1 : cumulativeShare(mix, le)), 0),
  ]);
}
