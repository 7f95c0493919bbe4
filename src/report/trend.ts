import { summarize } from "../answers/summary";
import type { Context } from "../config/context";
import type { Side } from "../mesh/adapter";
import type { Measurement } from "../metrics/measurement";
import type { RequestStats } from "../metrics/request-stats";
import type { MeasuredResource } from "../metrics/resources";
import { pointTimes } from "../metrics/time-range";
import type { KindName } from "../smi/kinds";
import { formatDuration, formatTimestamp } from "../smi/time";
import { measureScopes } from "./scopes";
import type { ResolvedReportSpec } from "./spec";

/** One interval of a resource's trend, as plain numbers (see `Summary`): null rates without traffic. */
interface TrendPoint {
  /** The end of the interval. */
  readonly timestamp: string;
  readonly requests: number;
  /** Share of requests that succeeded, 0..1. */
  readonly successRate: number | null;
  readonly p99Ms: number | null;
}

/** One resource's success rate and p99 at every interval, measured at `side`. */
export interface ResourceTrend {
  readonly namespace?: string;
  readonly name: string;
  readonly side: Side;
  readonly points: readonly TrendPoint[];
}

/** The trends of one scope of the report: a kind, in a namespace or all. */
export interface ScopeTrend {
  readonly kind: KindName;
  readonly namespace?: string;
  readonly resources: readonly ResourceTrend[];
}

/** The report's trend section: every scope's resources at every interval of the period. */
export interface ReportTrend {
  readonly period: string;
  readonly interval: string;
  /** The first point: the end of the first interval. */
  readonly start: string;
  /** The last point: the report's end. */
  readonly end: string;
  readonly scopes: readonly ScopeTrend[];
}

/**
 * Measures the trend: one range answer's queries per scope (a list's two, sent once as
 * query_range for every interval), never a query per resource or per point.
 */
export async function buildTrend(
  context: Context,
  spec: ResolvedReportSpec,
  stats: RequestStats,
): Promise<ReportTrend> {
  const range = spec.trend;
  const measured = await measureScopes(context, spec, range, stats);
  const times = pointTimes(range);
  return {
    period: formatDuration(times.length * range.points.stepMs),
    interval: formatDuration(range.points.stepMs),
    start: formatTimestamp(range.points.start),
    end: formatTimestamp(range.time),
    scopes: measured.map(({ kind, namespace, resources }) => ({
      kind,
      ...(namespace === undefined ? {} : { namespace }),
      resources: resources.map((resource) => resourceTrend(resource, times, range.windowMs)),
    })),
  };
}

function resourceTrend(
  resource: MeasuredResource,
  times: readonly number[],
  windowMs: number,
): ResourceTrend {
  const { ref, side, series } = resource;
  return {
    ...(ref.namespace === undefined ? {} : { namespace: ref.namespace }),
    name: ref.name,
    side,
    points: times.map((time, i) => {
      const summary = summarize(
        { measurement: series[i] as Measurement, side },
        { windowMs, time: new Date(time) },
      );
      const { timestamp, requests, successRate, p99Ms } = summary;
      return { timestamp, requests, successRate, p99Ms };
    }),
  };
}
