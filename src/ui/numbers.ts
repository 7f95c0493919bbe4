import { parseQuantity, type TrafficNumbers, trafficNumbers } from "../smi/metric-values";
import type { TrafficMetrics, TrafficMetricsSeries } from "../smi/schemas";
import { formatLatency, formatRps, formatSuccessRate } from "../smi/table";

/**
 * The page's numbers are the API's, read and written by the same functions as `kubectl get`, the
 * CLI's `top` and the reports (src/smi/table.ts): a row here says what they say.
 */
export { formatLatency, formatRps, formatSuccessRate };

export const numbersOf = (item: TrafficMetrics): TrafficNumbers => trafficNumbers(item);

/** The numbers of each point of a series: each point's window is the series' `window`. */
export function pointNumbers(series: TrafficMetricsSeries): TrafficNumbers[] {
  return series.points.map((point) =>
    trafficNumbers({
      ...series,
      kind: "TrafficMetrics",
      timestamp: point.timestamp,
      metrics: point.metrics,
    } as unknown as TrafficMetrics),
  );
}

/** Unix seconds of each point. */
export const pointTimes = (series: TrafficMetricsSeries): number[] =>
  series.points.map((p) => Date.parse(p.timestamp) / 1000);

/** Which object an item is about: `namespace/name`, to match an instant answer's items with a range's. */
export const keyOf = (item: { resource: { namespace?: string | undefined; name: string } }) =>
  `${item.resource.namespace ?? ""}/${item.resource.name}`;

/** A success rate in percent for charts: null without traffic, never a made-up 0 or 100. */
export const successPercent = (n: TrafficNumbers) =>
  n.requests > 0 ? (100 * n.successCount) / n.requests : null;

/** A metric's value as the API wrote it, for a share: a Quantity fraction. */
export function shareOf(metrics: TrafficMetrics["metrics"]): number | null {
  const text = metrics.find((m) => m.name === "traffic_share")?.value;
  return typeof text === "string" ? parseQuantity(text) : null;
}
