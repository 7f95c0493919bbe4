import type { Topology } from "./graph";
import { COLOURS, type Level, legendEntries, PEER_MEANING, type Thresholds } from "./levels";

/** A DOT double-quoted string: names are DNS-1123, but the quoting does not rely on it. */
const quoted = (text: string) => `"${text.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;

/** How an edge of each level is drawn besides its colour and word: red heavier. */
const EMPHASIS: Record<Level, string> = { green: "", amber: "", red: ", penwidth=2", grey: "" };

/** The legend: a table of each level's colour and meaning, and what a dashed box is. */
function legend(thresholds: Thresholds): string[] {
  const row = (left: string, right: string) =>
    `      <tr><td align="left">${left}</td><td align="left">${right}</td></tr>`;
  return [
    "  subgraph cluster_legend {",
    '    label="Legend"; fontname="Helvetica"; style=rounded; color="#999999";',
    '    "legend" [shape=plaintext, label=<<table border="0" cellspacing="2">',
    ...legendEntries(thresholds).map((e) =>
      row(`<font color="${COLOURS[e.level]}">&#9473;&#9473; ${e.level}</font>`, e.meaning),
    ),
    row("&#9476;&#9476; dashed box", PEER_MEANING),
    "    </table>>];",
    "  }",
  ];
}

/**
 * Graphviz DOT, left to right: one box per workload (peers outside the list dashed), one edge per
 * pair, labelled with requests per second, success rate and the rate's level, and drawn in the
 * level's colour; a legend says what the colours and dashed boxes mean.
 */
export function renderDot(topology: Topology): string {
  const lines = [
    "digraph topology {",
    "  rankdir=LR;",
    '  node [shape=box, fontname="Helvetica"];',
    '  edge [fontname="Helvetica"];',
  ];
  for (const node of topology.nodes) {
    const label = node.namespace === undefined ? node.name : `${node.name}\\n${node.namespace}`;
    lines.push(`  ${quoted(node.id)} [label="${label}"${node.listed ? "" : ", style=dashed"}];`);
  }
  for (const edge of topology.edges) {
    const colour = COLOURS[edge.level];
    const style = `color="${colour}", fontcolor="${colour}"${EMPHASIS[edge.level]}`;
    lines.push(
      `  ${quoted(edge.from)} -> ${quoted(edge.to)} [label=${quoted(`${edge.label} ${edge.level}`)}, ${style}];`,
    );
  }
  if (topology.edges.length > 0) lines.push(...legend(topology.thresholds));
  lines.push("}");
  return `${lines.join("\n")}\n`;
}
