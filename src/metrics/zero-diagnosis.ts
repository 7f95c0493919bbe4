import type { Context } from "../config/context";
import {
  counterMatchersOf,
  type IdentityLabels,
  type SeriesFamily,
  type ZeroExplanation,
  type ZeroTarget,
} from "../mesh/adapter";
import { type MeshSignature, otherMeshSignatures } from "../mesh/select";
import type { QueryResult } from "../prometheus/client";
import { eq, renderSelector } from "../prometheus/promql";
import { KINDS, type KindName } from "../smi/kinds";
import { formatDuration, formatTimestamp } from "../smi/time";
import {
  CHECK_LABEL,
  census,
  type Explanation,
  LABELLED,
  meshExplanations,
  objectChecks,
  otherKindChecks,
  otherMeshChecks,
} from "./zero-checks";

/** What the diagnosis query found, as counts of series. */
interface Found {
  /** Series of the counter at all, at the answer's time. */
  readonly mesh: number;
  /** Of those, series in the asked namespace (all of them when none is asked). */
  readonly scope: number;
  /** Of those, series that carry the kind's label. */
  readonly labelled: number;
  /** Series of the counter that carry the kind's label, in any namespace. */
  readonly labelledAnywhere: number;
  /** Series of the counter that carry the namespace label at all (when a namespace is asked). */
  readonly namespaced: number;
  /** Series of the object's own selectors over `MAX_WINDOW`. */
  readonly named: number;
  /** The catalog that lists the named object (Consul's), though it sent nothing. */
  readonly listed: string | undefined;
  /** Another kind of the mesh's under which the name has series (a StatefulSet asked as a deployment). */
  readonly otherKind: KindName | undefined;
  /** The count of a check by its full id (the explanations'). */
  readonly count: (id: string) => number;
}

/**
 * What a zero answer must say: the text, and whether it doubts the zero. A doubted zero (a typo, the
 * wrong mesh) may not mean idle, so a gate never passes it; an idle object the catalog lists is
 * said to be idle, and is no doubt.
 */
export interface ZeroVerdict {
  readonly text: string;
  readonly doubt: boolean;
}

const doubt = (text: string): ZeroVerdict => ({ text, doubt: true });

/** Other meshes whose request counters have series, by the counts of the one diagnosis query. */
export function otherMeshesFound(context: Context, count: (id: string) => number): readonly MeshSignature[] {
  return otherMeshSignatures(context.mesh.name).filter((m) => count(`othermesh:${m.mesh}`) > 0);
}

/**
 * What no series of the mesh's counter means, for zero answers and `/readyz` alike. When another
 * mesh's counter has series, that is the answer: the MESH to set.
 */
export function noMeshSeries(
  context: Context,
  selector: string,
  at: string,
  others: readonly MeshSignature[] = [],
): string {
  const missing = `${context.backendDescription} has no series of ${selector} at ${at} (MESH=${context.mesh.name})`;
  if (others.length > 0) {
    const has = others.map((m) => `${m.title}'s ${m.counter}`).join(" and ");
    return `${missing}: this Prometheus has ${has}; set ${others.map((m) => `MESH=${m.mesh}`).join(" or ")}`;
  }
  return `${missing}: nothing this mesh reports is there, so every answer is zero; check MESH and PROMETHEUS_URL, that Prometheus scrapes the mesh's proxies, that ${at} falls inside its data, and CLUSTER or CONSUL_DATACENTER if set (the selector pins them)`;
}

/** "deployments shop/web", "namespace shop", "deployments in namespace shop", "deployments". */
export const describe = ({ kind, namespace, name }: ZeroTarget) => {
  if (kind === "namespaces" && name !== undefined) return `namespace ${name}`;
  if (name === undefined) return namespace === undefined ? kind : `${kind} in namespace ${namespace}`;
  return `${kind} ${namespace === undefined ? "" : `${namespace}/`}${name}`;
};

/** How one asked object is read: its kind's family and labels, and what the census found. */
interface Reading {
  readonly target: ZeroTarget;
  readonly family: SeriesFamily;
  readonly self: IdentityLabels;
  readonly explanations: readonly Explanation[];
  readonly found: Found;
  readonly at: string;
}

/**
 * Why a zero may not mean idle, decided from the checks' counts. A name seen within `MAX_WINDOW`
 * under the labels it is read by is idle and needs no words; otherwise the first cause found is
 * said, in this order: the object's own other telemetry, no mesh series at all, no series with a
 * namespace label, nothing in the namespace, nothing under the kind's label, the name itself.
 */
