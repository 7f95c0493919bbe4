import type { IdentityLabels } from "../mesh/adapter";
import { eq, type Matcher } from "../prometheus/promql";
import { KINDS, type KindName, type ResourceRef } from "../smi/kinds";
import type { Grouping } from "./query-plan";

/** Exact matchers for one object: its name and, where the series carry it, its namespace. */
export function identityMatchers(
  labels: IdentityLabels,
  ref: { namespace?: string; name: string },
): Matcher[] {
  const matchers = [eq(labels.name, ref.name)];
  if (labels.namespace !== undefined && ref.namespace !== undefined)
    matchers.push(eq(labels.namespace, ref.namespace));
  return matchers;
}

/** Group by the labels that name an object of this kind. */
export const grouping = (labels: IdentityLabels): Grouping => ({
  namespace: labels.namespace,
  names: [labels.name],
});

/** A reference of the given kind; namespaces never carry a namespace. */
export function refOf(kind: KindName, key: { namespace?: string | undefined; name: string }): ResourceRef {
  return KINDS[kind].namespaced && key.namespace !== undefined
    ? { kind, namespace: key.namespace, name: key.name }
    : { kind, name: key.name };
}

/** One key per object: namespace, name and kind. */
export const refKey = (ref: { kind?: string; namespace?: string; name: string }) =>
  `${ref.namespace ?? ""}/${ref.name}/${ref.kind ?? ""}`;
/** Orders measured objects by namespace, name and kind, as every list is sent. */
export const byId = (a: { ref: ResourceRef }, b: { ref: ResourceRef }) =>
  refKey(a.ref).localeCompare(refKey(b.ref));
