import type { Context } from "../config/context";
import type { RequestStats } from "../metrics/request-stats";
import { type MeasuredResource, measureKind } from "../metrics/resources";
import type { TimeRange } from "../metrics/time-range";
import { KINDS, type KindName } from "../smi/kinds";
import type { ResolvedReportSpec } from "./spec";

/** One scope of a report, a kind in a namespace or all, with what was measured there. */
export interface MeasuredScope {
  readonly kind: KindName;
  readonly namespace: string | undefined;
  readonly resources: readonly MeasuredResource[];
}

/**
 * Every scope of the spec measured over `range`, concurrently: a list answer's queries per scope,
 * whether the range is one window or (the trend) many points, whatever the scope holds.
 * Cluster-scoped kinds (namespaces) are measured once and narrowed to the spec's namespaces.
 */
export async function measureScopes(
  context: Context,
  spec: Pick<ResolvedReportSpec, "kinds" | "namespaces">,
  range: TimeRange,
  stats: RequestStats,
): Promise<MeasuredScope[]> {
  const scopes = spec.kinds.flatMap((kind): { kind: KindName; namespace: string | undefined }[] =>
    KINDS[kind].namespaced && spec.namespaces !== undefined
      ? spec.namespaces.map((namespace) => ({ kind, namespace }))
      : [{ kind, namespace: undefined }],
  );
  return Promise.all(
    scopes.map(async ({ kind, namespace }) => {
      let resources: MeasuredResource[] = await measureKind(context, kind, namespace, range, stats);
      if (!KINDS[kind].namespaced && spec.namespaces !== undefined) {
        resources = resources.filter((r) => spec.namespaces?.includes(r.ref.name));
      }
      return { kind, namespace, resources };
    }),
  );
}
