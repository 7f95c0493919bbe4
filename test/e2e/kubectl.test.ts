import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkerdSeries } from "../../src/dev/linkerd-series";
import type { RunningPrometheus } from "../../src/dev/prometheus-server";
import { defaultScenario, type Scenario } from "../../src/dev/scenario";
import { discoveryKindOf } from "../../src/smi/discovery";
import { KINDS, type KindName } from "../../src/smi/kinds";
import { LINKERD_KINDS } from "../support/conformance-profiles";
import { Contract } from "../support/contract";
import { findWorkload, workloadTruth } from "../support/ground-truth";
import { scenarioPrometheus } from "../support/harness";
import { type KubectlResult, kubectlFor, parseKubectlTable } from "../support/kubectl";
import { startProcess } from "../support/process";
import { expectMatchesTruth, parseQuantity } from "../support/smi-assert";
import { expectRowMatchesTruth } from "../support/table-truth";
import { tlsProxy } from "../support/tls-proxy";

/** The generated mesh, shifted so its data covers now: kubectl cannot send a `time`. */
function scenarioAroundNow(): Scenario {
  const base = defaultScenario();
  const nowS = Math.floor(Date.now() / 1000 / base.stepS) * base.stepS;
  return { ...base, startS: nowS - 20 * 60, endS: nowS + 20 * 60 };
}

const scenario = scenarioAroundNow();
const TOKEN = "kubectl-bearer-token-0123";
const WINDOW_S = 30; // DEFAULT_WINDOW: kubectl cannot send `t` either.
let prometheus: RunningPrometheus;
let server: ReturnType<typeof startProcess>;
let url: string;
let tls: Awaited<ReturnType<typeof tlsProxy>>;
let kubectl: (...args: string[]) => Promise<KubectlResult>;

beforeAll(async () => {
  prometheus = await scenarioPrometheus(scenario, linkerdSeries);
  server = startProcess("npm", ["start"], { PORT: "0", PROMETHEUS_URL: prometheus.url, API_TOKEN: TOKEN });
  [, url = ""] = await server.waitFor(/on (http:\/\/127\.0\.0\.1:\d+)/, 30_000);
  tls = await tlsProxy(url);
  kubectl = await kubectlFor(tls.url, TOKEN, tls.certificate);
}, 90_000);
afterAll(async () => {
  await tls?.close();
  await server?.stop();
  await prometheus?.stop();
});

const ok = (result: KubectlResult) => {
  expect(result.stderr, result.stderr).toBe("");
  expect(result.code).toBe(0);
  return result.stdout;
};

