import type { Topology } from "./graph";
import { COLOURS, type Level, legendEntries, PEER_MEANING, type Thresholds } from "./levels";

/** How an edge of each level is drawn besides its colour and word: red heavier. */
const EMPHASIS: Record<Level, string> = { green: "", amber: "", red: ",stroke-width:2px", grey: "" };

/** The legend: a subgraph with a node per level in its colour, and a dashed one for peers. */
function legend(thresholds: Thresholds): string[] {
  const entries = legendEntries(thresholds);
  return [
    '  subgraph legend["Legend"]',
    ...entries.map((e) => `    legend_${e.level}["${e.level}: ${e.meaning}"]:::${e.level}`),
    `    legend_peer("dashed: ${PEER_MEANING}"):::peer`,
    "  end",
    ...entries.map((e) => `  classDef ${e.level} stroke:${COLOURS[e.level]},color:${COLOURS[e.level]}`),
  ];
}

/**
 * A Mermaid flowchart (`graph LR`), which GitHub, GitLab and most chat tools draw: one node per
 * workload (peers outside the list round and dashed), edges labelled with requests per second,
 * success rate and the rate's level, and drawn in the level's colour; a legend says what the
 * colours and dashed nodes mean.
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
    lines.push(`  ${ids.get(edge.from)} -->|"${edge.label} ${edge.level}"| ${ids.get(edge.to)}`);
  });
  topology.edges.forEach((edge, i) => {
    const colour = COLOURS[edge.level];
    lines.push(`  linkStyle ${i} stroke:${colour},color:${colour}${EMPHASIS[edge.level]}`);
  });
  const peers = topology.nodes.filter((node) => !node.listed).map((node) => ids.get(node.id));
  lines.push("  classDef peer stroke-dasharray:5 5");
  if (peers.length > 0) lines.push(`  class ${peers.join(",")} peer`);
  if (topology.edges.length > 0) lines.push(...legend(topology.thresholds));
  return `${lines.join("\n")}\n`;
}
