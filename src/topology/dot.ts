import type { Topology } from "./graph";

/** A DOT double-quoted string: names are DNS-1123, but the quoting does not rely on it. */
const quoted = (text: string) => `"${text.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;

/**
 * Graphviz DOT, left to right: one box per workload (peers outside the list dashed), one edge per
 * pair, labelled with requests per second and success rate; failing edges red.
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
    const color = edge.failing ? ", color=red, fontcolor=red" : "";
    lines.push(`  ${quoted(edge.from)} -> ${quoted(edge.to)} [label=${quoted(edge.label)}${color}];`);
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}
