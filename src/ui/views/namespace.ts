import type { TrafficMetrics, TrafficMetricsList, TrafficMetricsSeriesList } from "../../smi/schemas";
import { seg } from "../api";
import { defaultKind } from "../config";
import { h } from "../dom";
import { formatRps, keyOf, pointNumbers } from "../numbers";
import { sparkline } from "../sparkline";
import { linkTo, type ViewState } from "../state";
import { type Column, sortableTable } from "../table";
import { trafficColumns } from "../traffic-columns";
import type { View, ViewContext } from "./view";

/** The list path of a state: one namespace's objects of a kind, or all namespaces' (`-A`). */
export const listPath = (state: ViewState) =>
  state.all || state.kind === "namespaces"
    ? `/${seg(state.kind)}`
    : `/namespaces/${seg(state.ns)}/${seg(state.kind)}`;

interface Row {
  readonly item: TrafficMetrics;
  readonly trend: readonly (number | null)[];
}

/** A row's name, as a link to its own view: a workload's, or a namespace's list. */
function nameLink(state: ViewState, item: TrafficMetrics, kinds: { fallback: string }): HTMLAnchorElement {
  const { namespace, name } = item.resource;
  const href =
    state.kind === "namespaces"
      ? linkTo(state, { view: "namespace", all: false, ns: name, kind: kinds.fallback, name: "" })
      : linkTo(state, { view: "workload", all: false, ns: namespace ?? "", name });
  return h("a", { href }, name);
}

function columns(state: ViewState, fallback: string): Column<Row>[] {
  const traffic = trafficColumns((row: Row) => row.item);
  const showNamespace = state.all && state.kind !== "namespaces";
  return [
    ...(showNamespace
      ? [
          {
            label: "Namespace",
            cell: (r: Row) => r.item.resource.namespace ?? "",
            sort: (r: Row) => r.item.resource.namespace ?? "",
          },
        ]
      : []),
    { label: "Name", cell: (r) => nameLink(state, r.item, { fallback }), sort: (r) => r.item.resource.name },
    traffic.side,
    traffic.success,
    traffic.rps,
    traffic.p50,
    traffic.p90,
    traffic.p99,
    { label: "RPS over the range", cell: (r) => sparkline(r.trend, (v) => formatRps(v)) },
  ];
}

/**
 * The SMI spec's `top`: every object of a kind in a namespace (or all), with success rate, RPS,
 * latencies and side as `kubectl get` and the CLI show them, and a sparkline of each row's RPS.
 * Two calls whatever the number of rows: the list over the whole range, and the same list as a
 * range answer, whose items carry every row's points.
 */
export const namespaceView: View = {
  title: (state) =>
    state.all || state.kind === "namespaces"
      ? `${state.kind} in all namespaces`
      : `${state.kind} in namespace ${state.ns}`,
  render: async ({ state, range, calls, config }: ViewContext) => {
    const path = listPath(state);
    const [list, series] = await Promise.all([
      calls.get<TrafficMetricsList>(path, range.instant),
      calls.get<TrafficMetricsSeriesList>(path, range.series),
    ]);
    const trends = new Map(
      series.items.map((s) => [keyOf(s), pointNumbers(s).map((p) => p.requestsPerSecond ?? 0)]),
    );
    const rows = list.items.map((item) => ({ item, trend: trends.get(keyOf(item)) ?? [] }));
    if (rows.length === 0) return [h("p", { class: "empty" }, `No ${state.kind} found.`)];
    const caption = `${rows.length} ${state.kind}; press a heading to sort`;
    return [sortableTable(caption, columns(state, defaultKind(config)), rows)];
  },
};
