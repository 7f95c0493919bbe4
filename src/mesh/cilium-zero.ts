import { eq, type Matcher, ne, renderSelector } from "../prometheus/promql";
import type { ZeroExplanation, ZeroTarget } from "./adapter";
import {
  type CiliumReadings,
  DESTINATION,
  FLOWS,
  PORTS,
  REQUESTS,
  TCP_FLAGS,
  V1_RESPONSES,
} from "./cilium-readings";

/** The labelsContext this API reads, as the option to set. */
const LABELS_CONTEXT =
  "httpV2:labelsContext=source_namespace,source_workload,source_workload_kind,source_pod,destination_namespace,destination_workload,destination_workload_kind,destination_pod (the *_workload_kind labels need Cilium 1.15+)";

/**
 * What a zero says when Hubble's counter has series but none carries `label`: a context without
 * labelsContext (or with sourceContext/destinationContext), or one without the pod labels. The
 * census finds it (`IdentityLabels.missing`), at no extra cost.
 */
export function unlabelled(label: string): string {
  return label.endsWith("_pod")
    ? `${REQUESTS} has series, but none carries ${label}: Hubble names pods only when httpV2's labelsContext lists source_pod and destination_pod; add them (${LABELS_CONTEXT})`
    : `${REQUESTS} has series, but none carries ${label}: Hubble names workloads only with httpV2's labelsContext option, so set it (${LABELS_CONTEXT}); the single source and destination labels of sourceContext and destinationContext are not read`;
}

/**
 * Why a Cilium zero may not mean idle, in the order the checks are said: the deprecated v1 handler's
 * series, series without workload kinds asked for a kind other than deployments, and a workload
 * with L4 flows only (no L7 policy covers it). With no series of the kind's family at all: the v1
 * handler, httpV2 series that name no server workload (namespaces, and `/readyz`), L4 flows alone.
 * Every check but the census' own is narrow, or cheap where the answer is no.
 */
export function ciliumExplainZero(
  { pins }: CiliumReadings,
  target: ZeroTarget,
  maxWindow: string,
): readonly ZeroExplanation[] {
  const requests = (matchers: readonly Matcher[]) =>
    renderSelector(REQUESTS, [ne("status", ""), ...matchers, ...pins]);
  const v1 = `${renderSelector(V1_RESPONSES, pins)} or ${renderSelector(REQUESTS, [eq("status", ""), ...pins])}`;
  const v1Said = `Prometheus has series of Hubble's deprecated v1 http handler (${V1_RESPONSES}, or ${REQUESTS} without status), which are not read: v1 counts requests apart from responses and swaps source and destination on responses and durations; enable the httpV2 handler in hubble.metrics.enabled (${LABELS_CONTEXT})`;
  const inNamespace = target.namespace === undefined ? [] : [eq(DESTINATION.namespace, target.namespace)];
  return [
    { when: "object", expr: v1, warning: v1Said },
    { when: "mesh", expr: v1, warning: v1Said },
    // Namespaces read only series that name a server workload: the counter alone is the evidence.
    ...(target.kind === "namespaces"
      ? [{ when: "mesh" as const, expr: requests([]), warning: unlabelled(DESTINATION.workload) }]
      : []),
    ...kindsMissing(target, requests, maxWindow),
    { when: "object", expr: l4Expr(target, pins, maxWindow), warning: l4Said(target) },
    {
      when: "mesh",
      expr: renderSelector(FLOWS, [...inNamespace, ...pins]),
      warning: `Prometheus has Hubble's L4 series (${FLOWS}) but no httpV2 ${REQUESTS}: Hubble writes HTTP metrics only with the httpV2 handler in hubble.metrics.enabled, and only for traffic an L7 CiliumNetworkPolicy sends through Envoy`,
    },
  ];
}

/**
 * Series that name workloads but carry no `destination_workload_kind`, asked for a kind other than
 * deployments, under which every such workload is listed. Narrow: the named object's own series,
 * or the asked namespace's.
 */
function kindsMissing(
  target: ZeroTarget,
  requests: (matchers: readonly Matcher[]) => string,
  maxWindow: string,
): ZeroExplanation[] {
  const { kind, namespace, name } = target;
  if (kind === "namespaces" || kind === "pods" || kind === "deployments") return [];
  const scope = [
    ...(namespace === undefined ? [] : [eq(DESTINATION.namespace, namespace)]),
    ...(name === undefined ? [] : [eq(DESTINATION.workload, name)]),
  ];
  const seen = (matchers: readonly Matcher[]) =>
    name === undefined ? requests(matchers) : `present_over_time(${requests(matchers)}[${maxWindow}])`;
  const ask = name === undefined ? "ask for deployments" : `ask for deployments/${name}`;
  return [
    {
      when: "object",
      expr: `${seen([...scope, ne(DESTINATION.workload, "")])} unless on() ${seen([...scope, ne(DESTINATION.kind, "")])}`,
      warning: `Hubble's series carry no ${DESTINATION.kind}, so every workload is listed under deployments and none under ${kind}: ${ask}, or add source_workload_kind and destination_workload_kind to httpV2's labelsContext (Cilium 1.15+)`,
    },
  ];
}

/**
 * The destination matchers naming a zero's target in Hubble's L4 series: namespace and name only,
 * since each L4 metric has its own context option, which may leave out the workload kinds.
 */
function l4Identity({ kind, namespace, name }: ZeroTarget): Matcher[] {
  const optional = (label: string, value: string | undefined) =>
    value === undefined ? [] : [eq(label, value)];
  if (kind === "namespaces") return optional(DESTINATION.namespace, name);
  const named = kind === "pods" ? DESTINATION.pod : DESTINATION.workload;
  return [...optional(DESTINATION.namespace, namespace), ...optional(named, name)];
}

/**
 * L4 traffic into the target: flows and destination ports not on the egress side (a reply to a
 * client is egress traffic; an absent `traffic_direction` still counts), or connection attempts
 * (SYN, which go client to server). One named object is looked for over MAX_WINDOW; a whole
 * namespace or list is looked at now.
 */
function l4Expr(target: ZeroTarget, pins: readonly Matcher[], maxWindow: string): string {
  const identity = [...l4Identity(target), ...pins];
  const inbound = [ne("traffic_direction", "egress"), ...identity];
  const selectors = [
    renderSelector(FLOWS, inbound),
    renderSelector(PORTS, inbound),
    renderSelector(TCP_FLAGS, [eq("flag", "SYN"), ...identity]),
  ];
  const named = target.kind !== "namespaces" && target.name !== undefined;
  return selectors.map((s) => (named ? `present_over_time(${s}[${maxWindow}])` : s)).join(" or ");
}

function l4Said({ kind, namespace, name }: ZeroTarget): string {
  const what =
    kind === "namespaces" && name !== undefined
      ? `namespace ${name}`
      : name === undefined
        ? `${kind}${namespace === undefined ? "" : ` in namespace ${namespace}`}`
        : `${kind} ${namespace === undefined ? "" : `${namespace}/`}${name}`;
  return `only L4 (Hubble flow) telemetry exists for ${what}: Hubble reports HTTP requests only for traffic an L7 CiliumNetworkPolicy (or an Envoy redirect) sends through Envoy, and none covers it; an L7 policy would give HTTP metrics`;
}
