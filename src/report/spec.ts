import * as z from "zod";
import { PercentSchema } from "../answers/percent";
import { BadRequestError } from "../errors/request-errors";
import { resolveTimeRange, type TimeRange, type WindowBounds } from "../metrics/time-range";
import { NamespaceNameSchema } from "../smi/k8s-name";
import { type KindName, servedKind } from "../smi/kinds";
import { DEFAULT_THRESHOLDS, type Thresholds, thresholdsProblem } from "../topology/levels";
import { resolveTrend, type TrendRange, TrendSpecSchema } from "./trend-spec";

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
  /** The trend section's period and interval; by default 24 intervals of the report's window. */
  trend: TrendSpecSchema.optional(),
  sinks: z.array(SinkSpecSchema).default([]),
});
export type ReportSpec = z.infer<typeof ReportSpecSchema>;

/** A spec checked against what this deployment serves, with its time range and thresholds resolved. */
export interface ResolvedReportSpec
  extends Omit<ReportSpec, "kinds" | "window" | "time" | "topology" | "trend"> {
  readonly kinds: readonly KindName[];
  readonly range: TimeRange;
  readonly thresholds: Thresholds;
  /** The trend's points: every interval of its period, up to the report's end. */
  readonly trend: TrendRange;
}

/** The fields checked beyond the schema, read from the input as far as they have the right type. */
const CheckedFieldsSchema = z
  .object({
    kinds: z.array(z.unknown()).catch([]),
    window: z.string().optional().catch(undefined),
    time: z.string().optional().catch(undefined),
    trend: z
      .object({
        period: z.string().optional().catch(undefined),
        interval: z.string().optional().catch(undefined),
      })
      .optional()
      .catch(undefined),
  })
  .catch({ kinds: [], window: undefined, time: undefined, trend: undefined });

/** Runs a check; a 400 it throws becomes one of `problems`, and the result `undefined`. */
function attempt<T>(check: () => T, problems: string[]): T | undefined {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof BadRequestError)) throw error;
    problems.push(error.message);
    return undefined;
  }
}

/**
 * Each kind checked against what this deployment serves, the window and the time each alone
 * against its bounds, and the trend's period and interval, every problem kept in `problems`: the
 * first that fails hides none of the rest.
 */
function checkServed(
  input: unknown,
  servedKinds: readonly KindName[],
  bounds: WindowBounds,
  now: Date,
  problems: string[],
): { kinds: KindName[]; range: TimeRange | undefined; trend: TrendRange | undefined } {
  const { kinds, window, time, trend } = CheckedFieldsSchema.parse(input);
  const badRequest = (message: string) => new BadRequestError(message);
  const served = kinds.flatMap((kind, i) =>
    typeof kind === "string"
      ? (attempt(() => servedKind(kind, servedKinds, badRequest, `kinds.${i}`), problems) ?? [])
      : [],
  );
  const windowMs =
    window === undefined
      ? bounds.defaultMs
      : attempt(() => resolveTimeRange({ window }, bounds, now).windowMs, problems);
  const at = attempt(() => resolveTimeRange({ time }, bounds, now).time, problems);
  const range = windowMs === undefined || at === undefined ? undefined : { windowMs, time: at };
  const trendRange = range && attempt(() => resolveTrend(trend, range, bounds, now), problems);
  return { kinds: served, range, trend: trendRange };
}

/**
 * Validates a spec (schedule input, or a file for a hand run). Every problem, the schema's and
 * what this deployment does not serve, is listed in one error (a 400) that names where the spec
 * came from (`source`, e.g. the file's path), so one run says everything to fix.
 */
export function resolveReportSpec(
  input: unknown,
  servedKinds: readonly KindName[],
  bounds: WindowBounds,
  now: Date,
  source = "the schedule's input",
): ResolvedReportSpec {
  const parsed = ReportSpecSchema.safeParse(input);
  const problems = (parsed.error?.issues ?? []).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
  const { kinds, range, trend } = checkServed(input, servedKinds, bounds, now, problems);
  const topology = parsed.data?.topology;
  const thresholds: Thresholds = {
    green: topology?.green ?? DEFAULT_THRESHOLDS.green,
    amber: topology?.amber ?? DEFAULT_THRESHOLDS.amber,
  };
  const thresholdProblem = thresholdsProblem(thresholds, { green: "green", amber: "amber" });
  if (thresholdProblem !== undefined) problems.push(`topology: ${thresholdProblem}`);
  if (!parsed.success || range === undefined || trend === undefined || problems.length > 0) {
    throw new BadRequestError(`invalid report spec (${source}): ${problems.join("; ")}`, {
      cause: parsed.error,
    });
  }
  const { kinds: _k, window: _w, time: _t, topology: _topology, trend: _trend, ...rest } = parsed.data;
  return { ...rest, kinds, range, thresholds, trend };
}
