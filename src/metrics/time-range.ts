import * as z from "zod";
import { BadRequestError } from "../errors/request-errors";
import { formatDuration, parseDurationMs } from "../smi/time";

/** The window and instant one answer covers, or for a range answer its points. */
export interface TimeRange {
  readonly windowMs: number;
  /** End of the window: the instant answered, or a range's last point. */
  readonly time: Date;
  /**
   * A range answer's first point and step: a point every `stepMs` from `start` to `time`, each
   * the window ending there. Absent for an instant answer, which is the one point `time`.
   */
  readonly points?: { readonly start: Date; readonly stepMs: number } | undefined;
}

/** The end of each point's window, in epoch ms, in order: one for an instant answer. */
export function pointTimes({ time, points }: Pick<TimeRange, "time" | "points">): number[] {
  if (points === undefined) return [time.getTime()];
  const times: number[] = [];
  for (let t = points.start.getTime(); t <= time.getTime(); t += points.stepMs) times.push(t);
  return times;
}

/** The window lengths the operator allows (`SCRAPE_INTERVAL`, `MAX_WINDOW`) and the default. */
export interface WindowBounds {
  readonly defaultMs: number;
  readonly minMs: number;
  readonly maxMs: number;
}

/**
 * How far ahead of our clock a caller's `time` may be: a caller whose clock runs a little fast is
 * not wrong, but a time beyond this has no data yet, and answering it would look like idleness.
 */
const MAX_CLOCK_SKEW_MS = 60_000;

const UNIX_SECONDS = /^\d{1,11}(\.\d{1,9})?$/;
const RFC3339 = z.iso.datetime({ offset: true });

/** `time`: RFC 3339 or Unix seconds, as the Prometheus API takes it. */
export const InstantSchema = z.string().transform((text, ctx) => {
  if (UNIX_SECONDS.test(text)) return new Date(Number(text) * 1000);
  if (RFC3339.safeParse(text).success) return new Date(text);
  ctx.addIssue({
    code: "custom",
    message: `"${text}" is not a time; expected RFC 3339 (2026-11-25T09:00:00Z) or Unix seconds (1795597200)`,
  });
  return z.NEVER;
});

/** What a caller wrote, and under which names, so errors point at the caller's own words. */
export interface TimeRangeInput {
  readonly window?: string | undefined;
  readonly time?: string | undefined;
  /** How the caller spells the two fields, e.g. `t` and `time`, or `metadata.window`. */
  readonly names?: { readonly window: string; readonly time: string };
  /** Window when none is given; the operator's `DEFAULT_WINDOW` unless the caller has its own. */
  readonly defaultWindowMs?: number;
}

/**
 * The one reader of a window and an end time, for the API, the Flagger gate and report specs.
 * Bad, out-of-range or future values are a 400 that says what is accepted: the reference server
 * silently fell back to 30s, and a caller could not tell.
 */
export function resolveTimeRange(input: TimeRangeInput, bounds: WindowBounds, now: Date): TimeRange {
  const names = input.names ?? { window: "window", time: "time" };
  const windowMs = input.window === undefined ? (input.defaultWindowMs ?? bounds.defaultMs) : undefined;
  const time = input.time === undefined ? now : parseInstant(input.time, names.time);
  if (time.getTime() > now.getTime() + MAX_CLOCK_SKEW_MS) {
    throw new BadRequestError(
      `invalid ${names.time}: ${formatInstant(time)} is in the future (now is ${formatInstant(now)}); there is no traffic to measure there yet. Give a time up to now, or leave ${names.time} out for now`,
    );
  }
  return { windowMs: windowMs ?? parseWindow(input.window as string, names.window, bounds), time };
}

function parseWindow(text: string, name: string, bounds: WindowBounds): number {
  const accepted = `a duration such as 30s, 5m or 1h, at least ${formatDuration(bounds.minMs)} and at most ${formatDuration(bounds.maxMs)}`;
  const ms = parseDurationMs(text);
  if (ms === undefined)
    throw new BadRequestError(`invalid ${name}: "${text}" is not a duration; expected ${accepted}`);
  if (ms < bounds.minMs || ms > bounds.maxMs) {
    throw new BadRequestError(`invalid ${name}: ${text} is out of range; expected ${accepted}`);
  }
  return ms;
}

export function parseInstant(text: string, name: string): Date {
  const parsed = InstantSchema.safeParse(text);
  if (!parsed.success) {
    throw new BadRequestError(`invalid ${name}: ${parsed.error.issues.map((i) => i.message).join("; ")}`, {
      issues: parsed.error.issues,
    });
  }
  return parsed.data;
}

export const formatInstant = (time: Date) => `${time.toISOString().slice(0, 19)}Z`;

/** Query parameters every metrics read accepts. */
export const TIME_PARAMETERS = ["t", "window", "time"] as const;

/** Refuses parameters a route does not read, and repeated ones, naming what is accepted. */
export function refuseUnknownParameters(query: URLSearchParams, allowed: readonly string[]): void {
  const seen = new Set<string>();
  for (const key of query.keys()) {
    if (!allowed.includes(key)) {
      throw new BadRequestError(`unknown query parameter "${key}"; accepted: ${allowed.join(", ")}`);
    }
    if (seen.has(key)) throw new BadRequestError(`query parameter "${key}" is given more than once`);
    seen.add(key);
  }
}

/**
 * Reads `t` (alias `window`) and `time` from a query string into a time range. Unknown and
 * repeated parameters are refused, naming what is accepted; `extra` are the route's own (a list's
 * `limit` and `continue`, kubectl's `includeObject`), which the route reads itself.
 */
export function timeRangeOfQuery(
  query: URLSearchParams,
  bounds: WindowBounds,
  now: Date,
  extra: readonly string[] = [],
): TimeRange {
  refuseUnknownParameters(query, [...TIME_PARAMETERS, ...extra]);
  const t = query.get("t");
  const window = query.get("window");
  if (t !== null && window !== null && t !== window) {
    throw new BadRequestError(`"t" (${t}) and its alias "window" (${window}) disagree; give one of them`);
  }
  return resolveTimeRange(
    {
      window: t ?? window ?? undefined,
      time: query.get("time") ?? undefined,
      names: { window: t !== null ? "t" : "window", time: "time" },
    },
    bounds,
    now,
  );
}
