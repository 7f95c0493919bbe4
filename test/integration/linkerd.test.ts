import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkerdSeries } from "../../src/dev/linkerd-series";
import type { RunningPrometheus } from "../../src/dev/prometheus-server";
import { defaultScenario } from "../../src/dev/scenario";
import type { ApiHandler } from "../../src/http/api-handler";
import { createLinkerdAdapter } from "../../src/mesh/linkerd";
import {
  findWorkload,
  NO_TRAFFIC,
  namespaceTruth,
  workloadEdgesTruth,
  workloadTruth,
} from "../support/ground-truth";
import { apiOverPrometheus, call, scenarioPrometheus } from "../support/harness";
import { expectMatchesTruth, metricsOf } from "../support/smi-assert";

const scenario = defaultScenario();
const WINDOW_S = 300;
const at = `t=5m&time=${scenario.endS}`;
const base = "/apis/metrics.smi-spec.io/v1alpha2";

let prometheus: RunningPrometheus;
let api: ApiHandler;

beforeAll(async () => {
  prometheus = await scenarioPrometheus(scenario, linkerdSeries);
  api = apiOverPrometheus(prometheus, createLinkerdAdapter());
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
});

describe("Linkerd on a real Prometheus", () => {
  it("lists deployments in every namespace and in one namespace", async () => {
    const all = await call(api, `${base}/deployments?${at}`);
    expect(all.status).toBe(200);
    expect(all.body.kind).toBe("TrafficMetricsList");
    expect(all.body.resource).toEqual({ kind: "Deployment" });
    const deployments = scenario.workloads.filter((w) => w.kind === "deployment");
    expect(all.body.items).toHaveLength(deployments.length);
    for (const w of deployments) {
      const item = all.body.items.find(
        (i: { resource: { namespace: string; name: string } }) =>
          i.resource.namespace === w.namespace && i.resource.name === w.name,
      );
      expectMatchesTruth(item, workloadTruth(scenario, w, WINDOW_S, "linkerd"), w.name);
    }
    const shop = await call(api, `${base}/namespaces/shop/deployments?${at}`);
    expect(shop.body.resource).toEqual({ kind: "Deployment", namespace: "shop" });
    expect(shop.body.items.map((i: { resource: { name: string } }) => i.resource.name)).toEqual([
      "checkout",
      "frontend",
      "idle",
    ]);
  });

  it("answers a namespace from every inbound series in it, without a namespace field", async () => {
    for (const ns of ["shop", "payments"]) {
      const { status, body } = await call(api, `${base}/namespaces/${ns}?${at}`);
      expect(status).toBe(200);
      expect(body.resource).toEqual({ kind: "Namespace", name: ns });
      expect(body.metadata.namespace).toBeUndefined();
      expectMatchesTruth(body, namespaceTruth(scenario, ns, WINDOW_S, "linkerd"), ns);
    }
    const list = await call(api, `${base}/namespaces?${at}`);
    expect(list.body.items.map((i: { resource: { name: string } }) => i.resource.name)).toEqual([
      "payments",
      "shop",
    ]);
  });

  it("answers edges in both directions across namespaces, measured at the client", async () => {
    const w = findWorkload(scenario, "payments", "api");
    const { status, body } = await call(api, `${base}/namespaces/payments/deployments/api/edges?${at}`);
    expect(status).toBe(200);
    expect(body.resource).toEqual({ kind: "Deployment", namespace: "payments", name: "api" });
    const expected = workloadEdgesTruth(scenario, w, WINDOW_S, {
      side: { to: "client", from: "client" },
      peerKind: "own",
      rule: "linkerd",
    });
    expect(body.items).toHaveLength(expected.length);
    for (const edge of expected) {
      const [namespace, name] = edge.peer.split("/");
      const item = body.items.find(
        (i: { edge: { direction: string; resource: { namespace: string; name: string } } }) =>
          i.edge.direction === edge.direction &&
          i.edge.resource.namespace === namespace &&
          i.edge.resource.name === name,
      );
      expect(item, `${edge.direction} ${edge.peer}`).toBeDefined();
      expect(item.edge.side).toBe("client");
      expect(item.edge.resource.kind).toBe(edge.kind === "statefulsets" ? "StatefulSet" : "Deployment");
      expectMatchesTruth(item, edge.truth, `${edge.direction} ${edge.peer}`);
    }
  });

  it("counts client-only failures on the edge, so it exceeds the server's own failure count", async () => {
    const resource = await call(api, `${base}/namespaces/payments/deployments/api?${at}`);
    const edges = await call(api, `${base}/namespaces/payments/deployments/api/edges?${at}`);
    const fromCheckout = edges.body.items.find(
      (i: { edge: { direction: string; resource: { name: string } } }) =>
        i.edge.direction === "from" && i.edge.resource.name === "checkout",
    );
    const edgeFailures = metricsOf(fromCheckout).failure as number;
    const serverFailures = metricsOf(resource.body).failure as number;
    expect(edgeFailures).toBeGreaterThan(serverFailures);
    // 2 rps × 5% server failures + 0.5 rps that never reached the server, over 300 s.
    expect(edgeFailures).toBeCloseTo((2 * 0.05 + 0.5) * 300, 3);
  });

  it("leaves edge.side out of v1alpha1 answers", async () => {
    const { body } = await call(
      api,
      `/apis/metrics.smi-spec.io/v1alpha1/namespaces/payments/deployments/api/edges?${at}`,
    );
    expect(body.apiVersion).toBe("metrics.smi-spec.io/v1alpha1");
    expect(body.items.length).toBeGreaterThan(0);
    for (const item of body.items) expect(Object.keys(item.edge).sort()).toEqual(["direction", "resource"]);
  });

  it("never counts route_* or control_* series", async () => {
    // The writer adds route_response_total (same requests, per route) and control_response_total
    // at every server pod; the namespace total would double if either were read.
    const { body } = await call(api, `${base}/namespaces/shop?${at}`);
    expectMatchesTruth(body, namespaceTruth(scenario, "shop", WINDOW_S, "linkerd"), "shop");
  });

  it("reports zero and null before the data begins", async () => {
    const { body } = await call(
      api,
      `${base}/namespaces/payments/deployments/api?t=5m&time=${scenario.startS - 3600}`,
    );
    expectMatchesTruth(body, NO_TRAFFIC, "before");
  });

  it("uses the window the caller asked for", async () => {
    const w = findWorkload(scenario, "shop", "frontend");
    const { body } = await call(
      api,
      `${base}/namespaces/shop/deployments/frontend?window=1m&time=${scenario.endS}`,
    );
    expect(body.window).toBe("1m");
    expectMatchesTruth(body, workloadTruth(scenario, w, 60, "linkerd"), "frontend 1m");
  });
});
