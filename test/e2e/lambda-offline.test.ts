import { resolve } from "node:path";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkerdSeries } from "../../src/dev/linkerd-series";
import { freePort, type RunningPrometheus } from "../../src/dev/prometheus-server";
import { defaultScenario } from "../../src/dev/scenario";
import { createLinkerdAdapter } from "../../src/mesh/linkerd";
import { PrometheusClient } from "../../src/prometheus/client";
import { ReportDeliveryError } from "../../src/report/sink";
import { createSinkFactory } from "../../src/report/sink-factory";
import { findWorkload, workloadTruth } from "../support/ground-truth";
import { runTestReport, scenarioPrometheus } from "../support/harness";
import { startProcess } from "../support/process";
import { expectMatchesTruth } from "../support/smi-assert";

const CHECKOUT = resolve(import.meta.dirname, "../..");
const SLS_ENV = { SLS_TELEMETRY_DISABLED: "1", SLS_NOTIFICATIONS_MODE: "off" };
const TOKEN = "flagger-shared-secret-0123";
const scenario = defaultScenario();
let prometheus: RunningPrometheus;
let consumer: ReturnType<typeof startProcess>;
let lambdaPort: number;
let api: ReturnType<typeof startProcess>;
let apiUrl: string;
let npmStart: ReturnType<typeof startProcess>;
let npmStartUrl: string;

/** `serverless offline` on free ports (never its fixed 3000/3002), in `cwd`, with extra arguments. */
async function offline(cwd: string, args: string[] = []) {
  const [httpPort, port] = [await freePort(), await freePort()];
  const ports = ["--host", "127.0.0.1", "--httpPort", String(httpPort), "--lambdaPort", String(port)];
  const child = startProcess("npx", ["serverless", "offline", ...ports, ...args], SLS_ENV, cwd);
  return { child, url: `http://127.0.0.1:${httpPort}`, lambdaPort: port };
}

beforeAll(async () => {
  prometheus = await scenarioPrometheus(scenario, linkerdSeries);
  // The consumer service in test/e2e/offline, for the report's Lambda sink; the API itself from
  // the checkout's serverless.yml, as `npx serverless offline` serves it to a user; `npm start`.
  const receiver = await offline("test/e2e/offline");
  consumer = receiver.child;
  lambdaPort = receiver.lambdaPort;
  const served = await offline(CHECKOUT, [
    `--param=prometheusUrl=${prometheus.url}`,
    `--param=webhookToken=${TOKEN}`,
  ]);
  api = served.child;
  apiUrl = served.url;
  npmStart = startProcess("npm", ["start"], {
    PORT: "0",
    PROMETHEUS_URL: prometheus.url,
    WEBHOOK_TOKEN: TOKEN,
  });
  const [, , [, url]] = await Promise.all([
    consumer.waitFor(/Offline \[http for lambda\] listening on http:\/\/127\.0\.0\.1:\d+/, 90_000),
    api.waitFor(/Server ready: http:\/\/127\.0\.0\.1:\d+/, 90_000),
    npmStart.waitFor(/on (http:\/\/127\.0\.0\.1:\d+)/, 90_000),
  ]);
  npmStartUrl = url as string;
}, 150_000);
afterAll(async () => {
  await Promise.all([consumer?.stop(), api?.stop(), npmStart?.stop()]);
  await prometheus?.stop();
});

function reportDeps() {
  const lambda = new LambdaClient({
    region: "us-east-1",
    endpoint: `http://localhost:${lambdaPort}`,
    credentials: { accessKeyId: "offline", secretAccessKey: "offline" },
  });
  return {
    engine: new PrometheusClient({ baseUrl: prometheus.url, timeoutMs: 10_000 }),
    mesh: createLinkerdAdapter(),
    backendDescription: `prometheus at ${prometheus.url}`,
    sinkFor: createSinkFactory({ lambda: () => lambda, webhookSecret: undefined }),
  };
}

const spec = (functions: string[]) => ({
  kinds: ["deployments"],
  window: "5m",
  time: String(scenario.endS),
  sinks: functions.map((name) => ({ type: "lambda", function: name })),
});

describe("Lambda sink end to end through serverless offline", () => {
  it("invokes a function served by serverless offline, which receives the report", async () => {
    const run = await runTestReport(reportDeps(), spec(["report-consumer-test-receiver"]));
    expect(run.outcomes).toEqual([
      { sink: "lambda report-consumer-test-receiver", ok: true, attempts: 1, status: 202 },
    ]);
    const [, received] = await consumer.waitFor(
      new RegExp(`REPORT_RECEIVED (\\{"id":"${run.report.id}"[^\\n]*\\})`),
      30_000,
    );
    expect(JSON.parse(received as string)).toEqual({
      id: run.report.id,
      rows: run.report.rows.length,
      mesh: "linkerd",
    });
    expect(run.report.rows.length).toBe(4);
  }, 60_000);

  it("names the failed sink when a target does not exist, after delivering to the others", async () => {
    const error = await runTestReport(
      reportDeps(),
      spec(["no-such-function", "report-consumer-test-receiver"]),
    ).catch((e) => e);
    expect(error).toBeInstanceOf(ReportDeliveryError);
    expect(error.outcomes[0]).toMatchObject({ sink: "lambda no-such-function", ok: false });
    expect(error.outcomes[0].error).toMatch(/Function not found/);
    expect(error.outcomes[1]).toMatchObject({ sink: "lambda report-consumer-test-receiver", ok: true });
    await consumer.waitFor(new RegExp(`REPORT_RECEIVED \\{"id":"${error.reportId}"`), 30_000);
  }, 60_000);
});

