/**
 * `npm start` over a real Prometheus, configured right and configured wrong the ways users get it
 * wrong. A zero that could not have seen traffic carries a Warning (or the answer is a Status), and
 * `/readyz` tells a deployment that can be trusted from one that cannot.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { linkerdSeries } from "../../src/dev/linkerd-series";
import { OpenMetricsBuilder } from "../../src/dev/openmetrics";
import { freePort, type RunningPrometheus, startPrometheus } from "../../src/dev/prometheus-server";
import { defaultScenario, endingAt } from "../../src/dev/scenario";
import { scenarioPrometheus } from "../support/harness";
import { startProcess } from "../support/process";

const run = promisify(execFile);
// Data that covers now: /readyz asks about now, as a deployment's probe does.
const scenario = endingAt(defaultScenario(), Date.now() / 1000);
const q = `t=5m&time=${scenario.endS}`;
const api = "/apis/metrics.smi-spec.io/v1alpha2";
let linkerd: RunningPrometheus;
let empty: RunningPrometheus;
let server: ReturnType<typeof startProcess> | undefined;

beforeAll(async () => {
  linkerd = await scenarioPrometheus(scenario, linkerdSeries);
  // "The wrong Prometheus": one that answers, but scrapes no mesh.
  const other = new OpenMetricsBuilder();
  other.counter("node_cpu_seconds_total", { cpu: "0", mode: "idle" }, 1);
  empty = await startPrometheus({ series: other, startS: scenario.startS, endS: scenario.endS, stepS: 15 });
}, 120_000);
afterEach(async () => {
  await server?.stop();
  server = undefined;
});
afterAll(async () => {
  await linkerd?.stop();
  await empty?.stop();
});

async function start(env: Record<string, string>) {
  // Its request log as JSON documents (EMF), which loggedRoundTrips reads.
  server = startProcess("npm", ["start"], { PORT: "0", LOG_FORMAT: "emf", ...env });
  const [, url] = await server.waitFor(/on (http:\/\/127\.0\.0\.1:\d+)/, 30_000);
  return url as string;
}

async function get(url: string) {
  const response = await fetch(url);
  return {
    status: response.status,
    warning: response.headers.get("warning"),
    // biome-ignore lint/suspicious/noExplicitAny: test bodies are inspected field by field
    body: (await response.json()) as any,
  };
}

/** The round trips the server logged for each request so far, from its structured log lines. */
function loggedRoundTrips(output: string): Record<string, number> {
  const trips: Record<string, number> = {};
  for (const line of output.split("\n")) {
    if (!line.startsWith("{")) continue;
    const entry = JSON.parse(line) as { path?: string; roundTrips?: number };
    if (entry.path !== undefined && entry.roundTrips !== undefined) trips[entry.path] = entry.roundTrips;
  }
  return trips;
}

describe("npm start configured right", () => {
  it("is ready, and answers with traffic without a Warning at the round trips it always cost", async () => {
    const url = await start({ PROMETHEUS_URL: linkerd.url });
    const ready = await get(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: "ready", mesh: "linkerd", labels: { ok: true } });
    const paths = [
      `${api}/namespaces/shop/deployments/frontend`,
      `${api}/namespaces/shop/deployments`,
      `${api}/namespaces/shop/deployments/frontend/edges`,
    ];
    for (const path of paths) {
      const answer = await get(`${url}${path}?${q}`);
      expect(answer.status, path).toBe(200);
      expect(answer.warning, path).toBeNull();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    const trips = loggedRoundTrips(server?.output() ?? "");
    expect(paths.map((p) => trips[p])).toEqual([1, 2, 4]);
  }, 60_000);
});

describe("npm start configured wrong", () => {
  it("with MESH=istio over Linkerd data: a Warning naming the metric, MESH and Prometheus, and not ready", async () => {
    const url = await start({ PROMETHEUS_URL: linkerd.url, MESH: "istio" });
    const answer = await get(`${url}${api}/namespaces/shop/deployments/frontend?${q}`);
    expect(answer.status).toBe(200);
    expect(answer.body.metrics.find((m: { name: string }) => m.name === "success_count").value).toBe("0");
    expect(answer.warning).toMatch(/^299 - ".*"$/);
    for (const named of [/istio_requests_total/, /MESH=istio/, new RegExp(`prometheus at ${linkerd.url}`)]) {
      expect(answer.warning).toMatch(named);
    }
    // curl -i, as the README shows it, prints the header.
    const { stdout } = await run("curl", ["-si", `${url}${api}/namespaces/shop/deployments/frontend?${q}`]);
    expect(stdout).toMatch(/^warning: 299 - ".*istio_requests_total/im);
    const ready = await get(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ kind: "Status", reason: "ServiceUnavailable", code: 503 });
    // It names the mesh whose series are there, and the start-up log says the same.
    expect(ready.body.message).toMatch(/this Prometheus has Linkerd's response_total; set MESH=linkerd/);
    const [startup] = await (server as NonNullable<typeof server>).waitFor(/^not ready: .*$/m, 10_000);
    expect(startup).toMatch(/this Prometheus has Linkerd's response_total; set MESH=linkerd/);
  }, 60_000);

  it("with a workload label the relabeling does not give: a Warning naming the label and its setting, and not ready", async () => {
    const url = await start({ PROMETHEUS_URL: linkerd.url, LABEL_DEPLOYMENT: "workload" });
    const list = await get(`${url}${api}/namespaces/shop/deployments?${q}`);
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([]);
    expect(list.warning).toMatch(/the label workload \(LABEL_DEPLOYMENT\)/);
    const ready = await get(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.body.message).toMatch(/set LABEL_DEPLOYMENT to the label your relabeling gives/);
  }, 60_000);

  it("with a PROMETHEUS_URL where nothing answers: a 503 Status, and not ready", async () => {
    const url = await start({
      PROMETHEUS_URL: `http://127.0.0.1:${await freePort()}`,
      PROMETHEUS_RETRY_ATTEMPTS: "1",
    });
    const answer = await get(`${url}${api}/namespaces/shop/deployments/frontend?${q}`);
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ kind: "Status", reason: "ServiceUnavailable" });
    const ready = await get(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.body.message).toMatch(/check PROMETHEUS_URL/);
  }, 60_000);

  it("with a PROMETHEUS_URL of a Prometheus that scrapes no mesh: a Warning, and not ready", async () => {
    const url = await start({ PROMETHEUS_URL: empty.url });
    const answer = await get(`${url}${api}/namespaces/shop/deployments/frontend?${q}`);
    expect(answer.status).toBe(200);
    expect(answer.warning).toMatch(/response_total.*MESH=linkerd/);
    const ready = await get(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.body.message).toMatch(/has no series of response_total/);
  }, 60_000);
});
