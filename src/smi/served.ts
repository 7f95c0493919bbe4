import { API_GROUP } from "./kinds";
import type { TrafficMetrics, TrafficMetricsList } from "./schemas";

const V1ALPHA1 = `${API_GROUP}/v1alpha1`;

/**
 * An object as it is written for its apiVersion. Objects are built with `edge.side` for every
 * version; v1alpha1 has no such field, so it is left out there rather than sent to clients that do
 * not know it (a Table's SIDE column still shows it).
 */
export function servedObject(item: TrafficMetrics): TrafficMetrics {
  if (item.apiVersion !== V1ALPHA1) return item;
  const { side: _side, ...edge } = item.edge;
  return { ...item, edge };
}

/** A whole answer as it is written: `servedObject` of each item. */
export function servedBody(body: TrafficMetrics | TrafficMetricsList): TrafficMetrics | TrafficMetricsList {
  if (body.kind === "TrafficMetrics") return servedObject(body);
  return body.apiVersion === V1ALPHA1 ? { ...body, items: body.items.map(servedObject) } : body;
}
