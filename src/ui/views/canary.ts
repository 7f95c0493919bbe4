import type {
  TrafficMetrics,
  TrafficMetricsList,
  TrafficMetricsSeries,
  TrafficMetricsSeriesList,
} from "../../smi/schemas";
import { seg } from "../api";
import { timeChart } from "../chart";
import { h } from "../dom";
import { numbersOf, pointNumbers, pointTimes, shareOf, successPercent } from "../numbers";
import { linkTo } from "../state";
import { type Column, sortableTable } from "../table";
import { trafficColumns } from "../traffic-columns";
import type { View, ViewContext } from "./view";

/** A backend of the split: which apex routes to it, its configured weight, and its share of the weights. */
interface Backend {
  readonly item: TrafficMetrics;
  readonly key: string;
  readonly label: string;
  readonly configured: number;
}

const backendKey = (item: { backend?: { apex: string; name: string } | undefined }) =>
  `${item.backend?.apex ?? ""}/${item.backend?.name ?? ""}`;

/** Each backend with its weight as a share of its apex's weights, which is what it is configured to get. */
function backendsOf(list: TrafficMetricsList): Backend[] {
  const apexes = new Set(list.items.map((i) => i.backend?.apex ?? ""));
  const total = (apex: string) =>
    list.items.filter((i) => i.backend?.apex === apex).reduce((sum, i) => sum + (i.backend?.weight ?? 0), 0);
  return list.items.map((item) => {
    const apex = item.backend?.apex ?? "";
    const weight = item.backend?.weight ?? 0;
    const name = item.backend?.name ?? item.metadata.name;
    return {
      item,
      key: backendKey(item),
      label: apexes.size > 1 ? `${apex} → ${name}` : name,
      configured: total(apex) > 0 ? weight / total(apex) : 0,
    };
  });
}

const percent = (share: number | null) => (share === null ? "-" : `${(share * 100).toFixed(2)}%`);

function backendTable(backends: readonly Backend[]): HTMLElement {
  const traffic = trafficColumns((b: Backend) => b.item);
  const observed = (b: Backend) => (numbersOf(b.item).requests > 0 ? shareOf(b.item.metrics) : null);
  const columns: Column<Backend>[] = [
    { label: "Backend", cell: (b) => b.label, sort: (b) => b.label },
    {
      label: "Weight",
      numeric: true,
      cell: (b) => String(b.item.backend?.weight ?? "-"),
      sort: (b) => b.item.backend?.weight ?? null,
    },
    {
      label: "Configured share",
      numeric: true,
      cell: (b) => percent(b.configured),
      sort: (b) => b.configured,
    },
    { label: "Observed share", numeric: true, cell: (b) => percent(observed(b)), sort: observed },
    traffic.success,
    traffic.rps,
    traffic.p99,
    traffic.side,
  ];
  return sortableTable(`${backends.length} backends over the whole range`, columns, backends);
}

/** Observed share against configured weight, and success rate, each backend a line, over the range. */
function charts(backends: readonly Backend[], series: TrafficMetricsSeriesList): HTMLElement[] {
  const byKey = new Map(series.items.map((s) => [backendKey(s), s] as const));
  const shown = backends.flatMap((b) => {
    const s = byKey.get(b.key);
    return s === undefined ? [] : [{ backend: b, series: s }];
  });
  const times = shown[0] === undefined ? [] : pointTimes(shown[0].series);
  const shares = (s: TrafficMetricsSeries) => {
    const numbers = pointNumbers(s);
    return s.points.map((p, i) => ((numbers[i]?.requests ?? 0) > 0 ? (shareOf(p.metrics) ?? 0) * 100 : null));
  };
  return [
    timeChart(
      "Observed share of the split's requests (dotted: configured weight)",
      times,
      shown.map(({ backend, series: s }) => ({
        label: backend.label,
        values: shares(s),
        reference: backend.configured * 100,
      })),
      (v) => `${v.toFixed(1)}%`,
    ),
    timeChart(
      "Success rate",
      times,
      shown.map(({ backend, series: s }) => ({
        label: backend.label,
        values: pointNumbers(s).map(successPercent),
      })),
      (v) => `${v.toFixed(2)}%`,
      { percent: true },
    ),
  ];
}

/** The splits of the kind in the namespace (or all), as links: one call. */
async function splitPicker({ state, range, calls }: ViewContext): Promise<Node[]> {
  const path =
    state.all || state.ns === "" ? `/${seg(state.kind)}` : `/namespaces/${seg(state.ns)}/${seg(state.kind)}`;
  const list = await calls.get<TrafficMetricsList>(path, range.instant);
  const splits = [
    ...new Map(list.items.map((i) => [`${i.resource.namespace}/${i.resource.name}`, i.resource])).values(),
  ];
  if (splits.length === 0 && path !== `/${seg(state.kind)}`) {
    const everywhere = linkTo(state, { ns: "", all: true });
    return [
      h(
        "p",
        { class: "empty" },
        `No ${state.kind} in namespace ${state.ns}: see `,
        h("a", { href: everywhere }, "all namespaces"),
        ".",
      ),
    ];
  }
  if (splits.length === 0) return [h("p", { class: "empty" }, `No ${state.kind} found.`)];
  return [
    h("p", {}, `Choose one of ${splits.length} ${state.kind}:`),
    h(
      "ul",
      { class: "splits" },
      ...splits.map((r) =>
        h(
          "li",
          {},
          h(
            "a",
            { href: linkTo(state, { ns: r.namespace ?? "", all: false, name: r.name }) },
            `${r.namespace}/${r.name}`,
          ),
        ),
      ),
    ),
  ];
}

/**
 * A canary on one screen: for a TrafficSplit or HTTPRoute, each backend's configured weight, its
 * observed share of the split's requests and its success rate, over the whole range and over time.
 * Two calls: the split's backends over the range, and their series.
 */
export const canaryView: View = {
  title: (state) =>
    state.kind === ""
      ? "Canaries"
      : state.name === ""
        ? `Canaries: ${state.kind}`
        : `Canary: ${state.kind} ${state.ns}/${state.name}`,
  render: async (context: ViewContext) => {
    const { state, range, calls, config } = context;
    // No split kind served (MESH=cilium: its series cannot tell a split's backends apart): no call.
    if (state.kind === "") {
      const mesh = config.mesh === "" ? "" : ` with MESH=${config.mesh}`;
      return [
        h("p", { class: "empty" }, `This deployment${mesh} serves no splits (trafficsplits, httproutes).`),
      ];
    }
    if (state.name === "" || state.ns === "") return splitPicker(context);
    const path = `/namespaces/${seg(state.ns)}/${seg(state.kind)}/${seg(state.name)}`;
    const [list, series] = await Promise.all([
      calls.get<TrafficMetricsList>(path, range.instant),
      calls.get<TrafficMetricsSeriesList>(path, range.series),
    ]);
    const backends = backendsOf(list);
    if (backends.length === 0) return [h("p", { class: "empty" }, "This split has no backends.")];
    return [backendTable(backends), h("div", { class: "charts" }, ...charts(backends, series))];
  },
};
