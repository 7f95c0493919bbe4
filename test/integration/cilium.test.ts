/**
 * Cilium beyond the conformance profile, over a real Prometheus holding several Hubble set-ups side
 * by side (test/support/cilium-variants.ts), each read with CLUSTER pinned to it: pairs both agents
 * report, servers seen only by their clients' egress policies, the documented labelsContext without
 * workload kinds, the series this API does not read (the v1 handler, sourceContext), and ends an
 * agent on another node cannot name. Expectations come from the scenarios' rates.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderTop } from "../../src/cli/top";
import { type RunningPrometheus, startPrometheus } from "../../src/dev/prometheus-server";
import type { Workload } from "../../src/dev/scenario";
import type { ApiHandler } from "../../src/http/api-handler";
import { createCiliumAdapter } from "../../src/mesh/cilium";
import { checkReadiness } from "../../src/metrics/readiness";
import { PrometheusClient } from "../../src/prometheus/client";
import { coreSource } from "../../src/topology/core-source";
import { collectTopology } from "../../src/topology/source";
import { CROSS_NODE, VARIANTS, type VariantName, variantSeries } from "../support/cilium-variants";
import {
  type EdgeTruthOptions,
  findWorkload,
  NO_TRAFFIC,
  namespaceEdgesTruth,
  namespaceTruth,
  podTruth,
  workloadEdgesTruth,
  workloadTruth,
} from "../support/ground-truth";
import { apiFor, call, httpEvent, runTestReport, testContext } from "../support/harness";
import { expectMatchesTruth, expectWarnings, metricsOf, warningsOf } from "../support/smi-assert";

const WINDOW_S = 300;
const { startS, endS, stepS } = VARIANTS.policies.scenario;
const at = `t=5m&time=${endS}`;
const base = "/apis/metrics.smi-spec.io/v1alpha2";
const EDGES: EdgeTruthOptions = { side: "server-first", peerKind: "own", rule: "envoy" };
const L4_ONLY =
  /^only L4 \(Hubble flow\) telemetry exists for .*an L7 CiliumNetworkPolicy .*an L7 policy would give HTTP metrics$/;

let prometheus: RunningPrometheus;
const apis = new Map<VariantName, ApiHandler>();

beforeAll(async () => {
  prometheus = await startPrometheus({ series: variantSeries(), startS, endS, stepS });
}, 120_000);
afterAll(async () => {
  await prometheus?.stop();
});

/** The API a deployment pinned to one set-up runs. */
function api(variant: VariantName): ApiHandler {
  const held = apis.get(variant);
  if (held !== undefined) return held;
  const made = apiFor({ MESH: "cilium", PROMETHEUS_URL: prometheus.url, CLUSTER: variant });
  apis.set(variant, made);
  return made;
}

async function ask(variant: VariantName, path: string) {
  const { status, headers, body } = await call(api(variant), `${base}${path}?${at}`);
  return { status, body, warnings: warningsOf(headers) };
}

type Item = {
  edge: { direction: string; side: string; resource: { kind: string; namespace?: string; name: string } };
  metrics: { name: string; value: string | null }[];
};
const edgeTo = (items: Item[], direction: string, peer: string) =>
  items.find((i) => i.edge.direction === direction && i.edge.resource.name === peer) as Item;

/** What a set-up's workload answers: its numbers, its edges both ways and their sides. */
async function expectWorkload(variant: "policies" | "egress", w: Workload, warnings: RegExp[] = []) {
  const s = VARIANTS[variant].scenario;
  const kind = `${w.kind}s`;
  const own = await ask(variant, `/namespaces/${w.namespace}/${kind}/${w.name}`);
  expectWarnings(own.warnings, warnings, `${variant} ${w.name}`);
  expectMatchesTruth(own.body, workloadTruth(s, w, WINDOW_S, "envoy"), `${variant} ${w.name}`);
  const edges = await ask(variant, `/namespaces/${w.namespace}/${kind}/${w.name}/edges`);
  const expected = workloadEdgesTruth(s, w, WINDOW_S, EDGES);
  expect(edges.body.items, `${variant} ${w.name} edges`).toHaveLength(expected.length);
  for (const e of expected) {
    const found = edgeTo(edges.body.items, e.direction, e.peer.split("/")[1] as string);
    const label = `${variant} ${w.name} ${e.direction} ${e.peer}`;
    expect(found?.edge.side, label).toBe(e.side);
    expectMatchesTruth(found, e.truth, label);
  }
}

