import type { Context } from "../config/context";
import {
  counterMatchersOf,
  type IdentityLabels,
  type SeriesFamily,
  type ZeroExplanation,
  type ZeroTarget,
} from "../mesh/adapter";
import { otherMeshSignatures } from "../mesh/select";
import { eq, renderSelector } from "../prometheus/promql";
import type { KindName } from "../smi/kinds";
import { formatDuration } from "../smi/time";

/** One count the diagnosis asks for; every one goes out in the same query. */
export interface Check {
  readonly id: string;
  readonly expr: string;
}

/** Result label that tells the checks of the one diagnosis query apart. */
export const CHECK_LABEL = "smi_check";
/** Result label the census sets on series that carry the label the kind is read from. */
export const LABELLED = "smi_labelled";

/**
 * The one broad part of the diagnosis: the counter's series at the answer's time, counted by
 * namespace and by whether they carry the kind's label, in a single selection. It answers three
 * questions (does the mesh report here at all, in this namespace, under this label) for the cost of
 * one instant count; the label test is a fixed regex on the label, never on a requested value.
 */
export function census(family: SeriesFamily, self: IdentityLabels, scoped: boolean): string {
  const by = scoped && self.namespace !== undefined ? `${self.namespace}, ${LABELLED}` : LABELLED;
  const marked = `label_replace(${renderSelector(family.counter, counterMatchersOf(family))}, "${LABELLED}", "1", "${self.name}", ".+")`;
  return `label_replace(count by (${by}) (${marked}), "${CHECK_LABEL}", "census", "", "")`;
}

/** A mesh's explanation of a zero, with the id its count has in the one query. */
export interface Explanation extends ZeroExplanation {
  readonly id: string;
}

/**
 * The narrow parts, for one asked object: its own series over `MAX_WINDOW` (a range, on its exact
 * selectors only), and the mesh's explanations of this object's zero (Istio ambient: ztunnel's L4
 * series). Ids are prefixed with the object's place, so one query can ask about several.
 */
export function objectChecks(
  context: Context,
  prefix: string,
  target: ZeroTarget,
  named: readonly string[],
): { checks: Check[]; explanations: Explanation[] } {
  const maxWindow = formatDuration(context.config.window.maxMs);
  const checks: Check[] = [];
  if (named.length > 0)
    checks.push({
      id: `${prefix}named`,
      expr: named.map((s) => `present_over_time(${s}[${maxWindow}])`).join(" or "),
    });
  const explanations = (context.mesh.explainZero?.(target, maxWindow) ?? [])
    .filter((e) => e.when === "object")
    .map((e, i) => ({ ...e, id: `${prefix}explain${i}` }));
  return { checks: [...checks, ...explanations], explanations };
}

/** The mesh's explanations of a zero everywhere (no request series, only L4): asked once. */
export function meshExplanations(context: Context, target: ZeroTarget): Explanation[] {
  return (context.mesh.explainZero?.(target, formatDuration(context.config.window.maxMs)) ?? [])
    .filter((e) => e.when === "mesh")
    .map((e, i) => ({ ...e, id: `mesh${i}` }));
}

/** Other meshes' request counters, asked once: whose series this Prometheus holds, if not ours. */
export function otherMeshChecks(context: Context): Check[] {
  return otherMeshSignatures(context.mesh.name).map((m) => ({ id: `othermesh:${m.mesh}`, expr: m.selector }));
}

/**
 * For a named object never seen under its kind: whether its name is seen under another kind of the
 * mesh's (a StatefulSet asked for as a deployment), over `MAX_WINDOW` on exact selectors. Kinds
 * read by the same labels and matchers (Istio's workloads) cannot tell, and are not asked; kinds read by
 * one label but told apart by a matcher (Hubble's `destination_workload_kind`) are.
 */
export function otherKindChecks(context: Context, prefix: string, target: ZeroTarget): Check[] {
  const { mesh } = context;
  const { name } = target;
  if (name === undefined || target.kind === "namespaces") return [];
  const asked = mesh.resourceView(target.kind);
  const askedBy = renderSelector(asked.family.counter, counterMatchersOf(asked.family));
  const maxWindow = formatDuration(context.config.window.maxMs);
  return mesh.kinds
    .filter((kind) => kind !== target.kind && kind !== "namespaces")
    .flatMap((kind: KindName) => {
      const { family, self } = mesh.resourceView(kind);
      const matchers = counterMatchersOf(family);
      if (self.name === asked.self.name && renderSelector(family.counter, matchers) === askedBy) return [];
      const scope =
        target.namespace === undefined || self.namespace === undefined
          ? []
          : [eq(self.namespace, target.namespace)];
      const selector = renderSelector(family.counter, [...matchers, eq(self.name, name), ...scope]);
      return [{ id: `${prefix}kind:${kind}`, expr: `present_over_time(${selector}[${maxWindow}])` }];
    });
}