function verdict(context: Context, reading: Reading): ZeroVerdict | undefined {
  const { target, family, self, explanations, found, at } = reading;
  const { count } = found;
  const scoped = target.namespace !== undefined && self.namespace !== undefined;
  // Traffic in scope, none under the kind's label: the relabeling names it otherwise. Said even for
  // an object seen through other labels (an edge's `dst_*`), since its numbers are read by this one.
  const labelMissing = found.scope > 0 && found.labelled === 0;
  if (target.name !== undefined && found.named > 0 && !labelMissing) return undefined;
  // No series carries the label at all, where the proxy writes it only when configured to.
  if (self.missing !== undefined && found.mesh > 0 && found.labelledAnywhere === 0)
    return doubt(self.missing);
  const explained = (when: ZeroExplanation["when"]) =>
    explanations.find((e) => e.when === when && count(e.id) > 0)?.warning;
  // The object's own other telemetry says the most: it exists, and why it has no requests.
  const objectExplained = explained("object");
  if (objectExplained !== undefined) return doubt(objectExplained);
  const selector = renderSelector(family.counter, counterMatchersOf(family));
  if (found.mesh === 0)
    return doubt(explained("mesh") ?? noMeshSeries(context, selector, at, otherMeshesFound(context, count)));
  if (scoped && found.scope === 0 && found.namespaced === 0 && self.namespaceSetting !== undefined) {
    const setting = self.namespaceSetting;
    return doubt(
      `the mesh has traffic, but no series of ${family.counter} carries the label ${self.namespace} (${setting}), which the namespace of ${target.kind} is read from: check ${setting} against your Prometheus relabeling`,
    );
  }
  const maxWindow = formatDuration(context.config.window.maxMs);
  if (scoped && found.scope === 0) {
    // Only the named object is looked for over MAX_WINDOW: a whole namespace is looked at now.
    return doubt(
      target.name === undefined
        ? `namespace ${target.namespace} has no series of ${selector} at ${at}: no meshed workload there reports serving requests; check the namespace`
        : `namespace ${target.namespace} has no series of ${family.counter} at ${at}, and ${describe(target)} has none in the last ${maxWindow} (MAX_WINDOW): never seen; check the namespace and the name`,
    );
  }
  if (labelMissing) {
    const scope = target.namespace === undefined ? "" : ` in namespace ${target.namespace}`;
    const setting = self.setting === undefined ? "" : ` (${self.setting})`;
    const check = `check ${self.setting ?? "the label"} against your Prometheus relabeling`;
    return doubt(
      `the mesh has traffic${scope}, but no series of ${family.counter} there carries the label ${self.name}${setting}, which ${target.kind} are read from: ${target.name === undefined ? `if ${target.kind} run there, ${check}` : check}`,
    );
  }
  return target.name === undefined ? undefined : neverSeen(reading, maxWindow);
}

/**
 * A named object with no series in `MAX_WINDOW`: idle if the mesh's catalog lists it, a name the
 * mesh knows under another kind, or a name it has never seen.
 */
function neverSeen({ target, family, found }: Reading, maxWindow: string): ZeroVerdict {
  const what = describe(target);
  if (found.listed !== undefined)
    return {
      text: `${what} is idle (listed in ${found.listed}, no requests in the last ${maxWindow} (MAX_WINDOW))`,
      doubt: false,
    };
  const none = `${what} has no series of ${family.counter} in the last ${maxWindow} (MAX_WINDOW)`;
  const other = found.otherKind;
  if (other !== undefined) {
    return doubt(
      `${none}, but ${target.name} is a ${KINDS[other].kind.toLowerCase()}: ask for ${other}/${target.name}`,
    );
  }
  return doubt(`${none}: never seen; check the name`);
}

/** One object whose answer was zero: what was asked, and selectors that show it exists. */
export interface ZeroAsk {
  readonly target: ZeroTarget;
  /** Extra selectors that show the object exists (its edges' own). */
  readonly named?: readonly string[];
  /**
   * Whether to look for its name under the mesh's other kinds: yes for an object asked by name, no
   * for a split's backend, whose kind is fixed by the split.
   */
  readonly otherKinds?: boolean;
}

/** The object's own exact selector, read by its kind's labels. */
function ownSelector(
  family: SeriesFamily,
  self: IdentityLabels,
  name: string,
  namespace: string | undefined,
) {
  const scope =
    namespace === undefined || self.namespace === undefined ? [] : [eq(self.namespace, namespace)];
  return renderSelector(family.counter, [...counterMatchersOf(family), eq(self.name, name), ...scope]);
}

