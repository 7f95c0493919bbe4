import { cumulativeShare, type LatencyMix, mixRanges } from "./scenario";

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

/** Observations per second spread evenly over (`from`, `to`], in the histogram's unit. */
export interface SpreadRange {
  readonly from: number;
  readonly to: number;
  readonly ratePerS: number;
}

/**
 * Where the parts' observations lie, each mix share over its range, in the histogram's unit
 * (`msPerUnit` ms each): what a native histogram is filled from. Empty ranges are left out.
 */
export function spreadRanges(parts: readonly HistogramPart[], msPerUnit: number): SpreadRange[] {
  return parts.flatMap(([rps, mix]) =>
    mixRanges(mix)
      .map(({ fromMs, toMs, share }) => ({
        from: fromMs / msPerUnit,
        to: toMs / msPerUnit,
        ratePerS: rps * share,
      }))
      .filter((range) => range.ratePerS > 0),
  );
}
