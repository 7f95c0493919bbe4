import { kindListOf } from "../answers/smi-metrics";
import { type Summary, summarize } from "../answers/summary";
import { type MeasuredResource, measureKind, RequestStats, type TrafficDeps } from "../metrics/traffic";
import { KINDS, type KindName } from "../smi/kinds";
import type { TrafficMetricsList } from "../smi/schemas";
import { formatDuration, formatTimestamp } from "../smi/time";
import { coreSource } from "../topology/core-source";
import type { Topology } from "../topology/graph";
import { type TrafficSource, topologyOf } from "../topology/source";
import type { ResolvedReportSpec } from "./spec";

export interface ReportRow extends Omit<Summary, "window" | "timestamp"> {
  readonly kind: KindName;
  readonly namespace?: string;
  readonly name: string;
}

/**
 * The graph of one scope (a kind, in a namespace or all), or why it is left out. Drawing costs an
 * edges answer per resource, so scopes past `TOPOLOGY_MAX_RESOURCES` are not drawn.
 */
export interface ReportTopology {
  readonly kind: KindName;
  readonly namespace?: string;
  readonly topology?: Topology;
  readonly omitted?: string;
}

/** Resources a scope may hold and still be drawn: each costs one edges answer (4 queries). */
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
  /**
   * Why the numbers may not mean what they say (the API's `Warning` words): a report of zeros
   * from a misconfigured deployment must not read as a quiet hour.
   */
  readonly warnings: readonly string[];
}

/**
 * Measures every kind in every namespace of the spec, all concurrently. Cluster-scoped kinds
 * (namespaces) are measured once and narrowed to the spec's namespaces.
 */
export async function buildReport(
  deps: TrafficDeps,
  spec: ResolvedReportSpec,
  now: () => Date,
  id: string,
): Promise<Report> {
  const stats = new RequestStats();
  const scopes = spec.kinds.flatMap((kind): { kind: KindName; namespace: string | undefined }[] =>
    KINDS[kind].namespaced && spec.namespaces !== undefined
      ? spec.namespaces.map((namespace) => ({ kind, namespace }))
      : [{ kind, namespace: undefined }],
  );
  const measured = await Promise.all(
    scopes.map(async ({ kind, namespace }) => {
      let resources: MeasuredResource[] = await measureKind(deps, kind, namespace, spec.range, stats);
      if (!KINDS[kind].namespaced && spec.namespaces !== undefined) {
        resources = resources.filter((r) => spec.namespaces?.includes(r.ref.name));
      }
      return { kind, namespace, resources };
    }),
  );
  const summaryOf = (r: MeasuredResource) => summarize(r.measurement, spec.range);
  const rows = measured.flatMap(({ kind, resources }) =>
    resources.map((r) => {
      const { window: _w, timestamp: _t, ...numbers } = summaryOf(r);
      return {
        kind,
        ...(r.ref.namespace === undefined ? {} : { namespace: r.ref.namespace }),
        name: r.ref.name,
        ...numbers,
      };
    }),
  );
  const lists = measured.map(({ kind, namespace, resources }) =>
    kindListOf(
      { version: "v1alpha2", kind, ...(namespace === undefined ? {} : { namespace }) },
      resources,
      spec.range,
    ),
  );
  const source = coreSource(deps, spec.range, (warning) => stats.warnings.add(warning));
  const topologies = await Promise.all(
    measured.flatMap(({ kind, namespace }, i) => {
      const list = lists[i];
      if (list === undefined || deps.mesh.edgeViews(kind).length === 0) return [];
      return [scopeTopology(source, { kind, ...(namespace === undefined ? {} : { namespace }) }, list)];
    }),
  );
  return {
    id,
    ...(spec.title === undefined ? {} : { title: spec.title }),
    generatedAt: formatTimestamp(now()),
    window: formatDuration(spec.range.windowMs),
    timestamp: formatTimestamp(spec.range.time),
    mesh: deps.mesh.name,
    scope: { namespaces: spec.namespaces ?? "all", kinds: spec.kinds },
    rows,
    lists,
    topologies,
    warnings: [...stats.warnings],
  };
}

async function scopeTopology(
  source: TrafficSource,
  scope: { kind: KindName; namespace?: string },
  list: TrafficMetricsList,
): Promise<ReportTopology> {
  if (list.items.length > TOPOLOGY_MAX_RESOURCES) {
    return {
      ...scope,
      omitted: `${list.items.length} ${scope.kind} are more than the ${TOPOLOGY_MAX_RESOURCES} a report draws`,
    };
  }
  return { ...scope, topology: await topologyOf(source, scope.kind, list) };
}
