import * as z from "zod";
import type { Context } from "../config/context";
import { BadRequestError } from "../errors/request-errors";
import { RequestStats } from "../metrics/request-stats";
import { resolveTimeRange, type TimeRange, type WindowBounds } from "../metrics/time-range";
import { NamespaceNameSchema, ResourceNameSchema } from "../smi/k8s-name";
import { type KindName, servedKind } from "../smi/kinds";
import { PercentTextSchema } from "./percent";
import { measureSubject } from "./subject";
import { plainNumber, type Summary, summarize } from "./summary";

/** What Flagger POSTs to a webhook. Metadata values are always strings. */
export const FlaggerPayloadSchema = z.object({
  name: z.string(),
  namespace: z.string(),
  phase: z.string(),
  checksum: z.string().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
});

const number = (what: string) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?$/, `${what} must be a non-negative number written as a string, such as "99.5"`)
    .transform(Number);

/** The gate's settings, from Flagger's `metadata`. Unknown keys are refused rather than ignored. */
export const GateMetadataSchema = z.strictObject({
  minSuccessRate: PercentTextSchema.optional(),
  maxP50Ms: number("maxP50Ms").optional(),
  maxP90Ms: number("maxP90Ms").optional(),
  maxP99Ms: number("maxP99Ms").optional(),
  minRequests: z
    .string()
    .regex(/^\d+$/, 'minRequests must be a whole number written as a string, such as "10"')
    .transform(Number)
    .optional(),
  kind: z.string().optional(),
  resource: ResourceNameSchema.optional(),
  /** With kind trafficsplits or httproutes: the backend to judge (Flagger's canary backend). */
  backend: ResourceNameSchema.optional(),
  window: z.string().optional(),
  time: z.string().optional(),
  token: z.string().optional(),
});
type GateMetadata = z.infer<typeof GateMetadataSchema>;

interface GateCheck {
  readonly name: string;
  readonly observed: number | null;
  readonly limit: number;
  readonly unit: "requests" | "percent" | "ms";
  readonly passed: boolean;
  readonly reason: string;
}

export interface GateVerdict {
  readonly passed: boolean;
  readonly message: string;
  readonly resource: { kind: KindName; namespace: string; name: string; backend?: string };
  readonly window: string;
  readonly timestamp: string;
  readonly checks: readonly GateCheck[];
  readonly summary: Summary;
  /** Why the numbers may not mean what they say (the same words as the `Warning` header). */
  readonly warnings: readonly string[];
}

/** What the gate measures and judges, from Flagger's body. */
export interface GateRequest {
  readonly metadata: GateMetadata;
  readonly kind: KindName;
  readonly name: string;
  readonly namespace: string;
  readonly range: TimeRange;
}

/** The gate's window when the metadata names none: long enough for a canary step to show. */
const GATE_DEFAULT_WINDOW_MS = 60_000;

/** Parses and validates Flagger's body; every problem becomes one 400 naming what is accepted. */
export function parseGateRequest(
  body: unknown,
  servedKinds: readonly KindName[],
  bounds: WindowBounds,
  now: Date,
): GateRequest {
  const payload = FlaggerPayloadSchema.safeParse(body);
  if (!payload.success)
    throw invalid(
      "the body is not a Flagger webhook payload {name, namespace, phase, metadata}",
      payload.error,
    );
  const metadata = GateMetadataSchema.safeParse(payload.data.metadata ?? {});
  if (!metadata.success) {
    throw invalid(
      `invalid metadata; accepted keys: ${Object.keys(GateMetadataSchema.shape).join(", ")}`,
      metadata.error,
    );
  }
  const namespace = NamespaceNameSchema.safeParse(payload.data.namespace);
  if (!namespace.success) throw invalid("invalid namespace", namespace.error);
  const name = ResourceNameSchema.safeParse(metadata.data.resource ?? payload.data.name);
  if (!name.success) throw invalid("invalid resource name", name.error);
  const kind = servedKind(
    metadata.data.kind ?? "deployments",
    servedKinds,
    (m) => new BadRequestError(m),
    "metadata.kind",
  );
  const range = resolveTimeRange(
    {
      window: metadata.data.window,
      time: metadata.data.time,
      names: { window: "metadata.window", time: "metadata.time" },
      defaultWindowMs: GATE_DEFAULT_WINDOW_MS,
    },
    bounds,
    now,
  );
  return { metadata: metadata.data, kind, name: name.data, namespace: namespace.data, range };
}

