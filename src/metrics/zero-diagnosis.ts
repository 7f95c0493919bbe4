import type { Context } from "../config/context";
import type { IdentityLabels, SeriesFamily, ZeroExplanation, ZeroTarget } from "../mesh/adapter";
import type { InstantVector } from "../prometheus/client";
import { eq, renderSelector } from "../prometheus/promql";
import { formatDuration, formatTimestamp } from "../smi/time";

/** One count the diagnosis asks for; every one goes out in the same query. */
interface Check {
  readonly id: string;
  readonly expr: string;
}

/** Result label that tells the checks of the one diagnosis query apart. */
const CHECK_LABEL = "smi_check";
/** Result label the census sets on series that carry the label the kind is read from. */
const LABELLED = "smi_labelled";

/** What the diagnosis query found, as counts of series. */
interface Found {
  /** Series of the counter at all, at the answer's time. */
  readonly mesh: number;
  /** Of those, series in the asked namespace (all of them when none is asked). */
  readonly scope: number;
  /** Of those, series that carry the kind's label. */
  readonly labelled: number;
  /** Series of the counter that carry the namespace label at all (when a namespace is asked). */
  readonly namespaced: number;
  /** Series of the object's own selectors over `MAX_WINDOW`. */
  readonly named: number;
  /** The count of a check by its full id (the explanations'). */
  readonly count: (id: string) => number;
}

/**
 * The one broad part of the diagnosis: the counter's series at the answer's time, counted by
 * namespace and by whether they carry the kind's label, in a single selection. It answers three
 * questions (does the mesh report here at all, in this namespace, under this label) for the cost of
 * one instant count; the label test is a fixed regex on the label, never on a requested value.
 */
function census(family: SeriesFamily, self: IdentityLabels, scoped: boolean): string {
  const by = scoped && self.namespace !== undefined ? `${self.namespace}, ${LABELLED}` : LABELLED;
  const marked = `label_replace(${renderSelector(family.counter, family.matchers)}, "${LABELLED}", "1", "${self.name}", ".+")`;
  return `label_replace(count by (${by}) (${marked}), "${CHECK_LABEL}", "census", "", "")`;
}

/** A mesh's explanation of a zero, with the id its count has in the one query. */
interface Explanation extends ZeroExplanation {
  readonly id: string;
}

/**
 * The narrow parts, for one asked object: its own series over `MAX_WINDOW` (a range, on its exact
 * selectors only), and the mesh's explanations of this object's zero (Istio ambient: ztunnel's L4
 * series). Ids are prefixed with the object's place, so one query can ask about several.
 */
