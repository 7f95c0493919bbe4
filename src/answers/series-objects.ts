import type { EdgeSpec } from "../metrics/edges";
import type { Measurement } from "../metrics/measurement";
import type { TimeRange } from "../metrics/time-range";
import { API_GROUP, type ResourceRef } from "../smi/kinds";
import type { TrafficMetrics, TrafficMetricsSeries, TrafficMetricsSeriesList } from "../smi/schemas";
import { formatDuration, formatTimestamp } from "../smi/time";
import { edgeOf, metricsOf, objectReference, shareMetric } from "./smi-objects";

/** A range answer's range: its window, its first point, its end and its step. */
type Ranged = TimeRange & { readonly points: NonNullable<TimeRange["points"]> };

/** The fields every series object and list carries about its range. */
function rangeFields({ windowMs, time, points }: Ranged) {
  return {
    window: formatDuration(windowMs),
    start: formatTimestamp(points.start),
    end: formatTimestamp(time),
    step: formatDuration(points.stepMs),
  };
}

/** One point of a series: its time, its measurement, and for a split's backend its share. */
export interface SeriesPoint {
  readonly time: number;
  readonly measurement: Measurement;
  readonly share?: number;
}

/**
 * One `TrafficMetricsSeries` (v1alpha2 only: it carries `edge.side`): a resource's own numbers, an
 * edge's, or with `backend` one backend of a split, at every point of the range.
 */
export function trafficMetricsSeries(args: {
  resource: ResourceRef;
  edge: EdgeSpec;
  range: Ranged;
  points: readonly SeriesPoint[];
  selfLink: string;
  backend?: NonNullable<TrafficMetrics["backend"]>;
}): TrafficMetricsSeries {
  const { resource, range } = args;
  return {
    kind: "TrafficMetricsSeries",
    apiVersion: `${API_GROUP}/v1alpha2`,
    metadata: {
      name: resource.name,
      ...(resource.namespace === undefined ? {} : { namespace: resource.namespace }),
      selfLink: args.selfLink,
      creationTimestamp: formatTimestamp(range.time),
    },
    ...rangeFields(range),
    resource: objectReference(resource),
    edge:
      args.backend === undefined
        ? edgeOf(args.edge)
        : { direction: "from", resource: {}, side: args.edge.side },
    ...(args.backend === undefined ? {} : { backend: args.backend }),
    points: args.points.map(({ time, measurement, share }) => ({
      timestamp: formatTimestamp(new Date(time)),
      metrics: share === undefined ? metricsOf(measurement) : [...metricsOf(measurement), shareMetric(share)],
    })),
  };
}

export function trafficMetricsSeriesList(args: {
  selfLink: string;
  resource: TrafficMetricsSeriesList["resource"];
  range: Ranged;
  items: TrafficMetricsSeries[];
}): TrafficMetricsSeriesList {
  return {
    kind: "TrafficMetricsSeriesList",
    apiVersion: `${API_GROUP}/v1alpha2`,
    metadata: { selfLink: args.selfLink },
    ...rangeFields(args.range),
    resource: args.resource,
    items: args.items,
  };
}

/** Whether an answer's time range is a range, with its points. */
export const isRanged = (range: TimeRange): range is Ranged => range.points !== undefined;
