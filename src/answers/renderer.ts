import type { EdgeSpec } from "../metrics/edges";
import type { Measurement } from "../metrics/measurement";
import { pointTimes, type TimeRange } from "../metrics/time-range";
import type { ApiVersion, ResourceRef } from "../smi/kinds";
import type {
  TrafficMetrics,
  TrafficMetricsList,
  TrafficMetricsSeries,
  TrafficMetricsSeriesList,
} from "../smi/schemas";
import { isRanged, trafficMetricsSeries, trafficMetricsSeriesList } from "./series-objects";
import { type BackendItem, backendMetrics, trafficMetrics, trafficMetricsList } from "./smi-objects";

/** A list answer: of objects at one time, or of series over a range. */
export type MetricsList = TrafficMetricsList | TrafficMetricsSeriesList;

/** What was measured for one item: at the answer's time, and at every point of its range. */
interface Measured {
  readonly measurement: Measurement;
  readonly series: readonly Measurement[];
}

/** One item of an answer: what it is about, which traffic, its numbers, and for a split its backend. */
interface ItemArgs {
  readonly resource: ResourceRef;
  readonly edge: EdgeSpec;
  readonly measured: Measured;
  readonly selfLink: string;
  /** A split's backend, with its share at the answer's time and at every point. */
  readonly backend?: BackendItem & { readonly shares: readonly number[] };
}

/** How an answer is written: instant objects, or (with `start`) their series over a range. */
export interface Renderer {
  item(args: ItemArgs): TrafficMetrics | TrafficMetricsSeries;
  list(args: {
    selfLink: string;
    resource: TrafficMetricsList["resource"];
    items: (TrafficMetrics | TrafficMetricsSeries)[];
  }): MetricsList;
}

/**
 * The renderer for an answer: one object per item at the answer's time, or a series per item with
 * one point per step of its range. Every use case builds its items once, through this.
 */
export function rendererFor(version: ApiVersion, range: TimeRange): Renderer {
  if (!isRanged(range)) {
    return {
      item: ({ resource, edge, measured, selfLink, backend }) =>
        backend === undefined
          ? trafficMetrics({ version, resource, edge, ...range, measurement: measured.measurement, selfLink })
          : backendMetrics({
              version,
              resource,
              ...range,
              measurement: measured.measurement,
              selfLink,
              backend,
            }),
      list: ({ selfLink, resource, items }) =>
        trafficMetricsList({ version, selfLink, resource, items: items as TrafficMetrics[] }),
    };
  }
  const times = pointTimes(range);
  return {
    item: ({ resource, edge, measured, selfLink, backend }) =>
      trafficMetricsSeries({
        resource,
        edge,
        range,
        selfLink,
        points: times.map((time, i) => ({
          time,
          measurement: measured.series[i] as Measurement,
          ...(backend === undefined ? {} : { share: backend.shares[i] ?? 0 }),
        })),
        ...(backend === undefined
          ? {}
          : { backend: { apex: backend.apex, name: backend.name, weight: backend.weight } }),
      }),
    list: ({ selfLink, resource, items }) =>
      trafficMetricsSeriesList({ selfLink, resource, range, items: items as TrafficMetricsSeries[] }),
  };
}