describe("a pair both agents report", () => {
  it("is two series per request in Prometheus, and counted once, at the server, everywhere", async () => {
    const raw = await fetch(
      `${prometheus.url}/api/v1/query?time=${endS}&query=${encodeURIComponent(
        'sum(increase(hubble_http_requests_total{cluster="policies", source_workload="frontend", destination_workload="checkout"}[5m]))',
      )}`,
    ).then((r) => r.json() as Promise<{ data: { result: { value: [number, string] }[] } }>);
    // frontend calls checkout at 4 rps: 1,200 requests, each reported by both agents.
    expect(Number(raw.data.result[0]?.value[1])).toBeCloseTo(2 * 1200, 6);
    const s = VARIANTS.policies.scenario;
    const checkout = findWorkload(s, "shop", "checkout");
    await expectWorkload("policies", checkout);
    const { body } = await ask("policies", "/namespaces/shop/deployments/checkout");
    const { success, failure } = metricsOf(body);
    expect((success ?? 0) + (failure ?? 0)).toBeCloseTo(1200, 3);
    await expectWorkload("policies", findWorkload(s, "shop", "frontend"));
  });
});

describe("servers no ingress policy covers, seen by their clients' egress policies", () => {
  const s = VARIANTS.egress.scenario;

  it.each(s.workloads.map((w) => [w.name, w] as const))(
    "%s answers what the reporting side saw, or zero with a Warning where nothing L7 sees it",
    async (_name, w) => {
      // ledger is called only by api, which no policy covers: L4 flows alone.
      await expectWorkload("egress", w, w.name === "ledger" ? [L4_ONLY] : []);
    },
  );

  it("reads api's own numbers at its clients: their failures include the requests that never arrived", async () => {
    const { body } = await ask("egress", "/namespaces/payments/deployments/api");
    // checkout: 2 rps, 5% 5xx, plus 0.5 rps its Envoy answered 503; frontend: 1 rps.
    expect(metricsOf(body).failure).toBeCloseTo(600 * 0.05 + 150, 3);
    for (const pod of findWorkload(s, "payments", "api").pods) {
      const answer = await ask("egress", `/namespaces/payments/pods/${pod}`);
      expectMatchesTruth(
        answer.body,
        podTruth(s, findWorkload(s, "payments", "api"), WINDOW_S, "envoy"),
        pod,
      );
    }
  });

  it("answers namespaces and their edges the same way", async () => {
    for (const ns of ["shop", "payments"]) {
      const own = await ask("egress", `/namespaces/${ns}`);
      expectMatchesTruth(own.body, namespaceTruth(s, ns, WINDOW_S, "envoy"), ns);
      const edges = await ask("egress", `/namespaces/${ns}/edges`);
      const expected = namespaceEdgesTruth(s, ns, WINDOW_S, "server-first", "envoy");
      expect(edges.body.items).toHaveLength(expected.length);
      for (const e of expected) {
        const found = (edges.body.items as Item[]).find(
          (i) =>
            i.edge.direction === e.direction && i.edge.resource.name === e.peer && i.edge.side === e.side,
        );
        expectMatchesTruth(found as Item, e.truth, `${ns} ${e.direction} ${e.peer} (${e.side})`);
      }
    }
  });
});

