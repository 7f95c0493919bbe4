import type { Topology } from "./graph";

/**
 * The graph as text: each workload and the workloads it sends to, with requests per second and
 * success rate; `!` marks an edge with failures. Workloads that neither send nor receive are
 * listed too, so an idle one is visibly idle.
 */
export function renderAscii(topology: Topology): string {
  if (topology.nodes.length === 0) return "No resources found.\n";
  const lines: string[] = [];
  const width = Math.max(0, ...topology.edges.map((e) => e.to.length));
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
      lines.push(`  ${branch} ${edge.to.padEnd(width)}  ${edge.label}${edge.failing ? "  !" : ""}`);
    });
  }
  return `${lines.join("\n")}\n`;
}
