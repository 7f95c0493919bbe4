import { describe, expect, it } from "vitest";
import * as z from "zod";
import { createApiHandler } from "../../src/http/api-handler";
import { emfRecord, METRICS_NAMESPACE, type RequestLog } from "../../src/http/request-log";
import { createLinkerdAdapter } from "../../src/mesh/linkerd";
import { httpEvent, testContext } from "../support/harness";
import { RecordingEngine } from "../support/recording-engine";

/**
 * The Embedded Metric Format's rules, from its published specification (CloudWatch User Guide,
 * "Specification: Embedded metric format"), written as a schema of their own, independent of ours.
 */
const UNITS = [
  "Seconds",
  "Microseconds",
  "Milliseconds",
  "Bytes",
  "Kilobytes",
  "Megabytes",
  "Gigabytes",
  "Terabytes",
  "Bits",
  "Kilobits",
  "Megabits",
  "Gigabits",
  "Terabits",
  "Percent",
  "Count",
  "Bytes/Second",
  "Kilobytes/Second",
  "Megabytes/Second",
  "Gigabytes/Second",
  "Terabytes/Second",
  "Bits/Second",
  "Kilobits/Second",
  "Megabits/Second",
  "Gigabits/Second",
  "Terabits/Second",
  "Count/Second",
  "None",
] as const;
const MetricDirectiveSchema = z.strictObject({
  Namespace: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[^:].*$/),
  Dimensions: z.array(z.array(z.string().min(1).max(255)).max(30)),
  Metrics: z
    .array(
      z.strictObject({
        Name: z.string().min(1).max(255),
        Unit: z.enum(UNITS).optional(),
        StorageResolution: z.union([z.literal(1), z.literal(60)]).optional(),
      }),
    )
    .max(100),
});
const EmfSchema = z
  .looseObject({
    _aws: z.strictObject({
      Timestamp: z.number().int().nonnegative(),
      CloudWatchMetrics: z.array(MetricDirectiveSchema).min(1),
    }),
  })
  .superRefine((doc, ctx) => {
    for (const directive of doc._aws.CloudWatchMetrics) {
      // Every dimension references a member of the root whose value is a string of at most 1024 characters.
      for (const name of directive.Dimensions.flat()) {
        const value = doc[name];
        if (typeof value !== "string" || value.length === 0 || value.length > 1024)
          ctx.addIssue({ code: "custom", message: `dimension ${name} is not a string member: ${value}` });
      }
      // Every metric references a member that is a number, or an array of at most 100 numbers.
      for (const { Name } of directive.Metrics) {
        const value = doc[Name];
        const ok =
          typeof value === "number" ||
          (Array.isArray(value) && value.length <= 100 && value.every((v) => typeof v === "number"));
        if (!ok)
          ctx.addIssue({ code: "custom", message: `metric ${Name} is not a numeric member: ${value}` });
      }
      const names = directive.Metrics.map((m) => m.Name);
      if (new Set(names).size !== names.length)
        ctx.addIssue({ code: "custom", message: "a metric is declared twice" });
    }
  });

describe("per-request CloudWatch metrics in the Embedded Metric Format", () => {
  it("writes one line per request that is a valid EMF document and keeps the log fields", async () => {
    const lines: RequestLog[] = [];
    const context = testContext({
      engine: new RecordingEngine(),
      mesh: createLinkerdAdapter(),
      backendDescription: "test",
    });
    const api = createApiHandler(context, { log: (entry) => lines.push(entry) });
    await api(httpEvent("GET", "/apis/metrics.smi-spec.io/v1alpha2/namespaces/shop/deployments/web?t=1m"));
    await api(httpEvent("GET", "/healthz"));
    await api(httpEvent("GET", "/nowhere"));
    expect(lines.map((l) => [l.route, l.status])).toEqual([
      ["GET /apis/metrics.smi-spec.io/*/**", 200],
      ["GET /healthz", 200],
      ["unmatched", 404],
    ]);
    for (const entry of lines) {
      const doc = JSON.parse(JSON.stringify(emfRecord(entry, 1_795_597_200_000)));
      expect(EmfSchema.safeParse(doc).error?.issues ?? []).toEqual([]);
      expect(doc._aws.CloudWatchMetrics[0].Namespace).toBe(METRICS_NAMESPACE);
      expect(doc).toMatchObject({
        method: entry.method,
        path: entry.path,
        status: entry.status,
        durationMs: entry.durationMs,
        roundTrips: entry.roundTrips,
        Requests: 1,
        Duration: entry.durationMs,
        PrometheusRoundTrips: entry.roundTrips,
        AnswerBytes: entry.bytes,
        StatusCode: String(entry.status),
      });
    }
    // The joined query, and the diagnosis of its zero (the recording engine answers nothing).
    expect(lines[0]).toMatchObject({ roundTrips: 2, cache: "miss" });
    expect(lines[0]?.bytes).toBeGreaterThan(500);
  });

  it("is caught by the schema when a metric has no numeric member", () => {
    const entry = {
      method: "GET",
      path: "/",
      route: "GET /",
      status: 200,
      durationMs: 1,
      roundTrips: 0,
      bytes: 2,
      coldStart: false,
    };
    const doc = emfRecord(entry, 1) as Record<string, unknown>;
    delete doc.AnswerBytes;
    expect(EmfSchema.safeParse(doc).success).toBe(false);
  });
});