const time = String(scenario.endS);
// api in payments serves 3 rps (2 from checkout with 5% failures, 1 from frontend): 900 requests in 5m.
const apiTruth = workloadTruth(scenario, findWorkload(scenario, "payments", "api"), 300);
const flaggerBody = (metadata: Record<string, string>) =>
  JSON.stringify({
    name: "api",
    namespace: "payments",
    phase: "Progressing",
    checksum: "85d557f47b",
    metadata: { token: TOKEN, window: "5m", time, ...metadata },
  });
const post = (body: string) => ({ method: "POST", body, headers: { "content-type": "application/json" } });
const bearer = { headers: { authorization: `Bearer ${TOKEN}` } };

describe("the API under serverless offline, over a real Prometheus", () => {
  it("answers an SMI path with the ground truth", async () => {
    const response = await fetch(
      `${apiUrl}/apis/metrics.smi-spec.io/v1alpha1/namespaces/shop/deployments/checkout?t=5m&time=${time}`,
    );
    expect(response.status).toBe(200);
    expectMatchesTruth(
      (await response.json()) as Parameters<typeof expectMatchesTruth>[0],
      workloadTruth(scenario, findWorkload(scenario, "shop", "checkout"), 300),
    );
  });

  it("passes the Flagger gate with the observed values of the ground truth", async () => {
    const response = await fetch(
      `${apiUrl}/webhooks/flagger`,
      post(flaggerBody({ minSuccessRate: "90", maxP99Ms: "10000", minRequests: "100" })),
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as { passed: boolean; checks: { name: string; observed: number }[] };
    expect(body.passed).toBe(true);
    const observed = Object.fromEntries(body.checks.map((c) => [c.name, c.observed]));
    const total = apiTruth.success + apiTruth.failure;
    expect(observed.minRequests).toBeCloseTo(total, 6);
    expect(observed.minSuccessRate).toBeCloseTo((apiTruth.success / total) * 100, 6);
    const p99 = apiTruth.p99 as number;
    expect(Math.abs((observed.maxP99Ms as number) - p99) / p99).toBeLessThanOrEqual(0.0002);
  });

  it("fails the Flagger gate with 412 when the success rate is below the limit", async () => {
    const response = await fetch(`${apiUrl}/webhooks/flagger`, post(flaggerBody({ minSuccessRate: "99" })));
    expect(response.status).toBe(412);
    expect(((await response.json()) as { message: string }).message).toMatch(/success rate 96\.67% is below/);
  });

  it("answers the summary with plain numbers equal to the ground truth", async () => {
    const response = await fetch(
      `${apiUrl}/summary/namespaces/payments/deployments/api?t=5m&time=${time}`,
      bearer,
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, number>;
    expect(body.requests).toBeCloseTo(900, 6);
    expect(body.successCount).toBeCloseTo(apiTruth.success, 6);
    expect(body.failureCount).toBeCloseTo(apiTruth.failure, 6);
    for (const q of ["p50", "p90", "p99"] as const) {
      const want = apiTruth[q] as number;
      expect(Math.abs((body[`${q}Ms`] as number) - want) / want).toBeLessThanOrEqual(0.0002);
    }
  });

  const requests: [string, string, RequestInit][] = [
    ["discovery", "/apis/metrics.smi-spec.io/v1alpha1", {}],
    ["a list", `/apis/metrics.smi-spec.io/v1alpha1/namespaces/shop/deployments?t=5m&time=${time}`, {}],
    [
      "one resource",
      `/apis/metrics.smi-spec.io/v1alpha1/namespaces/payments/deployments/api?time=${time}`,
      {},
    ],
    [
      "edges",
      `/apis/metrics.smi-spec.io/v1alpha1/namespaces/shop/deployments/frontend/edges?time=${time}`,
      {},
    ],
    ["a summary", `/summary/namespaces/payments/deployments/api?t=5m&time=${time}`, bearer],
    ["a summary without the token", `/summary/namespaces/payments/deployments/api?time=${time}`, {}],
    ["a passing gate", "/webhooks/flagger", post(flaggerBody({ minRequests: "100" }))],
    ["a failing gate", "/webhooks/flagger", post(flaggerBody({ maxP99Ms: "1" }))],
    ["a bad window", `/apis/metrics.smi-spec.io/v1alpha1/namespaces/shop/deployments?t=soon`, {}],
    ["an unserved kind", "/apis/metrics.smi-spec.io/v1alpha1/namespaces/shop/nodes", {}],
    ["the health check", "/healthz", {}],
  ];
  // Byte for byte, so uncompressed: serverless-offline's HTTP server (hapi) gzips answers over 1 KB
  // itself when asked, which API Gateway never does. Its "; charset=utf-8" suffix is hapi's too.
  it.each(requests)("answers %s with the bytes npm start gives", async (_what, path, init) => {
    const ask = async (base: string) => {
      const response = await fetch(`${base}${path}`, {
        ...init,
        headers: { ...(init.headers as Record<string, string>), "accept-encoding": "identity" },
      });
      return {
        status: response.status,
        type: response.headers.get("content-type")?.split(";")[0],
        encoding: response.headers.get("content-encoding"),
        body: Buffer.from(await response.arrayBuffer()).toString("utf8"),
      };
    };
    const [fromOffline, fromStart] = [await ask(apiUrl), await ask(npmStartUrl)];
    expect(fromOffline).toEqual(fromStart);
  });
});
