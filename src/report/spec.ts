import * as z from "zod";
import { PercentSchema } from "../answers/percent";
import { BadRequestError } from "../errors/request-errors";
import { resolveTimeRange, type TimeRange, type WindowBounds } from "../metrics/time-range";
import { NamespaceNameSchema } from "../smi/k8s-name";
import { type KindName, servedKind } from "../smi/kinds";
import { DEFAULT_THRESHOLDS, type Thresholds, thresholdsProblem } from "../topology/levels";

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
  /** Success rates (percent) the graphs' edges turn green and amber at; 99.9 and 99 by default. */
  topology: z.strictObject({ green: PercentSchema.optional(), amber: PercentSchema.optional() }).optional(),
  sinks: z.array(SinkSpecSchema).default([]),
});
export type ReportSpec = z.infer<typeof ReportSpecSchema>;

/** A spec checked against what this deployment serves, with its time range and thresholds resolved. */
export interface ResolvedReportSpec extends Omit<ReportSpec, "kinds" | "window" | "time" | "topology"> {
  readonly kinds: readonly KindName[];
  readonly range: TimeRange;
  readonly thresholds: Thresholds;
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
  const { kinds, window, time, topology, ...rest } = parsed.data;
  const served = kinds.map((k, i) => servedKind(k, servedKinds, fail, `kinds.${i}`));
  const thresholds: Thresholds = {
    green: topology?.green ?? DEFAULT_THRESHOLDS.green,
    amber: topology?.amber ?? DEFAULT_THRESHOLDS.amber,
  };
  const problem = thresholdsProblem(thresholds, { green: "green", amber: "amber" });
  if (problem !== undefined) throw fail(`topology: ${problem}`);
  try {
    const range = resolveTimeRange({ window, time }, bounds, now);
    return { ...rest, kinds: served, range, thresholds };
  } catch (error) {
    throw error instanceof BadRequestError ? fail(error.message, error) : error;
  }
}