describe("kubectl against npm start", () => {
  it("lists the group's resources, each with its own Kind, in api-resources", async () => {
    const rows = parseKubectlTable(ok(await kubectl("api-resources", "--api-group=metrics.smi-spec.io")));
    expect(rows.map((r) => r.NAME).sort()).toEqual([...LINKERD_KINDS].sort());
    for (const row of rows) {
      const kind = row.NAME as KindName;
      expect(row).toMatchObject({
        APIVERSION: "metrics.smi-spec.io/v1alpha2",
        NAMESPACED: String(KINDS[kind].namespaced),
        KIND: discoveryKindOf(kind),
      });
    }
  });

  it("prints deployments in a namespace as the SMI top table, every number equal to ground truth", async () => {
    const rows = parseKubectlTable(
      ok(await kubectl("get", "deployments.v1alpha2.metrics.smi-spec.io", "-n", "shop")),
    );
    const deployments = scenario.workloads.filter((w) => w.namespace === "shop" && w.kind === "deployment");
    expect(rows.map((r) => r.NAME).sort()).toEqual(deployments.map((w) => w.name).sort());
    expect(Object.keys(rows[0] ?? {})).toEqual([
      "NAME",
      "SIDE",
      "SUCCESS",
      "RPS",
      "LATENCY_P50",
      "LATENCY_P90",
      "LATENCY_P99",
    ]);
    for (const row of rows) {
      const truth = workloadTruth(
        scenario,
        findWorkload(scenario, "shop", row.NAME as string),
        WINDOW_S,
        "linkerd",
      );
      expectRowMatchesTruth(row, truth, WINDOW_S, `shop/${row.NAME}`);
      expect(row.SIDE, `shop/${row.NAME} SIDE`).toBe("server");
    }
  });

  it("adds NAMESPACE with -A, and the counts and window with -o wide", async () => {
    const rows = parseKubectlTable(
      ok(await kubectl("get", "statefulsets.v1alpha2.metrics.smi-spec.io", "-A", "-o", "wide")),
    );
    const statefulsets = scenario.workloads.filter((w) => w.kind === "statefulset");
    expect(rows.map((r) => `${r.NAMESPACE}/${r.NAME}`).sort()).toEqual(
      statefulsets.map((w) => `${w.namespace}/${w.name}`).sort(),
    );
    for (const row of rows) {
      const truth = workloadTruth(
        scenario,
        findWorkload(scenario, row.NAMESPACE as string, row.NAME as string),
        WINDOW_S,
        "linkerd",
      );
      expectRowMatchesTruth(row, truth, WINDOW_S, `${row.NAMESPACE}/${row.NAME}`);
      expect(Math.abs(Number(row.SUCCESS_COUNT) - truth.success)).toBeLessThanOrEqual(0.006);
      expect(Math.abs(Number(row.FAILURE_COUNT) - truth.failure)).toBeLessThanOrEqual(0.006);
      expect(row.WINDOW).toBe("30s");
    }
  });

  it("gives the plain TrafficMetrics with -o json", async () => {
    const item = JSON.parse(
      ok(
        await kubectl(
          "get",
          "deployments.v1alpha2.metrics.smi-spec.io",
          "-n",
          "shop",
          "checkout",
          "-o",
          "json",
        ),
      ),
    );
    expect(item).toMatchObject({
      kind: "TrafficMetrics",
      apiVersion: "metrics.smi-spec.io/v1alpha2",
      metadata: { name: "checkout", namespace: "shop" },
      window: "30s",
    });
    expectMatchesTruth(
      item,
      workloadTruth(scenario, findWorkload(scenario, "shop", "checkout"), WINDOW_S, "linkerd"),
    );
  });

  it("prints a list's plain TrafficMetrics items with -o yaml and -o name", async () => {
    const yaml = ok(
      await kubectl("get", "deployments.v1alpha2.metrics.smi-spec.io", "-n", "shop", "-o", "yaml"),
    );
    expect(yaml).toMatch(/^kind: List$/m);
    expect(yaml.match(/^ {2}kind: TrafficMetrics$/gm)).toHaveLength(3);
    const names = ok(
      await kubectl("get", "deployments.v1alpha1.metrics.smi-spec.io", "-n", "shop", "-o", "name"),
    );
    expect(names.trimEnd().split("\n").sort()).toEqual(
      ["checkout", "frontend", "idle"].map((n) => `trafficmetrics.metrics.smi-spec.io/${n}`),
    );
  });

  it("prints any path byte for byte with get --raw, as curl gets it", async () => {
    const time = `${new Date(Date.now() - 120_000).toISOString().slice(0, 19)}Z`;
    const path = `/apis/metrics.smi-spec.io/v1alpha2/namespaces/payments/deployments/api/edges?t=5m&time=${time}`;
    const raw = ok(await kubectl("get", "--raw", path));
    const curl = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(raw).toBe(await curl.text());
    const edges = JSON.parse(raw);
    expect(edges.kind).toBe("TrafficMetricsList");
    expect(edges.items.length).toBeGreaterThan(0);
    for (const item of edges.items) expect(parseQuantity(item.metrics[3].value)).toBeGreaterThan(0);
  });

  it("explains the group's types from the OpenAPI v3 document", async () => {
    const text = ok(await kubectl("explain", "deployments.metrics.smi-spec.io"));
    expect(text).toContain("GROUP:      metrics.smi-spec.io");
    expect(text).toContain("KIND:       DeploymentTrafficMetrics");
    expect(text).toContain("VERSION:    v1alpha2");
    for (const field of ["edge", "metrics", "resource", "timestamp", "window"])
      expect(text).toMatch(new RegExp(`^  ${field}\\t`, "m"));
    const older = ok(await kubectl("explain", "pods", "--api-version=metrics.smi-spec.io/v1alpha1"));
    expect(older).toContain("VERSION:    v1alpha1");
    const field = ok(await kubectl("explain", "deployments.metrics.smi-spec.io.edge.side"));
    expect(field).toContain("whose proxy observed the numbers");
  });

  it("explains each metric's fields and an edge's peer, not an opaque Object", async () => {
    const text = ok(await kubectl("explain", "deployments.metrics.smi-spec.io.metrics"));
    for (const field of ["name", "unit", "value"]) expect(text).toMatch(new RegExp(`^  ${field}\\t`, "m"));
    const peer = ok(await kubectl("explain", "deployments.metrics.smi-spec.io.edge.resource"));
    for (const field of ["kind", "name", "namespace"])
      expect(peer).toMatch(new RegExp(`^  ${field}\\t`, "m"));
  });

  it("answers get -w with the table, then a message pointing to smi-metrics top --watch", async () => {
    const result = await kubectl("get", "deployments.v1alpha2.metrics.smi-spec.io", "-n", "shop", "-w");
    expect(result.code).not.toBe(0);
    expect(parseKubectlTable(result.stdout).map((r) => r.NAME)).toContain("checkout");
    expect(result.stderr.trimEnd()).toBe(
      "Error from server (BadRequest): watching is not served: these numbers are measured when asked, never streamed. For a table that refreshes, use smi-metrics top --watch: npx smi-metrics top deployments -n shop --watch 5s --api <this API's URL>",
    );
  });

  it("refuses a type the group does not serve", async () => {
    const result = await kubectl("get", "trafficsplits.v1alpha2.metrics.smi-spec.io", "-n", "shop");
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('the server doesn\'t have a resource type "trafficsplits"');
  });

  it("is refused without the API token, and kubectl shows the Status message", async () => {
    const result = await kubectl(
      "get",
      "deployments.v1alpha2.metrics.smi-spec.io",
      "-n",
      "shop",
      "--token=wrong-token-000000",
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      "error: You must be logged in to the server (missing or wrong token; send it as Authorization: Bearer <token>)",
    );
  });

  it("answers what kubectl reads, and the probes, as the server's own /openapi.json says", async () => {
    const contract = new Contract(await (await fetch(`${url}/openapi.json`)).json());
    const table = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
    for (const [path, accept] of [
      ["/version", "application/json, */*"],
      ["/api", "application/json"],
      ["/apis", "application/json"],
      ["/apis/metrics.smi-spec.io/v1alpha2", "application/json"],
      ["/openapi/v3", "application/json"],
      ["/healthz", "application/json"],
      ["/readyz", "application/json"],
      ["/apis/metrics.smi-spec.io/v1alpha2/namespaces/shop/deployments", table],
      ["/apis/metrics.smi-spec.io/v1alpha2/namespaces/shop/deployments/checkout/edges", table],
      ["/apis/metrics.smi-spec.io/v1alpha2/namespaces/shop/deployments/checkout", "application/json"],
    ] as const) {
      const response = await fetch(`${url}${path}`, {
        headers: { accept, authorization: `Bearer ${TOKEN}` },
      });
      const body = await response.json();
      expect(response.status, path).toBe(200);
      contract.check({
        method: "GET",
        path,
        status: response.status,
        contentType: response.headers.get("content-type") ?? undefined,
        body,
      });
    }
  });

  it("reports this server's own version", async () => {
    const text = (await kubectl("version")).stdout;
    expect(text).toContain("Server Version: v0.1.0");
  });
});