function objectChecks(
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
function meshExplanations(context: Context, target: ZeroTarget): Explanation[] {
  return (context.mesh.explainZero?.(target, formatDuration(context.config.window.maxMs)) ?? [])
    .filter((e) => e.when === "mesh")
    .map((e, i) => ({ ...e, id: `mesh${i}` }));
}

/** What no series of the mesh's counter means, for zero answers and `/readyz` alike. */
export function noMeshSeries(context: Context, selector: string, at: string): string {
  return `${context.backendDescription} has no series of ${selector} at ${at} (MESH=${context.mesh.name}): nothing this mesh reports is there, so every answer is zero; check MESH and PROMETHEUS_URL, that Prometheus scrapes the mesh's proxies, that ${at} falls inside its data, and CLUSTER or CONSUL_DATACENTER if set (the selector pins them)`;
}

/** "deployments shop/web", "namespace shop", "deployments in namespace shop", "deployments". */
const describe = ({ kind, namespace, name }: ZeroTarget) => {
  if (kind === "namespaces" && name !== undefined) return `namespace ${name}`;
  if (name === undefined) return namespace === undefined ? kind : `${kind} in namespace ${namespace}`;
  return `${kind} ${namespace === undefined ? "" : `${namespace}/`}${name}`;
};

/**
 * Why a zero may not mean idle, decided from the checks' counts. A name seen within `MAX_WINDOW`
 * under the labels it is read by is idle and needs no words; otherwise the first cause found is
 * said, in this order: the object's own other telemetry, no mesh series at all, no series with a
 * namespace label, nothing in the namespace, nothing under the kind's label, the name itself.
 */
function verdict(
  context: Context,
  target: ZeroTarget,
  family: SeriesFamily,
  self: IdentityLabels,
  explanations: readonly Explanation[],
  found: Found,
  at: string,
): string | undefined {
  const { count } = found;
  const scoped = target.namespace !== undefined && self.namespace !== undefined;
  // Traffic in scope, none under the kind's label: the relabeling names it otherwise. Said even for
  // an object seen through other labels (an edge's `dst_*`), since its numbers are read by this one.
  const labelMissing = found.scope > 0 && found.labelled === 0;
  if (target.name !== undefined && found.named > 0 && !labelMissing) return undefined;
  const explained = (when: ZeroExplanation["when"]) =>
    explanations.find((e) => e.when === when && count(e.id) > 0)?.warning;
  // The object's own other telemetry says the most: it exists, and why it has no requests.
  const objectExplained = explained("object");
  if (objectExplained !== undefined) return objectExplained;
  const selector = renderSelector(family.counter, family.matchers);
  if (found.mesh === 0) return explained("mesh") ?? noMeshSeries(context, selector, at);
  const maxWindow = formatDuration(context.config.window.maxMs);
  const what = describe(target);
  if (scoped && found.scope === 0 && found.namespaced === 0 && self.namespaceSetting !== undefined) {
    const setting = self.namespaceSetting;
    return `the mesh has traffic, but no series of ${family.counter} carries the label ${self.namespace} (${setting}), which the namespace of ${target.kind} is read from: check ${setting} against your Prometheus relabeling`;
  }
  if (scoped && found.scope === 0) {
    // Only the named object is looked for over MAX_WINDOW: a whole namespace is looked at now.
    return target.name === undefined
      ? `namespace ${target.namespace} has no series of ${selector} at ${at}: no meshed workload there reports serving requests; check the namespace`
      : `namespace ${target.namespace} has no series of ${family.counter} at ${at}, and ${what} has none in the last ${maxWindow} (MAX_WINDOW): never seen; check the namespace and the name`;
  }
  if (labelMissing) {
    const scope = target.namespace === undefined ? "" : ` in namespace ${target.namespace}`;
    const setting = self.setting === undefined ? "" : ` (${self.setting})`;
    const check = `check ${self.setting ?? "the label"} against your Prometheus relabeling`;
    return `the mesh has traffic${scope}, but no series of ${family.counter} there carries the label ${self.name}${setting}, which ${target.kind} are read from: ${target.name === undefined ? `if ${target.kind} run there, ${check}` : check}`;
  }
  if (target.name !== undefined)
    return `${what} has no series of ${family.counter} in the last ${maxWindow} (MAX_WINDOW): never seen; check the name`;
  return undefined;
}

/** One object whose answer was zero: what was asked, and selectors that show it exists. */
export interface ZeroAsk {
  readonly target: ZeroTarget;
  /** Extra selectors that show the object exists (its edges' own). */
  readonly named?: readonly string[];
}

/**
 * Asks, in one cheap query, why answers found nothing, and returns what the caller must be told
 * about each, if anything: one verdict per object, in order. Only zero or empty answers call
 * this: an answer with traffic spends no extra round trip. Several objects (the zero backends of
 * a split) share the census and the mesh's explanations, and add only their own narrow checks.
 */
export async function diagnoseZeros(
  context: Context,
  asks: readonly ZeroAsk[],
  time: Date,
  run: (promql: string) => Promise<InstantVector>,
): Promise<(string | undefined)[]> {
  const first = asks[0]?.target;
  if (first === undefined) return [];
  if (asks.some((a) => a.target.kind !== first.kind)) {
    throw new Error(`diagnoseZeros asks about one kind at a time, not ${first.kind} and others`);
  }
  const { family, self } = context.mesh.resourceView(first.kind);
  const scopedBy = (t: ZeroTarget) => (self.namespace === undefined ? undefined : t.namespace);
  const prepared = asks.map(({ target, named = [] }, i) => {
    const namespace = scopedBy(target);
    const own =
      target.name === undefined
        ? []
        : [
            renderSelector(family.counter, [
              ...family.matchers,
              eq(self.name, target.name),
              ...(namespace === undefined || self.namespace === undefined
                ? []
                : [eq(self.namespace, namespace)]),
            ]),
          ];
    return { target, ...objectChecks(context, `${i}:`, target, [...own, ...named]) };
  });
  const shared = meshExplanations(context, first);
  const result = await run(
    [
      census(
        family,
        self,
        asks.some((a) => scopedBy(a.target) !== undefined),
      ),
      ...[...shared, ...prepared.flatMap((p) => p.checks)].map(
        (c) => `label_replace(count(${c.expr}), "${CHECK_LABEL}", "${c.id}", "", "")`,
      ),
    ].join(" or "),
  );
  const counts = new Map<string, number>();
  const rows: CensusRow[] = [];
  for (const { metric, value } of result.samples) {
    const id = metric[CHECK_LABEL];
    if (id === "census") {
      const namespace = self.namespace === undefined ? "" : (metric[self.namespace] ?? "");
      rows.push({ namespace, labelled: metric[LABELLED] === "1", count: value[1] });
    } else if (id !== undefined) counts.set(id, value[1]);
  }
  const at = formatTimestamp(time);
  return prepared.map(({ target, explanations }, i) => {
    const count = (id: string) => counts.get(id) ?? 0;
    const found = { ...foundFor(rows, scopedBy(target)), named: count(`${i}:named`), count };
    return verdict(context, target, family, self, [...explanations, ...shared], found, at);
  });
}

interface CensusRow {
  readonly namespace: string;
  readonly labelled: boolean;
  readonly count: number;
}

/** One object's view of the census: all of it, what is in its namespace, and under its label. */
function foundFor(rows: readonly CensusRow[], namespace: string | undefined): Omit<Found, "named" | "count"> {
  const sum = (list: readonly CensusRow[]) => list.reduce((total, r) => total + r.count, 0);
  const inScope = rows.filter((r) => namespace === undefined || r.namespace === namespace);
  return {
    mesh: sum(rows),
    scope: sum(inScope),
    labelled: sum(inScope.filter((r) => r.labelled)),
    namespaced: namespace === undefined ? 0 : sum(rows.filter((r) => r.namespace !== "")),
  };
}
