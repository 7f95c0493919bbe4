import type { Topology } from "./graph";

/**
 * A Mermaid flowchart (`graph LR`), which GitHub, GitLab and most chat tools draw: one node per
 * workload, edges labelled with requests per second and success rate, failing edges red.
 */
export function renderMermaid(topology: Topology): string {
  const ids = new Map(topology.nodes.map((node, i) => [node.id, `n${i}`]));
  const lines = ["graph LR"];
  for (const node of topology.nodes) {
    const label = node.namespace === undefined ? node.name : `${node.name}<br/>${node.namespace}`;
    const [open, close] = node.listed ? ["[", "]"] : ["(", ")"];
    lines.push(`  ${ids.get(node.id)}${open}"${label}"${close}`);
  }
  topology.edges.forEach((edge) => {
    lines.push(`  ${ids.get(edge.from)} -->|"${edge.label}"| ${ids.get(edge.to)}`);
  });
  topology.edges.forEach((edge, i) => {
    if (edge.failing) lines.push(`  linkStyle ${i} stroke:red,color:red`);
  });
  return `${lines.join("\n")}\n`;
}
