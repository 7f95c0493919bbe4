import * as z from "zod";
import { fromEnv } from "./environment";

const LEVELS = ["debug", "info", "warn"] as const;
const FORMATS = ["emf", "line"] as const;

/**
 * How the api logs each request. `LOG_FORMAT`: `emf` is CloudWatch's Embedded Metric Format (the
 * log line is also the request's metrics), `line` one short line for a terminal; unset, `emf` on
 * Lambda and `line` elsewhere. `LOG_LEVEL`: `info` logs every request, `warn` only the server's
 * failures (5xx), `debug` adds the rest of the record to each short line.
 */
export const LogSettingsSchema = z.object({
  level: fromEnv("LOG_LEVEL", z.enum(LEVELS, { message: "must be debug, info or warn" }).default("info")),
  format: fromEnv(
    "LOG_FORMAT",
    z
      .enum(FORMATS, {
        message: "must be emf (CloudWatch's Embedded Metric Format) or line (one short line per request)",
      })
      .optional(),
  ),
});

/** The request log's settings: an unset format is EMF where CloudWatch reads it (on Lambda), else lines. */
export function logSettingsOf(
  log: z.output<typeof LogSettingsSchema>,
  lambdaFunctionName: string | undefined,
): { readonly level: (typeof LEVELS)[number]; readonly format: (typeof FORMATS)[number] } {
  return { level: log.level, format: log.format ?? (lambdaFunctionName === undefined ? "line" : "emf") };
}
