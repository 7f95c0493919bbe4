import * as z from "zod";
import { BadRequestError } from "../errors/request-errors";
import { resolveTimeRange, type TimeRange, type WindowBounds } from "../metrics/time-range";
import { NamespaceNameSchema } from "../smi/k8s-name";
import { type KindName, servedKind } from "../smi/kinds";

const WebhookSinkSchema = z.strictObject({
  type: z.literal("webhook"),
  url: z.url({ protocol: /^https?$/, message: "must be an http(s) URL" }),
  /** HMAC secret; defaults to REPORT_WEBHOOK_SECRET. Without either, deliveries are unsigned. */
  secret: z.string().min(16, "a signing secret has at least 16 characters").optional(),
  format: z.enum(["json", "markdown"]).default("json"),
  maxAttempts: z.number().int().min(1).max(10).default(5),
});

const LAMBDA_NAME =
  /^(arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[a-zA-Z0-9-_]{1,64}(:(\$LATEST|[a-zA-Z0-9-_]+))?$/;
const LambdaSinkSchema = z.strictObject({
  type: z.literal("lambda"),
  function: z.string().regex(LAMBDA_NAME, "must be a Lambda function name or ARN"),
});

const SinkSpecSchema = z.discriminatedUnion("type", [WebhookSinkSchema, LambdaSinkSchema]);
export type SinkSpec = z.infer<typeof SinkSpecSchema>;

/** A scheduled report: what to measure, over which window, and where to send it. */
const ReportSpecSchema = z.strictObject({
  title: z.string().max(200).optional(),
  /** Namespaces to cover; absent means every namespace. */
  namespaces: z.array(NamespaceNameSchema).min(1).optional(),
  kinds: z.array(z.string()).min(1),
  window: z.string(),
  time: z.string().optional(),
  sinks: z.array(SinkSpecSchema).default([]),
});
export type ReportSpec = z.infer<typeof ReportSpecSchema>;

/** A spec checked against what this deployment serves, with its time range resolved. */
export interface ResolvedReportSpec extends Omit<ReportSpec, "kinds" | "window" | "time"> {
  readonly kinds: readonly KindName[];
  readonly range: TimeRange;
}

/**
 * Validates a spec (schedule input, or a file for a hand run); every problem is one clear error
 * that names where the spec came from (`source`, e.g. the file's path).
 */
export function resolveReportSpec(
  input: unknown,
  servedKinds: readonly KindName[],
  bounds: WindowBounds,
  now: Date,
  source = "the schedule's input",
): ResolvedReportSpec {
  const fail = (message: string, cause?: unknown) =>
    new BadRequestError(`invalid report spec (${source}): ${message}`, { cause });
  const parsed = ReportSpecSchema.safeParse(input);
  if (!parsed.success) {
    throw fail(
      parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; "),
      parsed.error,
    );
  }
  const { kinds, window, time, ...rest } = parsed.data;
  const served = kinds.map((k, i) => servedKind(k, servedKinds, fail, `kinds.${i}`));
  try {
    return { ...rest, kinds: served, range: resolveTimeRange({ window, time }, bounds, now) };
  } catch (error) {
    throw error instanceof BadRequestError ? fail(error.message, error) : error;
  }
}
