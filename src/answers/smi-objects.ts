import type { EdgeSpec } from "../metrics/edges";
import type { Measurement } from "../metrics/measurement";
import { API_GROUP, type ApiVersion, apiVersionOf, KINDS, type ResourceRef } from "../smi/kinds";
import { formatMilliQuantity } from "../smi/quantity";
import type { LatencyName, ObjectReference, TrafficMetrics, TrafficMetricsList } from "../smi/schemas";
import { formatDuration, formatTimestamp } from "../smi/time";

/** `/apis/metrics.smi-spec.io/{version}/...` for an object, as kubectl would request it. */
export function selfLinkOf(version: ApiVersion, ref: ResourceRef, suffix = ""): string {
  const base = `/apis/${API_GROUP}/${version}`;
  const path =
    ref.namespace === undefined
      ? `/namespaces/${ref.name}`
      : `/namespaces/${ref.namespace}/${ref.kind}/${ref.name}`;
  return `${base}${path}${suffix}`;
}

export function objectReference(ref: ResourceRef): ObjectReference {
  const kind = KINDS[ref.kind].kind;
  return ref.namespace === undefined
    ? { kind, name: ref.name }
    : { kind, namespace: ref.namespace, name: ref.name };
}

const latency = (name: LatencyName, ms: number | null) => ({
  name,
  unit: "ms" as const,
  value: ms === null || !Number.isFinite(ms) ? null : formatMilliQuantity(ms),
});

/** An edge as SMI writes it: which way, the peer (null for a resource's own numbers), the side. */
export const edgeOf = (edge: EdgeSpec): TrafficMetrics["edge"] => ({
  direction: edge.direction,
  resource: edge.peer === null ? null : objectReference(edge.peer),
  side: edge.side,
});

/** A resource's own numbers as an edge: all it received (`from`, no peer), measured on `side`. */
export const ownTraffic = (side: EdgeSpec["side"]): EdgeSpec => ({ direction: "from", peer: null, side });

/**
 * One `TrafficMetrics` object, with `edge.side` for every version: v1alpha1 has no such field, so
 * it is left out where a v1alpha1 object is written (`servedObject`), while a Table still shows it.
 */
export function trafficMetrics(args: {
  version: ApiVersion;
  resource: ResourceRef;
  edge: EdgeSpec;
  time: Date;
  windowMs: number;
  measurement: Measurement;
  selfLink: string;
}): TrafficMetrics {
  const { version, resource, edge, measurement: m } = args;
  const timestamp = formatTimestamp(args.time);
  const metadata: TrafficMetrics["metadata"] = {
    name: resource.name,
    ...(resource.namespace === undefined ? {} : { namespace: resource.namespace }),
    selfLink: args.selfLink,
    creationTimestamp: timestamp,
  };
  const edgeObject = edgeOf(edge);
  return {
    kind: "TrafficMetrics",
    apiVersion: apiVersionOf(version),
    metadata,
    timestamp,
    window: formatDuration(args.windowMs),
    resource: objectReference(resource),
    edge: edgeObject,
    metrics: metricsOf(m),
  };
}

/** A measurement as the SMI `metrics` array: the three latencies, then the two counts. */
export function metricsOf(m: Measurement): TrafficMetrics["metrics"] {
  return [
    latency("p99_response_latency", m.p99Ms),
    latency("p90_response_latency", m.p90Ms),
    latency("p50_response_latency", m.p50Ms),
    { name: "success_count", value: formatMilliQuantity(m.successCount) },
    { name: "failure_count", value: formatMilliQuantity(m.failureCount) },
  ];
}

/** A split backend's observed share as its `traffic_share` metric. */
export const shareMetric = (share: number) => ({
  name: "traffic_share" as const,
  value: formatMilliQuantity(share),
});

export function trafficMetricsList(args: {
  version: ApiVersion;
  selfLink: string;
  resource: TrafficMetricsList["resource"];
  items: TrafficMetrics[];
}): TrafficMetricsList {
  return {
    kind: "TrafficMetricsList",
    apiVersion: apiVersionOf(args.version),
    metadata: { selfLink: args.selfLink },
    resource: args.resource,
    items: args.items,
  };
}

/** One backend of a split, as `trafficMetrics` sees it, with what makes it a backend item. */
export interface BackendItem {
  readonly apex: string;
  readonly name: string;
  readonly weight: number;
  /** Observed share of the split's requests, 0..1. */
  readonly share: number;
  readonly side: "client" | "server";
}

/**
 * A split backend's `TrafficMetrics` (v1alpha2): the split is the resource, `backend` says which
 * backend, `edge` is the spec's `{direction: from, resource: {}}` with the side measured, and
 * `traffic_share` sits beside the configured weight.
 */
export function backendMetrics(
  args: Omit<Parameters<typeof trafficMetrics>[0], "edge"> & { backend: BackendItem },
): TrafficMetrics {
  const { backend } = args;
  const item = trafficMetrics({ ...args, edge: ownTraffic(backend.side) });
  return {
    ...item,
    edge: { direction: "from", resource: {}, side: backend.side },
    backend: { apex: backend.apex, name: backend.name, weight: backend.weight },
    metrics: [...item.metrics, shareMetric(backend.share)],
  };
}
