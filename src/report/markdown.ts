import { formatSuccessRate } from "../smi/table";
import { renderMermaid } from "../topology/mermaid";
import type { Report, ReportRow, ReportTopology } from "./report";
import { trendSections } from "./trend-chart";

const num = (v: number | null, digits: number) => (v === null ? "–" : v.toFixed(digits));
const pct = (row: ReportRow) =>
  row.requests > 0
    ? formatSuccessRate({ successCount: row.successCount, requests: row.requests })
    : "no traffic";

/** Worst success rate first; resources without traffic last, then by name. */
function worstFirst(a: ReportRow, b: ReportRow): number {
  const ra = a.successRate ?? Number.POSITIVE_INFINITY;
  const rb = b.successRate ?? Number.POSITIVE_INFINITY;
  if (ra !== rb) return ra - rb;
  return `${a.namespace ?? ""}/${a.name}`.localeCompare(`${b.namespace ?? ""}/${b.name}`);
}

/** The report as a Markdown table, for sinks that want text (chat, tickets, e-mail). */
export function renderMarkdown(report: Report): string {
  const scope =
    report.scope.namespaces === "all" ? "all namespaces" : `namespaces ${report.scope.namespaces.join(", ")}`;
  const lines = [
    `# ${report.title ?? "SMI traffic report"}`,
    "",
    `Window ${report.window} ending ${report.timestamp} · mesh ${report.mesh} · ${scope} · kinds ${report.scope.kinds.join(", ")} · generated ${report.generatedAt}`,
    "",
    // Why the numbers may not mean what they say, before the numbers.
    ...report.warnings.flatMap((w) => [`> **Warning:** ${w}`, ""]),
    // The side beside the rate: a client's counts requests that never reached the server.
    "| resource | requests | success rate | side | req/s | p50 ms | p90 ms | p99 ms |",
    "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |",
  ];
  for (const row of [...report.rows].sort(worstFirst)) {
    const resource =
      row.namespace === undefined ? `${row.kind}/${row.name}` : `${row.kind}/${row.namespace}/${row.name}`;
    lines.push(
      `| ${resource} | ${num(row.requests, 0)} | ${pct(row)} | ${row.side} | ${num(row.requestRate, 3)} | ${num(row.p50Ms, 1)} | ${num(row.p90Ms, 1)} | ${num(row.p99Ms, 1)} |`,
    );
  }
  if (report.rows.length === 0) lines.push("| (no resources) | | | | | | | |");
  for (const scope of report.topologies) lines.push("", ...topologySection(scope));
  lines.push(...trendSections(report.trend));
  return `${lines.join("\n")}\n`;
}

/**
 * A scope's traffic graph as a Mermaid `graph LR` block, which GitHub, GitLab and most chat tools
 * draw: edges labelled with requests per second, success rate and its level, in the level's colour
 * by the spec's thresholds, with a legend.
 */
function topologySection({ kind, namespace, topology, omitted }: ReportTopology): string[] {
  const heading = `## Traffic between ${kind}${namespace === undefined ? "" : ` in ${namespace}`}`;
  if (topology === undefined) return [heading, "", `Not drawn: ${omitted}.`];
  if (topology.nodes.length === 0) return [heading, "", `No ${kind} had traffic in the window.`];
  if (topology.edges.length === 0) return [heading, "", "No traffic between them in the window."];
  return [heading, "", "```mermaid", renderMermaid(topology).trimEnd(), "```"];
}
