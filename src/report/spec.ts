import * as z from "zod";
import { BadRequestError } from "../errors";
import { windowSchema } from "../smi/duration";
import { NamespaceNameSchema } from "../smi/k8s-name";
import { isKindName, type KindName } from "../smi/kinds";
import { InstantSchema, type TimeRange, type WindowBounds } from "../time-range";

export const WebhookSinkSchema = z.strictObject({
  type: z.literal("webhook"),
  url: z.url({ protocol: /^https?$/, message: "must be an http(s) URL" }),
  /** HMAC secret; defaults to REPORT_WEBHOOK_SECRET. Without either, deliveries are unsigned. */
  secret: z.string().min(16, "a signing secret has at least 16 characters").optional(),
  format: z.enum(["json", "markdown"]).default("json"),
  maxAttempts: z.number().int().min(1).max(10).default(5),
});
export type WebhookSinkSpec = z.infer<typeof WebhookSinkSchema>;

const LAMBDA_NAME =
  /^(arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[a-zA-Z0-9-_]{1,64}(:(\$LATEST|[a-zA-Z0-9-_]+))?$/;
export const LambdaSinkSchema = z.strictObject({
  type: z.literal("lambda"),
  function: z.string().regex(LAMBDA_NAME, "must be a Lambda function name or ARN"),
});
export type LambdaSinkSpec = z.infer<typeof LambdaSinkSchema>;

export const SinkSpecSchema = z.discriminatedUnion("type", [WebhookSinkSchema, LambdaSinkSchema]);
export type SinkSpec = z.infer<typeof SinkSpecSchema>;

/** A scheduled report: what to measure, over which window, and where to send it. */
export const ReportSpecSchema = z.strictObject({
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

/** Validates a spec (schedule input, or a file for a hand run); every problem is one clear error. */
export function resolveReportSpec(
  input: unknown,
  servedKinds: readonly KindName[],
  bounds: WindowBounds,
  now: () => Date,
): ResolvedReportSpec {
  const parsed = ReportSpecSchema.safeParse(input);
  if (!parsed.success) {
    throw new BadRequestError(
      `invalid report spec: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`,
      { issues: parsed.error.issues },
    );
  }
  const { kinds, window, time, ...rest } = parsed.data;
  const unserved = kinds.filter((k) => !isKindName(k) || !servedKinds.includes(k));
  if (unserved.length > 0) {
    throw new BadRequestError(
      `invalid report spec: kinds ${unserved.join(", ")} are not served; served kinds are ${servedKinds.join(", ")}`,
    );
  }
  const windowMs = windowSchema(bounds).safeParse(window);
  if (!windowMs.success)
    throw new BadRequestError(`invalid report spec: window: ${windowMs.error.issues[0]?.message}`);
  const instant = time === undefined ? undefined : InstantSchema.safeParse(time);
  if (instant !== undefined && !instant.success) {
    throw new BadRequestError(`invalid report spec: time: ${instant.error.issues[0]?.message}`);
  }
  return {
    ...rest,
    kinds: kinds as KindName[],
    range: { windowMs: windowMs.data, time: instant?.data ?? now(), explicitTime: instant !== undefined },
  };
}
