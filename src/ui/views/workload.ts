import type { TrafficNumbers } from "../../smi/metric-values";
import type { TrafficMetrics, TrafficMetricsList, TrafficMetricsSeries } from "../../smi/schemas";
import { parseDurationMs } from "../../smi/time";
import { DEFAULT_THRESHOLDS, levelOf } from "../../topology/levels";
import { seg } from "../api";
import { timeChart } from "../chart";
import { h } from "../dom";
import {
  formatLatency,
  formatRps,
  formatSuccessRate,
  numbersOf,
  pointNumbers,
  pointTimes,
  successPercent,
} from "../numbers";
import { linkTo, type ViewState } from "../state";
import { type Column, sortableTable } from "../table";
import { trafficColumns } from "../traffic-columns";
import type { View, ViewContext } from "./view";

const objectPath = (state: ViewState) => `/namespaces/${seg(state.ns)}/${seg(state.kind)}/${seg(state.name)}`;

/** The object's numbers over the whole range, as a list of terms. */
function headline(item: TrafficMetrics): HTMLElement {
  const n = numbersOf(item);
  const term = (name: string, value: string) => [h("dt", {}, name), h("dd", {}, value)];
  return h(
    "dl",
    { class: "headline" },
    term("Success", formatSuccessRate(n)),
    term("RPS", formatRps(n.requestsPerSecond)),
    term("P50", formatLatency(n.p50Ms)),
    term("P90", formatLatency(n.p90Ms)),
    term("P99", formatLatency(n.p99Ms)),
    term(
      "Requests",
      `${Number(n.successCount.toFixed(2))} succeeded, ${Number(n.failureCount.toFixed(2))} failed`,
    ),
    term("Side", item.edge.side ?? "-"),
  );
}

/** RPS, success rate and the three latencies over the range. */
function charts(series: TrafficMetricsSeries): HTMLElement[] {
  const times = pointTimes(series);
  const points = pointNumbers(series);
  const windowS = (parseDurationMs(series.window) ?? 1000) / 1000;
  const line = (label: string, value: (n: TrafficNumbers) => number | null) => ({
    label,
    values: points.map(value),
  });
  const fixed = (digits: number, unit: string) => (v: number) => `${v.toFixed(digits)}${unit}`;
  return [
    timeChart(
      "Requests per second",
      times,
      [line("RPS", (n) => n.requestsPerSecond ?? 0), line("failed/s", (n) => n.failureCount / windowS)],
      fixed(2, "rps"),
    ),
    timeChart("Success rate", times, [line("success", successPercent)], fixed(2, "%"), { percent: true }),
    timeChart(
      "Latency",
      times,
      [line("p50", (n) => n.p50Ms), line("p90", (n) => n.p90Ms), line("p99", (n) => n.p99Ms)],
      fixed(1, "ms"),
    ),
  ];
}

/** Its edges, both directions: peers as links to their own views, levels in words. */
function edgeTable(state: ViewState, edges: TrafficMetricsList): HTMLElement {
  const peerOf = (e: TrafficMetrics) =>
    e.edge.resource !== null && "name" in e.edge.resource ? e.edge.resource : undefined;
  const peerCell = (e: TrafficMetrics) => {
    const peer = peerOf(e);
    if (peer === undefined) return "-";
    // As `kubectl get` and the CLI print a peer.
    const label = peer.namespace === undefined ? peer.name : `${peer.namespace}/${peer.name}`;
    return h("a", { href: linkTo(state, { ns: peer.namespace ?? state.ns, name: peer.name }) }, label);
  };
  const n = numbersOf;
  const traffic = trafficColumns((e: TrafficMetrics) => e);
  const columns: Column<TrafficMetrics>[] = [
    { label: "Direction", cell: (e) => e.edge.direction, sort: (e) => e.edge.direction },
    { label: "Peer", cell: peerCell, sort: (e) => peerOf(e)?.name ?? "" },
    traffic.side,
    traffic.success,
    traffic.rps,
    traffic.p50,
    traffic.p99,
    { label: "Level", cell: (e) => levelOf(n(e), DEFAULT_THRESHOLDS), sort: (e) => n(e).successRate },
  ];
  if (edges.items.length === 0) return h("p", { class: "empty" }, "No edges in the range.");
  return sortableTable(
    `${edges.items.length} edges, to and from; press a heading to sort`,
    columns,
    edges.items,
  );
}

/**
 * One workload over the range: its numbers, charts of RPS, success rate and latencies (uPlot), and
 * its edges in both directions. Three calls: the object over the whole range, its series, its edges.
 */
export const workloadView: View = {
  title: (state) => (state.name === "" ? "Workload" : `${state.kind} ${state.ns}/${state.name}`),
  render: async ({ state, range, calls }: ViewContext) => {
    if (state.name === "" || state.ns === "") {
      const back = linkTo(state, { view: "namespace" });
      return [
        h(
          "p",
          { class: "empty" },
          "Choose a workload: ",
          h("a", { href: back }, "pick one from the namespace view"),
          ".",
        ),
      ];
    }
    const path = objectPath(state);
    const [item, series, edges] = await Promise.all([
      calls.get<TrafficMetrics>(path, range.instant),
      calls.get<TrafficMetricsSeries>(path, range.series),
      calls.get<TrafficMetricsList>(`${path}/edges`, range.instant),
    ]);
    return [
      headline(item),
      h("div", { class: "charts" }, ...charts(series)),
      h("h3", {}, "Edges"),
      edgeTable(state, edges),
    ];
  },
};
