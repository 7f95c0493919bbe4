import type { TrafficMetricsList } from "../../smi/schemas";
import { buildTopology, type Topology } from "../../topology/graph";
import { seg } from "../api";
import { h } from "../dom";
import { legend, topologySvg } from "../graph";
import { formatLatency } from "../numbers";
import { linkTo, type ViewState } from "../state";
import { sortableTable } from "../table";
import { listPath } from "./namespace";
import type { View, ViewContext } from "./view";

/** The namespace-wide edges answer: every edge of every object of the kind in the namespace. */
const namespaceEdgesPath = (state: ViewState) => `/namespaces/${seg(state.ns)}/${seg(state.kind)}/-/edges`;

type Edge = Topology["edges"][number];

/** The edges in words: a table a keyboard and a screen reader can read, and the picture's numbers. */
function edgeTable(topology: Topology): HTMLTableElement {
  return sortableTable<Edge>(
    `${topology.edges.length} edges; press a heading to sort`,
    [
      { label: "From", cell: (e) => e.from, sort: (e) => e.from },
      { label: "To", cell: (e) => e.to, sort: (e) => e.to },
      { label: "Traffic", numeric: true, cell: (e) => e.label, sort: (e) => e.numbers.requestsPerSecond },
      {
        label: "Level",
        cell: (e) => e.level,
        sort: (e) => ["red", "amber", "green", "grey"].indexOf(e.level),
      },
      {
        label: "P99",
        numeric: true,
        cell: (e) => formatLatency(e.numbers.p99Ms),
        sort: (e) => e.numbers.p99Ms,
      },
      { label: "Side", cell: (e) => e.side ?? "-", sort: (e) => e.side ?? "" },
    ],
    topology.edges,
  );
}

/**
 * Workloads and the traffic between them in one namespace, as a graph laid out by dagre, each edge
 * coloured and labelled by the topology levels (src/topology/levels.ts) the CLI's `topology` uses;
 * peers in other namespaces appear, marked. Two calls: the list (its idle objects are nodes too)
 * and the namespace's edges in one answer.
 */
export const topologyView: View = {
  title: (state) => `Topology of ${state.kind} in namespace ${state.ns || "(none chosen)"}`,
  render: async ({ state, range, calls }: ViewContext) => {
    if (state.all || state.ns === "" || state.kind === "namespaces") {
      return [
        h("p", { class: "empty" }, "The topology is drawn for one namespace: enter a namespace above."),
      ];
    }
    const [list, edges] = await Promise.all([
      calls.get<TrafficMetricsList>(listPath(state), range.instant),
      calls.get<TrafficMetricsList>(namespaceEdgesPath(state), range.instant),
    ]);
    const topology = buildTopology(list, [edges]);
    if (topology.nodes.length === 0) return [h("p", { class: "empty" }, `No ${state.kind} found.`)];
    const hrefOf = (node: Topology["nodes"][number]) =>
      linkTo(state, { view: "workload", ns: node.namespace ?? state.ns, name: node.name, all: false });
    return [
      h("div", { class: "graph-box" }, topologySvg(topology, hrefOf)),
      legend(topology),
      h("h3", {}, "Edges"),
      edgeTable(topology),
    ];
  },
};