function invalid(what: string, error: z.ZodError): BadRequestError {
  const details = error.issues.map((i) =>
    i.path.length > 0 ? `${i.path.join(".")}: ${i.message}` : i.message,
  );
  return new BadRequestError(`${what}: ${details.join("; ")}`, { issues: error.issues });
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

/**
 * An observed value as a reason prints it: two decimals, or every digit the gate compared where two
 * would contradict the verdict (96.6666667 below a minimum of 96.6666668 is not "96.67%").
 */
function shown(observed: number, limit: number): string {
  const short = fmt(observed);
  return Math.sign(Number(short) - limit) === Math.sign(observed - limit) ? short : String(observed);
}

/**
 * Judges a summary against the thresholds; no traffic fails `minRequests` (default 1), and a zero
 * the diagnosis doubts (a name never seen, a label or mesh that cannot see traffic) fails it
 * whatever the limit: `minRequests: "0"` allows an idle workload, not a typo.
 */
function judge(summary: Summary, metadata: GateMetadata, zeroDoubts: readonly string[]): GateCheck[] {
  const checks: GateCheck[] = [];
  const minRequests = metadata.minRequests ?? 1;
  const [doubt] = summary.requests === 0 ? zeroDoubts : [];
  const enough = summary.requests >= minRequests && doubt === undefined;
  checks.push({
    name: "minRequests",
    observed: summary.requests,
    limit: minRequests,
    unit: "requests",
    passed: enough,
    reason:
      doubt !== undefined
        ? `0 requests, and this zero may not mean idle: ${doubt}`
        : `${fmt(summary.requests)} requests ${enough ? "≥" : "is below the minimum"} ${minRequests}`,
  });
  if (metadata.minSuccessRate !== undefined) {
    const observed = summary.successRate === null ? null : plainNumber(summary.successRate * 100);
    const passed = observed !== null && observed >= metadata.minSuccessRate;
    checks.push({
      name: "minSuccessRate",
      observed,
      limit: metadata.minSuccessRate,
      unit: "percent",
      passed,
      reason:
        observed === null
          ? "no requests, so no success rate"
          : `success rate ${shown(observed, metadata.minSuccessRate)}% ${passed ? "≥" : "is below the minimum"} ${metadata.minSuccessRate}%`,
    });
  }
  for (const [key, q, observed] of [
    ["maxP50Ms", "p50", summary.p50Ms],
    ["maxP90Ms", "p90", summary.p90Ms],
    ["maxP99Ms", "p99", summary.p99Ms],
  ] as const) {
    const limit = metadata[key];
    if (limit === undefined) continue;
    const passed = observed !== null && observed <= limit;
    checks.push({
      name: key,
      observed,
      limit,
      unit: "ms",
      passed,
      reason:
        observed === null
          ? `no latency observed, so no ${q}`
          : `${q} ${shown(observed, limit)} ms ${passed ? "≤" : "is above the maximum"} ${limit} ms`,
    });
  }
  return checks;
}

/**
 * Why the same canary can pass at one side and fail at the other: a client's proxy counts requests
 * that never reached the server (refused, reset, timed out), which the server's never sees.
 */
const SIDE_SAID = {
  client: "measured at the client: includes requests that never reached the server",
  server: "measured at the server: leaves out requests that never reached it",
} as const;

/**
 * A canary gate for Flagger: measures the resource the webhook names and passes (200) or fails
 * (412, which Flagger treats as a failed check and copies into its events) with every threshold
 * listed as observed vs. limit.
 */
export async function runFlaggerGate(
  context: Context,
  request: GateRequest,
  stats: RequestStats = new RequestStats(),
): Promise<GateVerdict> {
  const { kind, namespace, name, range, metadata } = request;
  const subject = { kind, namespace, name, backend: metadata.backend };
  const measured = await measureSubject(context, subject, range, stats, "metadata.backend");
  const summary = summarize(measured, range);
  const checks = judge(summary, metadata, [...stats.zeroDoubts]);
  const failed = checks.filter((c) => !c.passed);
  const backend = metadata.backend === undefined ? "" : ` backend ${metadata.backend}`;
  // Which side measured the numbers, beside what they are about: the other side's may differ.
  const what = `${kind}/${name}${backend} in ${namespace} over ${summary.window} (${SIDE_SAID[summary.side]})`;
  const verdict =
    failed.length === 0
      ? `${what} passed: ${checks.map((c) => c.reason).join("; ")}`
      : `${what} failed: ${failed.map((c) => `${c.reason} (${c.name})`).join("; ")}`;
  // Flagger copies the message into its events: a zero that may not mean idle says why there.
  const warnings = [...stats.warnings];
  const message = warnings.length === 0 ? verdict : `${verdict}. Warning: ${warnings.join(" Warning: ")}`;
  return {
    passed: failed.length === 0,
    message,
    warnings,
    resource: {
      kind,
      namespace,
      name,
      ...(metadata.backend === undefined ? {} : { backend: metadata.backend }),
    },
    window: summary.window,
    timestamp: summary.timestamp,
    checks,
    summary,
  };
}
