import * as z from "zod";
import { BadRequestError } from "./errors";
import { windowSchema } from "./smi/duration";

/** The window and instant one SMI request covers. */
export interface TimeRange {
  readonly windowMs: number;
  /** End of the window. */
  readonly time: Date;
  /** True when the caller fixed `time`; such answers never change and may be cached. */
  readonly explicitTime: boolean;
}

const UNIX_SECONDS = /^\d{1,11}(\.\d{1,9})?$/;
const RFC3339 = z.iso.datetime({ offset: true });

/** `time`: RFC 3339 or Unix seconds, as the Prometheus API takes it. */
export const InstantSchema = z.string().transform((text, ctx) => {
  if (UNIX_SECONDS.test(text)) return new Date(Number(text) * 1000);
  if (RFC3339.safeParse(text).success) return new Date(text);
  ctx.addIssue({
    code: "custom",
    message: `"${text}" is not a time; expected RFC 3339 (2026-11-25T09:00:00Z) or Unix seconds (1764061200)`,
  });
  return z.NEVER;
});

export interface WindowBounds {
  readonly defaultMs: number;
  readonly minMs: number;
  readonly maxMs: number;
}

/**
 * Reads `t` (alias `window`) and `time`. Unknown parameters, repeated parameters and values out of
 * range are rejected with a 400 that names what is accepted: the reference server silently fell
 * back to 30s, and a caller could not tell.
 */
export function parseTimeRange(
  query: URLSearchParams,
  bounds: WindowBounds,
  now: () => Date,
  extraAllowed: readonly string[] = [],
): TimeRange {
  const allowed = ["t", "window", "time", ...extraAllowed];
  const seen = new Set<string>();
  for (const key of query.keys()) {
    if (!allowed.includes(key)) {
      throw new BadRequestError(`unknown query parameter "${key}"; accepted: ${allowed.join(", ")}`);
    }
    if (seen.has(key)) throw new BadRequestError(`query parameter "${key}" is given more than once`);
    seen.add(key);
  }
  const t = query.get("t");
  const window = query.get("window");
  if (t !== null && window !== null && t !== window) {
    throw new BadRequestError(`"t" (${t}) and its alias "window" (${window}) disagree; give one of them`);
  }
  const windowText = t ?? window;
  const windowResult =
    windowText === null
      ? { success: true as const, data: bounds.defaultMs }
      : windowSchema(bounds).safeParse(windowText);
  if (!windowResult.success) {
    throw new BadRequestError(
      `invalid window: ${windowResult.error.issues.map((i) => i.message).join("; ")}`,
      {
        issues: windowResult.error.issues,
      },
    );
  }
  const timeText = query.get("time");
  if (timeText === null) return { windowMs: windowResult.data, time: now(), explicitTime: false };
  const timeResult = InstantSchema.safeParse(timeText);
  if (!timeResult.success) {
    throw new BadRequestError(`invalid time: ${timeResult.error.issues.map((i) => i.message).join("; ")}`, {
      issues: timeResult.error.issues,
    });
  }
  return { windowMs: windowResult.data, time: timeResult.data, explicitTime: true };
}
