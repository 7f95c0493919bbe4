import { kindListOf } from "../answers/smi-metrics";
import { type Summary, summarize } from "../answers/summary";
import type { Context } from "../config/context";
import { RequestStats } from "../metrics/request-stats";
import type { TimeRange } from "../metrics/time-range";
import type { KindName } from "../smi/kinds";
import type { TrafficMetricsList } from "../smi/schemas";
import { formatDuration, formatTimestamp } from "../smi/time";
import { coreSource } from "../topology/core-source";
import type { Topology } from "../topology/graph";
import type { Thresholds } from "../topology/levels";
import { type TrafficSource, topologyOf } from "../topology/source";
import { type MeasuredScope, measureScopes } from "./scopes";
import type { ResolvedReportSpec } from "./spec";
import { buildTrend, type ReportTrend } from "./trend";

export interface ReportRow extends Omit<Summary, "window" | "timestamp"> {
  readonly kind: KindName;
  readonly namespace?: string;
  readonly name: string;
}

/**
 * The graph of one scope (a kind, in a namespace or all), or why it is left out: scopes past
 * `TOPOLOGY_MAX_RESOURCES` are not drawn.
 */
export interface ReportTopology {
  readonly kind: KindName;
  readonly namespace?: string;
  readonly topology?: Topology;
  readonly omitted?: string;
}

/**
 * Resources a scope may hold and still be drawn: a Markdown graph of more nodes is no longer read.
 * The cost does not grow with them: one edges answer (4 queries) per namespace of the scope.
 */
const TOPOLOGY_MAX_RESOURCES = 50;

/** A report: one summary row per resource, and the raw lists it was built from. */
export interface Report {
  /** The run's id: the same on every retry of one scheduled run (see `RunIdentity`). */
  readonly id: string;
  readonly title?: string;
  readonly generatedAt: string;
  readonly window: string;
  /** End of the window. */
  readonly timestamp: string;
  readonly mesh: string;
  readonly scope: { readonly namespaces: readonly string[] | "all"; readonly kinds: readonly KindName[] };
  readonly rows: readonly ReportRow[];
  readonly lists: readonly TrafficMetricsList[];
  /** A graph per scope whose kind the mesh has edges for. */
  readonly topologies: readonly ReportTopology[];
  /** Each workload's success rate and p99 at every interval of the spec's trend period. */
  readonly trend: ReportTrend;
  /**
   * Why the numbers may not mean what they say (the API's `Warning` words): a report of zeros
   * from a misconfigured deployment must not read as a quiet hour.
   */
  readonly warnings: readonly string[];
}

/**
 * Measures every kind in every namespace of the spec, all concurrently, at the spec's window and
 * (for the trend) at every interval of its period. Then come the report's parts in order: a
 * summary row per resource, the raw lists, a graph per scope, and the trend.
 */
export async function buildReport(
  context: Context,
  spec: ResolvedReportSpec,
  now: () => Date,
  id: string,
): Promise<Report> {
  const stats = new RequestStats();
  const [measured, trend] = await Promise.all([
    measureScopes(context, spec, spec.range, stats),
    buildTrend(context, spec, stats),
  ]);
  const rows = rowsOf(measured, spec.range);
  const lists = listsOf(measured, spec.range);
  const topologies = await topologiesOf(context, spec, stats, measured, lists);
  return {
    id,
    ...(spec.title === undefined ? {} : { title: spec.title }),
    generatedAt: formatTimestamp(now()),
    window: formatDuration(spec.range.windowMs),
    timestamp: formatTimestamp(spec.range.time),
    mesh: context.mesh.name,
    scope: { namespaces: spec.namespaces ?? "all", kinds: spec.kinds },
    rows,
    lists,
    topologies,
    trend,
    warnings: [...stats.warnings],
  };
}

/** A summary row per measured resource: the numbers without the window, said once per report. */
function rowsOf(measured: readonly MeasuredScope[], range: TimeRange): ReportRow[] {
  return measured.flatMap(({ kind, resources }) =>
    resources.map((r) => {
      const { window: _w, timestamp: _t, ...numbers } = summarize(r, range);
      return {
        kind,
        ...(r.ref.namespace === undefined ? {} : { namespace: r.ref.namespace }),
        name: r.ref.name,
        ...numbers,
      };
    }),
  );
}

/** The API's list answer for each scope, in the order of `measured`. */
function listsOf(measured: readonly MeasuredScope[], range: TimeRange): TrafficMetricsList[] {
  return measured.map(({ kind, namespace, resources }) =>
    instantList(
      { version: "v1alpha2", kind, ...(namespace === undefined ? {} : { namespace }) },
      resources,
      range,
    ),
  );
}

/**
 * A graph per scope whose kind the mesh has edges for, coloured by the spec's thresholds; what
 * drawing warns goes to `stats`.
 */
function topologiesOf(
  context: Context,
  spec: ResolvedReportSpec,
  stats: RequestStats,
  measured: readonly MeasuredScope[],
  lists: readonly TrafficMetricsList[],
): Promise<ReportTopology[]> {
  const source = coreSource(context, spec.range, (warning) => stats.warnings.add(warning));
  return Promise.all(
    measured.flatMap(({ kind, namespace }, i) => {
      const list = lists[i];
      if (list === undefined || context.mesh.edgeViews(kind).length === 0) return [];
      const scope = { kind, ...(namespace === undefined ? {} : { namespace }) };
      return [scopeTopology(source, scope, list, spec.thresholds)];
    }),
  );
}

async function scopeTopology(
  source: TrafficSource,
  scope: { kind: KindName; namespace?: string },
  list: TrafficMetricsList,
  thresholds: Thresholds,
): Promise<ReportTopology> {
  if (list.items.length > TOPOLOGY_MAX_RESOURCES) {
    return {
      ...scope,
      omitted: `${list.items.length} ${scope.kind} are more than the ${TOPOLOGY_MAX_RESOURCES} a report draws`,
    };
  }
  return { ...scope, topology: await topologyOf(source, scope.kind, list, thresholds) };
}

/** A report's list, which measures one window: its answer is always an instant list. */
function instantList(...args: Parameters<typeof kindListOf>): TrafficMetricsList {
  const list = kindListOf(...args);
  if (list.kind !== "TrafficMetricsList") throw new TypeError("a report's list is measured at one time");
  return list;
}
