import { describe, expect, it } from "vitest";
import * as z from "zod";
import { loadConfig } from "../../src/config/settings";
import { ConfigError } from "../../src/errors/config-error";
import { createApiHandler } from "../../src/http/api-handler";
import { emfRecord, METRICS_NAMESPACE, type RequestLog, requestLogWriter } from "../../src/http/request-log";
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

describe("where request logs go, by LOG_FORMAT and LOG_LEVEL", () => {
  const ok: RequestLog = {
    method: "GET",
    path: "/apis/metrics.smi-spec.io/v1alpha2/namespaces/payments/deployments/api",
    route: "GET /apis/metrics.smi-spec.io/*/**",
    status: 200,
    durationMs: 12,
    roundTrips: 2,
    bytes: 931,
    requestId: "r-1",
    coldStart: false,
    cache: "miss",
  };
  const notFound: RequestLog = { ...ok, path: "/nowhere", route: "unmatched", status: 404, roundTrips: 0 };
  const failed: RequestLog = {
    ...ok,
    status: 500,
    roundTrips: 1,
    error: { name: "TypeError", message: "boom", stack: "TypeError: boom\n    at f (x.ts:1:1)" },
  };
  /** What the api's default request log prints for `entries` under `env`. */
  const printed = (env: Record<string, string>, entries: readonly RequestLog[]) => {
    const lines: string[] = [];
    const write = requestLogWriter(loadConfig({}, env).log, (line) => lines.push(line));
    for (const entry of entries) write(entry);
    return lines;
  };
  const withoutTimestamp = (line: string) => {
    const doc = JSON.parse(line);
    expect(doc._aws.Timestamp).toBeGreaterThan(0);
    doc._aws.Timestamp = 0;
    return doc;
  };
  const emfOf = (entry: RequestLog) => JSON.parse(JSON.stringify(emfRecord(entry, 0)));

  it("prints each request's EMF document on Lambda, as CloudWatch reads it", () => {
    const lines = printed({ AWS_LAMBDA_FUNCTION_NAME: "smi-traffic-metrics-api" }, [ok, notFound, failed]);
    expect(lines.map(withoutTimestamp)).toEqual([ok, notFound, failed].map(emfOf));
  });

  it("prints one short line per request locally: method, path, status, ms and round trips", () => {
    expect(printed({}, [ok, notFound, { ...ok, roundTrips: 1, cache: "hit" }])).toEqual([
      "GET /apis/metrics.smi-spec.io/v1alpha2/namespaces/payments/deployments/api 200 12ms 2 round trips",
      "GET /nowhere 404 12ms 0 round trips",
      "GET /apis/metrics.smi-spec.io/v1alpha2/namespaces/payments/deployments/api 200 12ms 1 round trip",
    ]);
  });

  it("says what failed on a 5xx's line", () => {
    expect(printed({}, [failed])).toEqual([
      "GET /apis/metrics.smi-spec.io/v1alpha2/namespaces/payments/deployments/api 500 12ms 1 round trip: TypeError: boom",
    ]);
  });

  it("prints EMF locally when LOG_FORMAT=emf, and short lines on Lambda when LOG_FORMAT=line", () => {
    expect(printed({ LOG_FORMAT: "emf" }, [ok]).map(withoutTimestamp)).toEqual([emfOf(ok)]);
    expect(printed({ AWS_LAMBDA_FUNCTION_NAME: "api", LOG_FORMAT: "line" }, [ok])).toEqual([
      "GET /apis/metrics.smi-spec.io/v1alpha2/namespaces/payments/deployments/api 200 12ms 2 round trips",
    ]);
  });

  it("prints only the server's failures (5xx) at LOG_LEVEL=warn, in either format", () => {
    expect(printed({ LOG_LEVEL: "warn" }, [ok, notFound, failed])).toEqual(printed({}, [failed]));
    const onLambda = { AWS_LAMBDA_FUNCTION_NAME: "api", LOG_LEVEL: "warn" };
    expect(printed(onLambda, [ok, notFound, failed]).map(withoutTimestamp)).toEqual([emfOf(failed)]);
  });

  it("adds the rest of the request's record to its line at LOG_LEVEL=debug", () => {
    const [line = ""] = printed({ LOG_LEVEL: "debug" }, [failed]);
    const [short, rest] = [line.slice(0, line.indexOf(" {")), line.slice(line.indexOf(" {") + 1)];
    expect(short).toBe(printed({}, [failed])[0]);
    expect(JSON.parse(rest)).toEqual({
      route: failed.route,
      bytes: failed.bytes,
      requestId: failed.requestId,
      coldStart: false,
      cache: "miss",
      error: failed.error,
    });
  });

  it("refuses an unknown LOG_LEVEL or LOG_FORMAT, naming what each accepts", () => {
    let error: unknown;
    try {
      loadConfig({ LOG_LEVEL: "verbose", LOG_FORMAT: "json" });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      "invalid configuration: LOG_LEVEL: must be debug, info or warn; LOG_FORMAT: must be emf (CloudWatch's Embedded Metric Format) or line (one short line per request)",
    );
  });
});