describe("the documented labelsContext, without workload kinds or pods", () => {
  const s = VARIANTS.documented.scenario;

  it("lists every workload under deployments, with its numbers, as Istio does", async () => {
    const { body, warnings } = await ask("documented", "/deployments");
    expect(warnings).toEqual([]);
    for (const w of s.workloads) {
      const item = body.items.find((i: Item & { resource: { name: string } }) => i.resource.name === w.name);
      expectMatchesTruth(item, workloadTruth(s, w, WINDOW_S, "envoy"), `documented ${w.name}`);
    }
    const edges = await ask("documented", "/namespaces/shop/deployments/frontend/edges");
    expect(edgeTo(edges.body.items, "to", "cart").edge.resource.kind).toBe("Deployment");
  });

  it("says where a StatefulSet went, and what pods need, instead of a silent zero", async () => {
    const list = await ask("documented", "/namespaces/payments/statefulsets");
    expect(list.body.items).toEqual([]);
    expectWarnings(list.warnings, [
      /carry no destination_workload_kind, so every workload is listed under deployments/,
    ]);
    const ledger = await ask("documented", "/namespaces/payments/statefulsets/ledger");
    expectMatchesTruth(ledger.body, NO_TRAFFIC, "ledger as a statefulset");
    expectWarnings(ledger.warnings, [
      /ask for deployments\/ledger, or add source_workload_kind and destination_workload_kind to httpV2's labelsContext/,
    ]);
    const pods = await ask("documented", "/namespaces/shop/pods");
    expect(pods.body.items).toEqual([]);
    expectWarnings(pods.warnings, [/none carries destination_pod: .*add them \(httpV2:labelsContext=/]);
  });
});

describe("series this API does not read", () => {
  const time = new Date(endS * 1000);
  const readiness = (variant: VariantName) =>
    checkReadiness(
      testContext({}, { MESH: "cilium", PROMETHEUS_URL: prometheus.url, CLUSTER: variant }),
      time,
    );

  it.each([
    ["v1", /Hubble's deprecated v1 http handler .*enable the httpV2 handler in hubble\.metrics\.enabled/],
    [
      "podIdentity",
      /none carries destination_workload: Hubble names workloads only with httpV2's labelsContext option, so set it .*sourceContext and destinationContext are not read/,
    ],
  ] as const)(
    "%s: zero answers with a Warning naming the Hubble option to set, and /readyz says it",
    async (variant, said) => {
      for (const path of [
        "/namespaces/shop/deployments",
        "/namespaces/shop/deployments/frontend",
        "/namespaces/shop",
      ]) {
        const { body, warnings } = await ask(variant, path);
        if (body.kind === "TrafficMetricsList") expect(body.items, path).toEqual([]);
        else expectMatchesTruth(body, NO_TRAFFIC, `${variant} ${path}`);
        expectWarnings(warnings, [said], `${variant} ${path}`);
      }
      const ready = await readiness(variant);
      expect(ready.ready).toBe(false);
      expect(ready.meshSeries.detail).toMatch(said);
    },
  );
});

describe("ends an agent on another node cannot name (cilium/cilium#25676)", () => {
  const requests = 300 * (CROSS_NODE.ok + CROSS_NODE.noResponse);

  it("counts the request once, in the server's own numbers, with status 0 a failure, and gives no workload edge", async () => {
    const checkout = await ask("crossNode", "/namespaces/shop/deployments/checkout");
    expect(metricsOf(checkout.body).success).toBeCloseTo(300 * CROSS_NODE.ok, 3);
    expect(metricsOf(checkout.body).failure).toBeCloseTo(300 * CROSS_NODE.noResponse, 3);
    for (const name of ["checkout", "frontend"]) {
      const edges = await ask("crossNode", `/namespaces/shop/deployments/${name}/edges`);
      expect(edges.body.items, name).toEqual([]);
      expect(edges.warnings, name).toEqual([]);
    }
    const ns = await ask("crossNode", "/namespaces/shop");
    const m = metricsOf(ns.body);
    expect((m.success ?? 0) + (m.failure ?? 0)).toBeCloseTo(requests, 3);
    const nsEdges = await ask("crossNode", "/namespaces/shop/edges");
    expect(nsEdges.body.items.map((i: Item) => [i.edge.direction, i.edge.side])).toEqual([
      ["to", "server"],
      ["from", "server"],
    ]);
  });
});

describe("everything else the API does, with MESH=cilium", () => {
  const s = VARIANTS.policies.scenario;
  const apiTruth = workloadTruth(s, findWorkload(s, "payments", "api"), WINDOW_S, "envoy");
  const context = () =>
    testContext({}, { MESH: "cilium", PROMETHEUS_URL: prometheus.url, CLUSTER: "policies" });
  // checkout served 4 rps, 2% of them 5xx.
  const TOP_CHECKOUT = /^checkout\s+server\s+98\.00%\s+4\.00rps/;

  it("lists the namespaces of the workloads, never the agents' own (kube-system)", async () => {
    const { body } = await ask("policies", "/namespaces");
    expect(body.items.map((i: { resource: { name: string } }) => i.resource.name)).toEqual([
      "payments",
      "shop",
    ]);
  });

  it("summarizes, gates, and is ready", async () => {
    const summary = await call(api("policies"), `/summary/namespaces/payments/deployments/api?${at}`);
    expect(summary.body.requests).toBeCloseTo(apiTruth.success + apiTruth.failure, 3);
    const gate = await api("policies")(
      httpEvent("POST", "/webhooks/flagger", {
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          name: "api",
          namespace: "payments",
          phase: "Progressing",
          metadata: { kind: "deployments", window: "5m", time: String(endS), minSuccessRate: "90" },
        }),
      }),
    );
    expect(gate.statusCode).toBe(200);
    const ready = await checkReadiness(context(), new Date(endS * 1000));
    expect(ready).toMatchObject({ ready: true, meshSeries: { ok: true }, histograms: { ok: true } });
  });

  it("writes kubectl's Table, top and topology from the same answers", async () => {
    const accept = "application/json;as=Table;v=v1;g=meta.k8s.io";
    const response = await api("policies")(
      httpEvent("GET", `${base}/namespaces/payments/deployments?${at}`, { headers: { accept } }),
    );
    const table = JSON.parse(response.body ?? "null");
    expect(table.kind).toBe("Table");
    expect(table.rows.map((r: { cells: string[] }) => r.cells[0])).toEqual(["api"]);
    const range = { windowMs: WINDOW_S * 1000, time: new Date(endS * 1000) };
    const source = coreSource(context(), range);
    const top = renderTop(await source.list("deployments", "shop"), { allNamespaces: false });
    expect(top.split("\n").find((line) => line.startsWith("checkout"))).toMatch(TOP_CHECKOUT);
    const topology = await collectTopology(source, "deployments", "shop");
    expect(topology.edges.map((e) => `${e.from}->${e.to}`).sort()).toEqual([
      "shop/checkout->payments/api",
      "shop/frontend->payments/api",
      "shop/frontend->shop/cart",
      "shop/frontend->shop/checkout",
    ]);
  });

  it("reports with the same numbers", async () => {
    const engine = new PrometheusClient({ baseUrl: prometheus.url, timeoutMs: 10_000 });
    const mesh = createCiliumAdapter({ cluster: { label: "cluster", value: "policies" } });
    const sinkFor = () => {
      throw new Error("no sinks");
    };
    const spec = {
      title: "t",
      namespaces: ["payments"],
      kinds: ["deployments"],
      window: "5m",
      time: String(endS),
    };
    const { report } = await runTestReport({ engine, mesh, backendDescription: "test", sinkFor }, spec);
    expect(report.mesh).toBe("cilium");
    expect(report.rows.find((r) => r.name === "api")?.requests).toBeCloseTo(
      apiTruth.success + apiTruth.failure,
      3,
    );
  });

  it("does not serve the split kinds, and says why, even where split objects can be read", async () => {
    const withKubernetes = apiFor({
      MESH: "cilium",
      PROMETHEUS_URL: prometheus.url,
      KUBERNETES_API_URL: "https://127.0.0.1:9",
      KUBERNETES_TOKEN: "unused-token",
    });
    const { body } = await call(withKubernetes, `${base}/`);
    expect(body.resources.map((r: { name: string }) => r.name)).not.toContain("httproutes");
    const split = await call(withKubernetes, `${base}/namespaces/store/httproutes/web?${at}`);
    expect(split.status).toBe(404);
    expect(split.body.message).toMatch(
      /never with MESH=cilium, whose Hubble series cannot tell a split's backends apart/,
    );
  });
});
