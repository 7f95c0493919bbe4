import { BadRequestError } from "../errors/request-errors";
import { formatDuration, parseDurationMs } from "../smi/time";
import {
  formatInstant,
  parseInstant,
  refuseUnknownParameters,
  resolveTimeRange,
  TIME_PARAMETERS,
  type TimeRange,
  timeRangeOfQuery,
  type WindowBounds,
} from "./time-range";

/** Query parameters of a range answer: its first point, its last, and the step between points. */
const RANGE_PARAMETERS = ["start", "end", "step"] as const;

/** Points one object of a range answer may have: a day at a 90 s step, a week at 10 min. */
const MAX_POINTS_PER_OBJECT = 1000;

/**
 * Reads the time parameters of a metrics path: `t` and `time` for an instant answer, or `start`
 * (which makes it a range), `end` and `step` with `t` for a range answer, whose points each cover
 * the window `t` ending there. Anything out of bounds is a 400 that says what is accepted.
 */
export function timeOrRangeOfQuery(
  query: URLSearchParams,
  bounds: WindowBounds,
  now: Date,
  extra: readonly string[] = [],
): TimeRange {
  const ranged = RANGE_PARAMETERS.some((p) => query.has(p));
  if (!ranged) return timeRangeOfQuery(query, bounds, now, [...extra, ...RANGE_PARAMETERS]);
  refuseUnknownParameters(query, [...TIME_PARAMETERS, ...RANGE_PARAMETERS, ...extra]);
  // Without start there is no range: an instant answer's `time` beside a stray `step` is told so.
  const startText = query.get("start");
  if (startText === null) {
    throw new BadRequestError(
      '"end" and "step" make a range only with "start": give start (RFC 3339 or Unix seconds), or leave end and step out for an instant answer',
    );
  }
  if (query.has("time")) {
    throw new BadRequestError(
      '"time" is the end of an instant answer, and a range runs from "start" to "end": give "end" (or leave it out for now) instead of "time"',
    );
  }
  const window = query.get("t") ?? query.get("window") ?? undefined;
  const end = resolveTimeRange(
    {
      window,
      time: query.get("end") ?? undefined,
      names: { window: query.has("t") ? "t" : "window", time: "end" },
    },
    bounds,
    now,
  );
  const start = parseInstant(startText, "start");
  if (start.getTime() >= end.time.getTime()) {
    throw new BadRequestError(
      `invalid start: ${formatInstant(start)} is not before end ${formatInstant(end.time)}; a range runs from start to a later end`,
    );
  }
  const stepMs = stepOf(query.get("step"), end.windowMs, bounds);
  checkPoints(start, end.time, stepMs);
  return { ...end, points: { start, stepMs } };
}

/** `step`: a duration no shorter than the scrape interval; the window when not given. */
function stepOf(text: string | null, windowMs: number, bounds: WindowBounds): number {
  if (text === null) return windowMs;
  const accepted = `a duration such as 1m or 5m, at least SCRAPE_INTERVAL (${formatDuration(bounds.minMs)})`;
  const ms = parseDurationMs(text);
  if (ms === undefined || ms === 0)
    throw new BadRequestError(`invalid step: "${text}" is not a duration; expected ${accepted}`);
  if (ms < bounds.minMs) {
    throw new BadRequestError(
      `invalid step: ${text} is shorter than the scrape interval; expected ${accepted}: points closer than one scrape hold no new samples`,
    );
  }
  return ms;
}

/** At most `MAX_POINTS_PER_OBJECT` points, with the step or range that would fit. */
function checkPoints(start: Date, end: Date, stepMs: number): void {
  const spanMs = end.getTime() - start.getTime();
  const points = Math.floor(spanMs / stepMs) + 1;
  if (points <= MAX_POINTS_PER_OBJECT) return;
  const fitting = formatDuration(Math.ceil(spanMs / (MAX_POINTS_PER_OBJECT - 1) / 1000) * 1000);
  throw new BadRequestError(
    `the range from start to end every ${formatDuration(stepMs)} is ${points} points, over the ${MAX_POINTS_PER_OBJECT} a range answer may have per object; give a step of at least ${fitting}, or a shorter range`,
  );
}
