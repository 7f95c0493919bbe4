import { formatDuration } from "../smi/duration";
import { KINDS, type KindName } from "../smi/kinds";
import { formatTimestamp, type TrafficMetricsList } from "../smi/objects";
import { kindListOf } from "../smi-answers";
import { type Summary, summarize } from "../summary";
import { type MeasuredResource, measureKind, RequestStats, type TrafficDeps } from "../traffic";
import type { ResolvedReportSpec } from "./spec";

export interface ReportRow extends Omit<Summary, "window" | "timestamp"> {
  readonly kind: KindName;
  readonly namespace?: string;
  readonly name: string;
}

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
  return {
    id,
    ...(spec.title === undefined ? {} : { title: spec.title }),
    generatedAt: formatTimestamp(now()),
    window: formatDuration(spec.range.windowMs),
    timestamp: formatTimestamp(spec.range.time),
    mesh: deps.mesh.name,
    scope: { namespaces: spec.namespaces ?? "all", kinds: spec.kinds },
    rows,
    lists: measured.map(({ kind, namespace, resources }) =>
      kindListOf(
        { version: "v1alpha2", kind, ...(namespace === undefined ? {} : { namespace }) },
        resources,
        spec.range,
      ),
    ),
  };
}
