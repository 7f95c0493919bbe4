import type { Topology } from "./graph";
import { legendEntries, type Thresholds } from "./levels";

/** The levels in one line, after the graph: what green, amber, red and grey mean here. */
const legendLine = (thresholds: Thresholds) =>
  `Levels: ${legendEntries(thresholds)
    .map((e) => `${e.level}: ${e.meaning}`)
    .join("; ")}.`;

/**
 * The graph as text: each workload and the workloads it sends to, with requests per second,
 * success rate and the rate's level (green, amber, red; grey without traffic), then a line saying
 * what the levels mean. Workloads that neither send nor receive are listed too, so an idle one is
 * visibly idle.
 */
export function renderAscii(topology: Topology): string {
  if (topology.nodes.length === 0) return "No resources found.\n";
  const lines: string[] = [];
  const width = Math.max(0, ...topology.edges.map((e) => e.to.length));
  const labelWidth = Math.max(0, ...topology.edges.map((e) => e.label.length));
  const receivers = new Set(topology.edges.map((e) => e.to));
  for (const node of topology.nodes) {
    const out = topology.edges.filter((e) => e.from === node.id);
    if (out.length === 0) {
      if (!receivers.has(node.id)) lines.push(`${node.id}  (no traffic to or from listed workloads)`);
      continue;
    }
    lines.push(node.id);
    out.forEach((edge, i) => {
      const branch = i === out.length - 1 ? "└──▶" : "├──▶";
      lines.push(`  ${branch} ${edge.to.padEnd(width)}  ${edge.label.padEnd(labelWidth)}  ${edge.level}`);
    });
  }
  if (topology.edges.length > 0) lines.push("", legendLine(topology.thresholds));
  return `${lines.join("\n")}\n`;
}
