/**
 * Wire schemas of the answers outside the SMI group: the summary, the Flagger gate's verdict and
 * the health checks. The code that builds these has its own TypeScript types; a type test keeps
 * them and these schemas equal, and the contract tests check every answer against these.
 */
import * as z from "zod";
import { FlaggerPayloadSchema, GateMetadataSchema } from "../answers/flagger-gate";
import { KIND_NAMES } from "../smi/kinds";
import { TimestampSchema } from "../smi/schemas";

const nullableNumber = (description: string) => z.number().nullable().meta({ description });

export const SummarySchema = z
  .strictObject({
    requests: z.number().min(0),
    successCount: z.number().min(0),
    failureCount: z.number().min(0),
    successRate: z.number().min(0).max(1).nullable().meta({ description: "0..1; null without traffic" }),
    requestRate: nullableNumber("requests per second over the window; null without traffic"),
    p50Ms: nullableNumber("median latency, ms; null when none was observed"),
    p90Ms: nullableNumber("90th percentile latency, ms"),
    p99Ms: nullableNumber("99th percentile latency, ms"),
    window: z.string().meta({ example: "5m" }),
    timestamp: TimestampSchema,
    side: z.enum(["client", "server"]).meta({
      description:
        "whose proxy measured the numbers: client (includes requests that never reached the server) or server",
    }),
    backend: z
      .string()
      .optional()
      .meta({ description: "a split's backend (?backend=), for trafficsplits and httproutes" }),
    weight: z.number().optional().meta({ description: "the backend's configured weight" }),
    trafficShare: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .meta({ description: "the backend's observed share of the split's requests, 0..1" }),
  })
  .meta({
    description:
      "One resource's (or split backend's) traffic as plain numbers (for Argo Rollouts and the like)",
  });

const GateCheckSchema = z.strictObject({
  name: z.string().meta({ example: "minSuccessRate" }),
  observed: z.number().nullable(),
  limit: z.number(),
  unit: z.enum(["requests", "percent", "ms"]),
  passed: z.boolean(),
  reason: z.string(),
});

export const GateVerdictSchema = z
  .strictObject({
    passed: z.boolean(),
    message: z.string().meta({ description: "Flagger copies it into its events" }),
    resource: z.strictObject({
      kind: z.enum(KIND_NAMES),
      namespace: z.string(),
      name: z.string(),
      backend: z.string().optional().meta({ description: "the split backend judged (metadata.backend)" }),
    }),
    window: z.string(),
    timestamp: TimestampSchema,
    checks: z.array(GateCheckSchema),
    summary: SummarySchema,
    warnings: z.array(z.string()).readonly().meta({
      description: "why the numbers may not mean what they say (the Warning headers' words)",
    }),
  })
  .meta({ description: "The gate's verdict: 200 when every check passed, 412 otherwise" });

/** The webhook body as Flagger writes it, with the metadata keys the gate reads. */
export const GateRequestBodySchema = FlaggerPayloadSchema.extend({
  metadata: GateMetadataSchema.optional().meta({
    description: "the gate's settings; every value is a string, as Flagger sends them",
  }),
}).meta({ description: "Flagger's webhook payload" });

export const HealthSchema = z
  .strictObject({
    status: z.literal("ok"),
    mesh: z.string(),
    backend: z.string().meta({ description: "the metrics backend's origin; never credentials" }),
  })
  .meta({ description: "The function is up; says nothing about the backend's health" });

const ReadinessCheckSchema = z.strictObject({
  ok: z.boolean(),
  detail: z.string(),
  skipped: z.boolean().optional().meta({ description: "not checked, because a check it depends on failed" }),
});

export const ReadySchema = z
  .strictObject({
    status: z.literal("ready"),
    mesh: z.string(),
    ready: z.literal(true),
    backend: ReadinessCheckSchema,
    meshSeries: ReadinessCheckSchema.meta({ description: "the mesh's request counter has series" }),
    labels: ReadinessCheckSchema.meta({ description: "the LABEL_* labels are on the series" }),
    histograms: ReadinessCheckSchema.meta({
      description: "the latency histogram has series, classic (_bucket) or native",
    }),
  })
  .meta({ description: "The backend answers and holds this mesh's series; otherwise 503 with a Status" });
