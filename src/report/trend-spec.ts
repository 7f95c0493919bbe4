import * as z from "zod";
import { BadRequestError } from "../errors/request-errors";
import { resolveTimeRange, type TimeRange, type WindowBounds } from "../metrics/time-range";
import { formatDuration, parseDurationMs } from "../smi/time";

/** Intervals a trend covers when the spec does not say: a day of an hourly report's windows. */
const DEFAULT_INTERVALS = 24;
/** Points a trend may have: past this a chart's x-axis is no longer readable. */
const MAX_INTERVALS = 200;

/** `trend` in a report spec: the period the trend covers, and the interval of each point. */
export const TrendSpecSchema = z.strictObject({
  /** How far back the trend goes from the report's end; 24 intervals by default. */
  period: z.string().optional(),
  /** Each point's window and the step between points; the report's window by default. */
  interval: z.string().optional(),
});
type TrendSpec = z.infer<typeof TrendSpecSchema>;

/** A trend's range: a point every interval, each the interval ending there. */
export type TrendRange = TimeRange & { readonly points: NonNullable<TimeRange["points"]> };

/**
 * The trend's range: points every `interval` up to the report's end, each the interval ending
 * there, so together they cover exactly `period`, a whole number of intervals. The interval is each
 * point's window, bounded as any window is; a problem is a 400 naming the spec's field.
 */
export function resolveTrend(
  trend: TrendSpec | undefined,
  report: TimeRange,
  bounds: WindowBounds,
  now: Date,
): TrendRange {
  const intervalMs =
    trend?.interval === undefined
      ? report.windowMs
      : resolveTimeRange(
          { window: trend.interval, names: { window: "trend.interval", time: "time" } },
          bounds,
          now,
        ).windowMs;
  const periodMs = trend?.period === undefined ? DEFAULT_INTERVALS * intervalMs : periodOf(trend.period);
  const interval = formatDuration(intervalMs);
  const intervals = periodMs / intervalMs;
  if (!Number.isInteger(intervals)) {
    throw new BadRequestError(
      `invalid trend.period: ${trend?.period} is not a whole number of intervals of ${interval}; give a multiple of trend.interval, such as ${formatDuration(Math.max(1, Math.round(intervals)) * intervalMs)}`,
    );
  }
  if (intervals > MAX_INTERVALS) {
    throw new BadRequestError(
      `trend.period ${formatDuration(periodMs)} every ${interval} is ${intervals} points, over the ${MAX_INTERVALS} a trend's chart can show; give a longer trend.interval, such as ${formatDuration(Math.ceil(periodMs / MAX_INTERVALS / 60_000) * 60_000)}, or a shorter period`,
    );
  }
  const end = report.time.getTime();
  return {
    windowMs: intervalMs,
    time: report.time,
    points: { start: new Date(end - periodMs + intervalMs), stepMs: intervalMs },
  };
}

function periodOf(text: string): number {
  const ms = parseDurationMs(text);
  if (ms === undefined || ms === 0)
    throw new BadRequestError(
      `invalid trend.period: "${text}" is not a duration; expected one such as 6h or 24h`,
    );
  return ms;
}
