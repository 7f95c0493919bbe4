import dagre from "@dagrejs/dagre";
import type { Topology } from "../topology/graph";
import { COLOURS, type Level, legendEntries, PEER_MEANING } from "../topology/levels";
import { h, s } from "./dom";

type TopologyNode = Topology["nodes"][number];

/** Each level's line besides its colour: a shape of its own, and red heavier. */
const LINE: Readonly<Record<Level, { width: number; dash: string }>> = {
  green: { width: 1.5, dash: "" },
  amber: { width: 2, dash: "8 4" },
  red: { width: 3, dash: "" },
  grey: { width: 1.5, dash: "2 4" },
};

const CHAR_PX = 7.2;
const LINE_PX = 15;

/** A node's lines of text: its name, then its namespace, marked when it is a peer from elsewhere. */
function nodeLines(node: TopologyNode): string[] {
  const where = node.namespace === undefined ? [] : [node.namespace];
  return node.listed ? [node.name, ...where] : [node.name, `peer · ${where.join("") || "outside"}`];
}

const textWidth = (lines: readonly string[]) => Math.max(...lines.map((l) => l.length)) * CHAR_PX + 20;

/** Arrowheads in each level's colour. */
function markers(): SVGDefsElement {
  return s(
    "defs",
    {},
    ...(Object.keys(COLOURS) as Level[]).map((level) =>
      s(
        "marker",
        {
          id: `arrow-${level}`,
          viewBox: "0 0 10 10",
          refX: 10,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: "auto",
        },
        s("path", { d: "M0,0L10,5L0,10z", fill: COLOURS[level] }),
      ),
    ),
  );
}

function layout(topology: Topology) {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: "LR", nodesep: 24, ranksep: 90, edgesep: 16, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of topology.nodes) {
    g.setNode(node.id, { width: textWidth(nodeLines(node)), height: nodeLines(node).length * LINE_PX + 12 });
  }
  topology.edges.forEach((edge, i) => {
    const text = `${edge.label} ${edge.level}`;
    g.setEdge(
      edge.from,
      edge.to,
      { width: text.length * CHAR_PX * 0.9, height: LINE_PX, labelpos: "c" },
      String(i),
    );
  });
  dagre.layout(g);
  return g;
}

type Laid = ReturnType<typeof layout>;
type TopologyEdge = Topology["edges"][number];

/** An edge: its path in its level's colour and line, and its label with the level's word. */
function edgeShape(g: Laid, edge: TopologyEdge, i: number): SVGGElement {
  const laid = g.edge(edge.from, edge.to, String(i));
  const points: { x: number; y: number }[] = laid.points ?? [];
  const d = points.map((p, j) => `${j === 0 ? "M" : "L"}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join("");
  const line = LINE[edge.level];
  return s(
    "g",
    { class: `edge level-${edge.level}`, "data-from": edge.from, "data-to": edge.to },
    s("title", {}, `${edge.from} to ${edge.to}: ${edge.label}, ${edge.level}`),
    s("path", {
      d,
      fill: "none",
      stroke: COLOURS[edge.level],
      "stroke-width": line.width,
      "stroke-dasharray": line.dash || undefined,
      "marker-end": `url(#arrow-${edge.level})`,
    }),
    s(
      "text",
      {
        // Just above the line, which runs through the space dagre kept for the label.
        x: laid.x ?? 0,
        y: (laid.y ?? 0) - LINE_PX / 2,
        "text-anchor": "middle",
        "dominant-baseline": "middle",
        class: "edge-label",
      },
      `${edge.label} ${edge.level}`,
    ),
  );
}

/** A node: a link to its view, its name and namespace (or "peer") as lines of text in a box. */
function nodeShape(g: Laid, node: TopologyNode, href: string): SVGAElement {
  const laid = g.node(node.id);
  const lines = nodeLines(node);
  const top = laid.y - ((lines.length - 1) * LINE_PX) / 2;
  return s(
    "a",
    { href, class: node.listed ? "node" : "node peer", "data-id": node.id, "aria-label": lines.join(", ") },
    s("rect", {
      x: laid.x - laid.width / 2,
      y: laid.y - laid.height / 2,
      width: laid.width,
      height: laid.height,
      rx: 4,
    }),
    ...lines.map((text, j) =>
      s(
        "text",
        {
          x: laid.x,
          y: top + j * LINE_PX,
          "text-anchor": "middle",
          "dominant-baseline": "middle",
          class: j === 0 ? "name" : "where",
        },
        text,
      ),
    ),
  );
}

/**
 * The topology as a picture, laid out by dagre: a box per workload (a link to its view; peers
 * outside the namespace dashed and marked "peer"), an arrow per edge in its level's colour and
 * line, labelled with requests per second, success rate and the level's word.
 */
export function topologySvg(topology: Topology, hrefOf: (node: TopologyNode) => string): SVGSVGElement {
  const g = layout(topology);
  const { width = 0, height = 0 } = g.graph();
  return s(
    "svg",
    {
      class: "graph",
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      role: "group",
      "aria-label": "topology",
    },
    markers(),
    ...topology.edges.map((edge, i) => edgeShape(g, edge, i)),
    ...topology.nodes.map((node) => nodeShape(g, node, hrefOf(node))),
  );
}

/** What each colour and line means, in words beside a sample of the line. */
export function legend(topology: Topology): HTMLElement {
  const sample = (level: Level) =>
    s(
      "svg",
      { width: 36, height: 10, "aria-hidden": "true" },
      s("line", {
        x1: 0,
        y1: 5,
        x2: 36,
        y2: 5,
        stroke: COLOURS[level],
        "stroke-width": LINE[level].width,
        "stroke-dasharray": LINE[level].dash || undefined,
      }),
    );
  return h(
    "ul",
    { class: "legend", "aria-label": "legend" },
    ...legendEntries(topology.thresholds).map((e) =>
      h("li", {}, sample(e.level), ` ${e.level}: ${e.meaning}`),
    ),
    h(
      "li",
      {},
      h("span", { class: "peer-sample", "aria-hidden": "true" }),
      ` dashed box marked “peer”: ${PEER_MEANING}`,
    ),
  );
}