/**
 * Asks, in one cheap query, why answers found nothing, and returns what the caller must be told
 * about each, if anything: one verdict per object, in order. Only zero or empty answers call
 * this: an answer with traffic spends no extra round trip. Several objects (the zero backends of
 * a split) share the census, the mesh's explanations and the other meshes' counters, and add only
 * their own narrow checks. A mesh with a catalog is asked, beside the query, whether it lists them.
 */
export async function diagnoseZeros(
  context: Context,
  asks: readonly ZeroAsk[],
  time: Date,
  run: (promql: string) => Promise<QueryResult>,
): Promise<(ZeroVerdict | undefined)[]> {
  const first = asks[0]?.target;
  if (first === undefined) return [];
  if (asks.some((a) => a.target.kind !== first.kind)) {
    throw new Error(`diagnoseZeros asks about one kind at a time, not ${first.kind} and others`);
  }
  const { family, self } = context.mesh.resourceView(first.kind);
  const scopedBy = (t: ZeroTarget) => (self.namespace === undefined ? undefined : t.namespace);
  const prepared = asks.map(({ target, named = [], otherKinds = true }, i) => {
    const own = target.name === undefined ? [] : [ownSelector(family, self, target.name, scopedBy(target))];
    const checks = objectChecks(context, `${i}:`, target, [...own, ...named]);
    const kinds = otherKinds ? otherKindChecks(context, `${i}:`, target) : [];
    return { target, explanations: checks.explanations, checks: [...checks.checks, ...kinds] };
  });
  const shared = meshExplanations(context, first);
  const query = [
    census(
      family,
      self,
      asks.some((a) => scopedBy(a.target) !== undefined),
    ),
    ...[...shared, ...otherMeshChecks(context), ...prepared.flatMap((p) => p.checks)].map(
      (c) => `label_replace(count(${c.expr}), "${CHECK_LABEL}", "${c.id}", "", "")`,
    ),
  ].join(" or ");
  const [result, listed] = await Promise.all([run(query), catalogListed(context, asks)]);
  const { counts, rows } = tally(result, self);
  const at = formatTimestamp(time);
  return prepared.map(({ target, explanations }, i) => {
    const count = (id: string) => counts.get(id) ?? 0;
    const otherKind = context.mesh.kinds.find((kind) => count(`${i}:kind:${kind}`) > 0);
    const found = {
      ...foundFor(rows, scopedBy(target)),
      named: count(`${i}:named`),
      listed: listed[i],
      otherKind,
      count,
    };
    return verdict(context, { target, family, self, explanations: [...explanations, ...shared], found, at });
  });
}

/**
 * For each ask, the catalog that lists its object by name, if the mesh has a catalog: asked only
 * on the zero path, from the catalog the lists read (cached by its client).
 */
async function catalogListed(context: Context, asks: readonly ZeroAsk[]): Promise<(string | undefined)[]> {
  const { mesh } = context;
  if (mesh.knownResources === undefined) return asks.map(() => undefined);
  return Promise.all(
    asks.map(async ({ target }) => {
      if (target.name === undefined) return undefined;
      const known = await mesh.knownResources?.(target.kind as KindName, target.namespace);
      const match = known?.refs.some((r) => r.name === target.name && r.namespace === target.namespace);
      return match ? known?.listedBy : undefined;
    }),
  );
}

interface CensusRow {
  readonly namespace: string;
  readonly labelled: boolean;
  readonly count: number;
}

/** The diagnosis query's answer as counts by check id, and the census rows. */
function tally(result: QueryResult, self: IdentityLabels) {
  const counts = new Map<string, number>();
  const rows: CensusRow[] = [];
  for (const { metric, value } of result.samples) {
    const id = metric[CHECK_LABEL];
    if (id === "census") {
      const namespace = self.namespace === undefined ? "" : (metric[self.namespace] ?? "");
      rows.push({ namespace, labelled: metric[LABELLED] === "1", count: value[1] });
    } else if (id !== undefined) counts.set(id, value[1]);
  }
  return { counts, rows };
}

/** One object's view of the census: all of it, what is in its namespace, and under its label. */
function foundFor(
  rows: readonly CensusRow[],
  namespace: string | undefined,
): Omit<Found, "named" | "count" | "listed" | "otherKind"> {
  const sum = (list: readonly CensusRow[]) => list.reduce((total, r) => total + r.count, 0);
  const inScope = rows.filter((r) => namespace === undefined || r.namespace === namespace);
  return {
    mesh: sum(rows),
    scope: sum(inScope),
    labelled: sum(inScope.filter((r) => r.labelled)),
    labelledAnywhere: sum(rows.filter((r) => r.labelled)),
    namespaced: namespace === undefined ? 0 : sum(rows.filter((r) => r.namespace !== "")),
  };
}
