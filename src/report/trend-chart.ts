import type { ReportTrend, ResourceTrend, ScopeTrend } from "./trend";

/** Resources charted per scope, worst first: each is two charts; the JSON has every one. */
const MAX_CHARTED = 20;

/** A resource's points with traffic: those a chart can draw (no traffic has no rate). */
const withTraffic = (r: ResourceTrend) => r.points.filter((p) => p.successRate !== null);
const nameOf = (r: ResourceTrend) => (r.namespace === undefined ? r.name : `${r.namespace}/${r.name}`);
/** The lowest success rate a resource had in any interval; what puts it first. */
const worst = (r: ResourceTrend) => Math.min(...withTraffic(r).map((p) => p.successRate as number));

/**
 * The trend as Markdown: per scope, each resource with traffic as two Mermaid `xychart-beta`
 * line charts (success rate, and p99, whose scales differ: one y-axis each), worst success rate
 * first. xychart has no legend, so one line per chart, named by its title; it has no gaps either,
 * so an interval without traffic is left out of the x-axis (its labels show the hole).
 */
export function trendSections(trend: ReportTrend): string[] {
  const sameDay = trend.start.slice(0, 10) === trend.end.slice(0, 10);
  const label = (timestamp: string) =>
    sameDay ? timestamp.slice(11, 16) : `${timestamp.slice(5, 10)} ${timestamp.slice(11, 16)}`;
  return trend.scopes.flatMap((scope) => ["", ...scopeSection(trend, scope, label)]);
}

function scopeSection(trend: ReportTrend, scope: ScopeTrend, label: (t: string) => string): string[] {
  const heading = `## Trend of ${scope.kind}${scope.namespace === undefined ? "" : ` in ${scope.namespace}`}`;
  const intro = `Success rate and p99 every ${trend.interval} over the ${trend.period} ending ${trend.end}, each point the ${trend.interval} ending at its time (UTC); intervals without traffic are left out of a chart.`;
  const active = scope.resources
    .filter((r) => withTraffic(r).length > 0)
    .sort((a, b) => worst(a) - worst(b) || nameOf(a).localeCompare(nameOf(b)));
  const idle = scope.resources.filter((r) => withTraffic(r).length === 0).map(nameOf);
  if (active.length === 0) return [heading, "", `No ${scope.kind} had traffic in the period.`];
  const lines = [heading, "", intro];
  for (const resource of active.slice(0, MAX_CHARTED)) lines.push("", ...resourceCharts(resource, label));
  if (active.length > MAX_CHARTED)
    lines.push(
      "",
      `${active.length - MAX_CHARTED} more with traffic are not charted; the JSON's trend has every one.`,
    );
  if (idle.length > 0) lines.push("", `No traffic in the period: ${idle.join(", ")}.`);
  return lines;
}

function resourceCharts(resource: ResourceTrend, label: (t: string) => string): string[] {
  const points = withTraffic(resource);
  const labels = points.map((p) => label(p.timestamp));
  const rates = points.map((p) => Number(((p.successRate as number) * 100).toFixed(2)));
  const p99s = points.flatMap((p) => (p.p99Ms === null ? [] : [Number(p.p99Ms.toFixed(1))]));
  const name = nameOf(resource);
  const charts = [
    `### ${name}`,
    "",
    ...xyChart(`${name}: success rate (%)`, "success rate (%)", labels, rates, [
      Math.max(0, Math.floor(Math.min(...rates)) - 1),
      100,
    ]),
  ];
  // Latency is null where nothing was observed, however rare: chart it only where every point has one.
  if (p99s.length === points.length)
    charts.push(
      "",
      ...xyChart(`${name}: p99 latency (ms)`, "p99 (ms)", labels, p99s, [
        0,
        Math.max(1, Math.ceil(Math.max(...p99s) * 1.1)),
      ]),
    );
  return charts;
}

/** One Mermaid `xychart-beta` with one line, its y-axis fixed so the scale is honest (p99 from 0). */
function xyChart(
  title: string,
  axis: string,
  labels: readonly string[],
  values: readonly number[],
  [low, high]: [number, number],
): string[] {
  return [
    "```mermaid",
    "xychart-beta",
    `  title "${title}"`,
    `  x-axis "time (UTC)" [${labels.map((l) => `"${l}"`).join(", ")}]`,
    `  y-axis "${axis}" ${low} --> ${high}`,
    `  line [${values.join(", ")}]`,
    "```",
  ];
}
