import { LambdaClient } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkerdSeries } from "../../src/dev/linkerd-series";
import { freePort, type RunningPrometheus } from "../../src/dev/prometheus-server";
import { defaultScenario } from "../../src/dev/scenario";
import { createLinkerdAdapter } from "../../src/mesh/linkerd";
import { PrometheusClient } from "../../src/prometheus/client";
import { runReport } from "../../src/report/run-report";
import { ReportDeliveryError } from "../../src/report/sink";
import { createSinkFactory } from "../../src/report/sink-factory";
import { scenarioPrometheus, WINDOW } from "../support/harness";
import { startProcess } from "../support/process";

const scenario = defaultScenario();
let prometheus: RunningPrometheus;
let offline: ReturnType<typeof startProcess>;
let lambdaPort: number;

beforeAll(async () => {
  prometheus = await scenarioPrometheus(scenario, linkerdSeries);
  lambdaPort = await freePort();
  const httpPort = await freePort();
  // serverless-offline serves test/e2e/offline's consumer function and the Lambda Invoke API.
  offline = startProcess(
    "npx",
    ["serverless", "offline", "--httpPort", String(httpPort), "--lambdaPort", String(lambdaPort)],
    { SLS_TELEMETRY_DISABLED: "1", SLS_NOTIFICATIONS_MODE: "off" },
    "test/e2e/offline",
  );
  await offline.waitFor(/listening on http:\/\/localhost:\d+/, 60_000);
}, 90_000);
afterAll(async () => {
  await offline?.stop();
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
    window: WINDOW,
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
    const run = await runReport(reportDeps(), spec(["report-consumer-test-receiver"]));
    expect(run.outcomes).toEqual([
      { sink: "lambda report-consumer-test-receiver", ok: true, attempts: 1, status: 202 },
    ]);
    const [, received] = await offline.waitFor(
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
    const error = await runReport(
      reportDeps(),
      spec(["no-such-function", "report-consumer-test-receiver"]),
    ).catch((e) => e);
    expect(error).toBeInstanceOf(ReportDeliveryError);
    expect(error.outcomes[0]).toMatchObject({ sink: "lambda no-such-function", ok: false });
    expect(error.outcomes[0].error).toMatch(/Function not found/);
    expect(error.outcomes[1]).toMatchObject({ sink: "lambda report-consumer-test-receiver", ok: true });
    await offline.waitFor(new RegExp(`REPORT_RECEIVED \\{"id":"${error.reportId}"`), 30_000);
  }, 60_000);
});
