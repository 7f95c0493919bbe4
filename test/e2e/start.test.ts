import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkerdSeries } from "../../src/dev/linkerd-series";
import type { RunningPrometheus } from "../../src/dev/prometheus-server";
import { defaultScenario, scenarioEnd } from "../../src/dev/scenario";
import { findWorkload, workloadTruth } from "../support/ground-truth";
import { scenarioPrometheus } from "../support/harness";
import { startProcess } from "../support/process";
import { expectMatchesTruth } from "../support/smi-assert";

const scenario = defaultScenario();
let prometheus: RunningPrometheus;
let server: ReturnType<typeof startProcess>;

beforeAll(async () => {
  prometheus = await scenarioPrometheus(scenario, linkerdSeries);
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await prometheus?.stop();
});

describe("npm start", () => {
  it("serves the Lambda handler over HTTP on PORT against PROMETHEUS_URL within 30 s", async () => {
    const started = Date.now();
    server = startProcess("npm", ["start"], { PORT: "0", PROMETHEUS_URL: prometheus.url });
    const [, url] = await server.waitFor(/on (http:\/\/127\.0\.0\.1:\d+)/, 30_000);
    expect(Date.now() - started).toBeLessThan(30_000);
    const time = scenarioEnd(scenario).toISOString();
    const response = await fetch(
      `${url}/apis/metrics.smi-spec.io/v1alpha1/namespaces/shop/deployments/checkout?t=5m&time=${time}`,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expectMatchesTruth(
      (await response.json()) as Parameters<typeof expectMatchesTruth>[0],
      workloadTruth(scenario, findWorkload(scenario, "shop", "checkout"), 300),
    );
    const health = await fetch(`${url}/healthz`);
    expect(await health.json()).toMatchObject({ status: "ok", mesh: "linkerd" });
  }, 60_000);

  it("refuses to start with a bad value and names the variable", async () => {
    const bad = startProcess("npm", ["start"], { PORT: "0", PROMETHEUS_TIMEOUT_MS: "soon" });
    await bad.waitFor(/PROMETHEUS_TIMEOUT_MS: must be a whole number/, 30_000);
    await bad.stop();
  }, 40_000);
});
