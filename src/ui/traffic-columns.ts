import type { TrafficNumbers } from "../smi/metric-values";
import type { TrafficMetrics } from "../smi/schemas";
import { formatLatency, formatRps, formatSuccessRate, numbersOf } from "./numbers";
import type { Column } from "./table";

/**
 * The columns of an answer item's numbers for a table whose rows each hold one item (`itemOf`):
 * every view heads, prints and sorts a side, a success rate, an RPS or a latency the same way, and
 * prints it as `kubectl get` and the CLI do. A view picks the ones it shows, in its own order.
 */
export function trafficColumns<Row>(itemOf: (row: Row) => TrafficMetrics) {
  const n = (row: Row) => numbersOf(itemOf(row));
  const latency = (label: string, ms: (n: TrafficNumbers) => number | null): Column<Row> => ({
    label,
    numeric: true,
    cell: (r) => formatLatency(ms(n(r))),
    sort: (r) => ms(n(r)),
  });
  return {
    side: {
      label: "Side",
      cell: (r) => itemOf(r).edge.side ?? "-",
      sort: (r) => itemOf(r).edge.side ?? "",
    },
    success: {
      label: "Success",
      numeric: true,
      cell: (r) => formatSuccessRate(n(r)),
      sort: (r) => n(r).successRate,
    },
    rps: {
      label: "RPS",
      numeric: true,
      cell: (r) => formatRps(n(r).requestsPerSecond),
      sort: (r) => n(r).requestsPerSecond,
    },
    p50: latency("P50", (x) => x.p50Ms),
    p90: latency("P90", (x) => x.p90Ms),
    p99: latency("P99", (x) => x.p99Ms),
  } satisfies Record<string, Column<Row>>;
}
