import { trafficNumbers } from "../smi/metric-values";
import type { TrafficMetrics, TrafficMetricsSeries, TrafficMetricsSeriesList } from "../smi/schemas";
import { formatLatency, formatRps, formatSuccessRate } from "../smi/table";
import { layoutTable } from "./layout";
import { sparkline } from "./sparkline";

/** What `history` prints: one series, or a split's series (one per backend). */
export type SeriesAnswer = TrafficMetricsSeries | TrafficMetricsSeriesList;

/** One point read as a person reads it: its time and numbers, formatted as `top` formats them. */
interface Row {
  readonly time: string;
  readonly cells: readonly string[];
  readonly successRate: number | null;
  readonly rps: number | null;
  readonly p99Ms: number | null;
}

/**
 * A point as the instant answer at its time would be: the series' fields with the point's
 * timestamp and metrics, so the numbers are read (and formatted) exactly as `top` reads them.
 */
function pointObject(
  series: TrafficMetricsSeries,
  point: TrafficMetricsSeries["points"][number],
): TrafficMetrics {
  const { points: _p, start: _s, end: _e, step: _st, kind: _k, ...fields } = series;
  return { ...fields, kind: "TrafficMetrics", timestamp: point.timestamp, metrics: point.metrics };
}

function rowsOf(series: TrafficMetricsSeries): Row[] {
  return series.points.map((point) => {
    const n = trafficNumbers(pointObject(series, point));
    return {
      time: point.timestamp,
      cells: [
        formatSuccessRate(n),
        formatRps(n.requestsPerSecond),
        formatLatency(n.p50Ms),
        formatLatency(n.p90Ms),
        formatLatency(n.p99Ms),
      ],
      successRate: n.successRate,
      rps: n.requestsPerSecond,
      p99Ms: n.p99Ms,
    };
  });
}

/**
 * A sparkline with the values it spans, as the table prints them (cells), so its lowest and
 * highest character can be read as numbers.
 */
function sparkLine(values: readonly (number | null)[], cells: readonly string[]): string {
  const present = values.flatMap((v, i) => (v === null ? [] : [{ v, cell: cells[i] ?? "" }]));
  if (present.length === 0) return `${sparkline(values)}  no traffic`;
  const sorted = [...present].sort((a, b) => a.v - b.v);
  const [min, max] = [sorted[0], sorted.at(-1)] as [{ v: number; cell: string }, { v: number; cell: string }];
  return `${sparkline(values)}  ${min.v === max.v ? min.cell : `${min.cell} .. ${max.cell}`}`;
}

/** Which series this is: the resource, and for a split its backend. */
function titleOf(series: TrafficMetricsSeries): string {
  const { resource: r, backend, edge } = series;
  const name = r.namespace === undefined ? r.name : `${r.namespace}/${r.name}`;
  const of = backend === undefined ? "" : `, backend ${backend.name} (weight ${backend.weight})`;
  const side = edge.side === undefined ? "" : `, measured at the ${edge.side}`;
  return `${r.kind} ${name}${of}${side}: every ${series.step}, each point the ${series.window} ending at its TIME`;
}

function renderSeries(series: TrafficMetricsSeries, sparklines: boolean): string {
  const rows = rowsOf(series);
  const table = layoutTable([
    ["TIME", "SUCCESS", "RPS", "LATENCY_P50", "LATENCY_P90", "LATENCY_P99"],
    ...rows.map((row) => [row.time, ...row.cells]),
  ]);
  if (!sparklines) return `${titleOf(series)}\n\n${table}`;
  const sparks = layoutTable([
    [
      "SUCCESS",
      sparkLine(
        rows.map((r) => r.successRate),
        rows.map((r) => r.cells[0] ?? ""),
      ),
    ],
    [
      "RPS",
      sparkLine(
        rows.map((r) => r.rps),
        rows.map((r) => r.cells[1] ?? ""),
      ),
    ],
    [
      "P99",
      sparkLine(
        rows.map((r) => r.p99Ms),
        rows.map((r) => r.cells[4] ?? ""),
      ),
    ],
  ]);
  return `${titleOf(series)}\n\n${table}\n${sparks}`;
}

/**
 * `smi-metrics history`: a table of the points, as `top` prints one point, and with `sparklines`
 * a line each for success rate, RPS and p99 under it, one character per point (see `sparkline`).
 */
export function renderHistory(answer: SeriesAnswer, options: { sparklines: boolean }): string {
  const all = answer.kind === "TrafficMetricsSeries" ? [answer] : answer.items;
  if (all.length === 0) return "No resources found.\n";
  return all.map((series) => renderSeries(series, options.sparklines)).join("\n");
}
