/**
 * One scenario, written as each mesh's own series into one real Prometheus (their metric names do
 * not overlap), and the same expected SMI answers checked for every mesh. Where a mesh measures
 * another side, or names peers differently, its profile says so.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBackends } from "../../src/backends";
import { loadConfig } from "../../src/config";
import { type ConsulDouble, startConsulDouble } from "../../src/dev/consul-double";
import { consulCatalog, IDLE_CATALOG_SERVICE } from "../../src/dev/consul-series";
import type { RunningPrometheus } from "../../src/dev/prometheus-server";
import { defaultScenario, type Workload } from "../../src/dev/scenario";
import { allMeshSeries } from "../../src/dev/series";
import { type ApiHandler, createApiHandler } from "../../src/http/api-handler";
import type { KindName } from "../../src/smi/kinds";
import {
  type EdgeTruthOptions,
  NO_TRAFFIC,
  namespaceEdgesTruth,
  namespaceTruth,
  podTruth,
  serviceClientTruth,
  workloadEdgesTruth,
  workloadTruth,
} from "../support/ground-truth";
import { call, scenarioPrometheus, WINDOW, withContract } from "../support/harness";
import { expectCount, expectMatchesTruth, metricsOf } from "../support/smi-assert";

const scenario = defaultScenario();
const WINDOW_S = 300;
const at = `t=5m&time=${scenario.endS}`;
const base = "/apis/metrics.smi-spec.io/v1alpha2";
const CONSUL_TOKEN = "conformance-read";

interface MeshProfile {
  readonly mesh: "linkerd" | "istio" | "consul";
  readonly kinds: readonly KindName[];
  readonly unservedKind: string;
  /** Kind under which a workload's own traffic is read: its workload kind, or its service. */
  readonly resourceOf: (w: Workload) => { kind: KindName; name: string };
  /** Whether a workload-kind list holds only workloads of that kind (Linkerd) or every workload (Istio). */
  readonly listsOnlyOwnKind: boolean;
  readonly serviceSide: "client" | "server";
  readonly edges: EdgeTruthOptions;
  readonly namespaceEdges: boolean;
}

const WORKLOAD_KIND = {
  deployment: "deployments",
  statefulset: "statefulsets",
  daemonset: "daemonsets",
} as const;

const PROFILES: readonly MeshProfile[] = [
  {
    mesh: "linkerd",
    kinds: [
      "namespaces",
      "deployments",
      "pods",
      "statefulsets",
      "daemonsets",
      "jobs",
      "replicasets",
      "services",
    ],
    unservedKind: "trafficsplits",
    resourceOf: (w) => ({ kind: WORKLOAD_KIND[w.kind], name: w.name }),
    listsOnlyOwnKind: true,
    serviceSide: "client",
    edges: { side: { to: "client", from: "client" }, sameKindPeers: true },
    namespaceEdges: true,
  },
  {
    mesh: "istio",
    kinds: ["namespaces", "deployments", "statefulsets", "daemonsets", "pods", "services"],
    unservedKind: "jobs",
    resourceOf: (w) => ({ kind: WORKLOAD_KIND[w.kind], name: w.name }),
    listsOnlyOwnKind: false,
    serviceSide: "server",
    edges: { side: { to: "client", from: "server" }, sameKindPeers: false },
    namespaceEdges: true,
  },
  {
    mesh: "consul",
    kinds: ["services", "namespaces", "pods"],
    unservedKind: "deployments",
    resourceOf: (w) => ({ kind: "services", name: w.service }),
    listsOnlyOwnKind: true,
    serviceSide: "server",
    edges: { side: { to: "client", from: "client" }, sameKindPeers: false, peerName: (w) => w.service },
    namespaceEdges: false,
  },
];

let prometheus: RunningPrometheus;
let consul: ConsulDouble;
const apis = new Map<string, ApiHandler>();

function apiFor(env: Record<string, string>): ApiHandler {
  const config = loadConfig({}, env);
  return withContract(createApiHandler({ ...createBackends(config), window: WINDOW, log: () => {} }));
}

beforeAll(async () => {
  prometheus = await scenarioPrometheus(scenario, allMeshSeries);
  consul = await startConsulDouble({
    catalog: consulCatalog(scenario, [IDLE_CATALOG_SERVICE]),
    metricsProxyBaseUrl: prometheus.url,
    tokens: { [CONSUL_TOKEN]: { wildcardRead: true }, "no-read": { wildcardRead: false } },
  });
  apis.set("linkerd", apiFor({ MESH: "linkerd", PROMETHEUS_URL: prometheus.url }));
  apis.set("istio", apiFor({ MESH: "istio", PROMETHEUS_URL: prometheus.url }));
  // Consul as its users run it: catalog and PromQL both through Consul's HTTP API.
  apis.set(
    "consul",
    apiFor({ MESH: "consul", CONSUL_HTTP_ADDR: consul.url, CONSUL_HTTP_TOKEN: CONSUL_TOKEN }),
  );
}, 60_000);

afterAll(async () => {
  await consul?.close();
  await prometheus?.stop();
});

const api = (mesh: string) => apis.get(mesh) as ApiHandler;
const nameOf = (i: { resource: { name: string } }) => i.resource.name;
const meshedWorkloads = scenario.workloads;

describe.each(PROFILES)("$mesh conformance on a real Prometheus", (profile) => {
  it("lists exactly the kinds it serves, and answers any other kind with a 404 Status", async () => {
    const { body } = await call(api(profile.mesh), `${base}/`);
    expect(body.resources.map((r: { name: string }) => r.name)).toEqual(profile.kinds);
    const other = await call(api(profile.mesh), `${base}/${profile.unservedKind}?${at}`);
    expect(other.status).toBe(404);
    expect(other.body).toMatchObject({ kind: "Status", reason: "NotFound" });
  });

  it("answers every workload's own traffic equal to the generated truth", async () => {
    for (const w of meshedWorkloads) {
      const { kind, name } = profile.resourceOf(w);
      const { status, body } = await call(
        api(profile.mesh),
        `${base}/namespaces/${w.namespace}/${kind}/${name}?${at}`,
      );
      expect(status).toBe(200);
      expect(body.resource.name).toBe(name);
      expectMatchesTruth(body, workloadTruth(scenario, w, WINDOW_S), `${profile.mesh} ${w.name}`);
    }
  });

  it("lists a workload kind in one namespace and across all namespaces", async () => {
    const { kind } = profile.resourceOf(meshedWorkloads[0] as Workload);
    const all = await call(api(profile.mesh), `${base}/${kind}?${at}`);
    const listed = (w: Workload) => !profile.listsOnlyOwnKind || profile.resourceOf(w).kind === kind;
    const expected = meshedWorkloads.filter(listed);
    for (const w of expected) {
      const name = profile.resourceOf(w).name;
      const item = all.body.items.find(
        (i: { resource: { namespace: string; name: string } }) =>
          i.resource.namespace === w.namespace && i.resource.name === name,
      );
      expect(item, `${profile.mesh} lists ${name}`).toBeDefined();
      expectMatchesTruth(item, workloadTruth(scenario, w, WINDOW_S), `${profile.mesh} list ${name}`);
    }
    const shop = await call(api(profile.mesh), `${base}/namespaces/shop/${kind}?${at}`);
    expect(
      shop.body.items.every((i: { resource: { namespace: string } }) => i.resource.namespace === "shop"),
    ).toBe(true);
    expect(shop.body.items.map(nameOf)).toEqual(
      expect.arrayContaining(
        expected.filter((w) => w.namespace === "shop").map((w) => profile.resourceOf(w).name),
      ),
    );
  });

  it("answers every pod with its share of its workload's traffic", async () => {
    for (const w of meshedWorkloads) {
      for (const pod of w.pods) {
        const { body } = await call(api(profile.mesh), `${base}/namespaces/${w.namespace}/pods/${pod}?${at}`);
        expectMatchesTruth(body, podTruth(scenario, w, WINDOW_S), `${profile.mesh} ${pod}`);
      }
    }
  });

  it("answers namespaces from the traffic their workloads served", async () => {
    for (const ns of ["shop", "payments"]) {
      const { body } = await call(api(profile.mesh), `${base}/namespaces/${ns}?${at}`);
      expect(body.resource).toEqual({ kind: "Namespace", name: ns });
      expectMatchesTruth(body, namespaceTruth(scenario, ns, WINDOW_S), `${profile.mesh} ${ns}`);
    }
  });

  it("answers services from the side the mesh measures them on", async () => {
    for (const w of meshedWorkloads.filter((x) => x.name !== "idle" && x.name !== "frontend")) {
      const { body } = await call(
        api(profile.mesh),
        `${base}/namespaces/${w.namespace}/services/${w.service}?${at}`,
      );
      const truth =
        profile.serviceSide === "server"
          ? workloadTruth(scenario, w, WINDOW_S)
          : serviceClientTruth(scenario, w.namespace, w.service, WINDOW_S);
      expectMatchesTruth(body, truth, `${profile.mesh} service ${w.service}`);
    }
  });

  it("answers edges in both directions, on the side the mesh measures each", async () => {
    for (const w of meshedWorkloads) {
      const { kind, name } = profile.resourceOf(w);
      const { status, body } = await call(
        api(profile.mesh),
        `${base}/namespaces/${w.namespace}/${kind}/${name}/edges?${at}`,
      );
      expect(status).toBe(200);
      const expected = workloadEdgesTruth(scenario, w, WINDOW_S, profile.edges);
      expect(body.items.length, `${profile.mesh} ${name} edge count`).toBe(expected.length);
      for (const edge of expected) {
        const [namespace, peer] = edge.peer.split("/");
        const item = body.items.find(
          (i: { edge: { direction: string; resource: { namespace: string; name: string } } }) =>
            i.edge.direction === edge.direction &&
            i.edge.resource.name === peer &&
            i.edge.resource.namespace === namespace,
        );
        expect(item, `${profile.mesh} ${name} ${edge.direction} ${edge.peer}`).toBeDefined();
        expect(item.edge.side).toBe(profile.edges.side[edge.direction]);
        expectMatchesTruth(item, edge.truth, `${profile.mesh} ${name} ${edge.direction} ${edge.peer}`);
      }
    }
  });

  if (profile.namespaceEdges) {
    it("answers edges between namespaces", async () => {
      for (const ns of ["shop", "payments"]) {
        const { body } = await call(api(profile.mesh), `${base}/namespaces/${ns}/edges?${at}`);
        const expected = namespaceEdgesTruth(scenario, ns, WINDOW_S, profile.edges.side);
        expect(body.items).toHaveLength(expected.length);
        for (const edge of expected) {
          const item = body.items.find(
            (i: { edge: { direction: string; resource: { name: string } } }) =>
              i.edge.direction === edge.direction && i.edge.resource.name === edge.peer,
          );
          expect(item, `${profile.mesh} ${ns} ${edge.direction} ${edge.peer}`).toBeDefined();
          expectMatchesTruth(item, edge.truth, `${profile.mesh} ns ${ns} ${edge.direction} ${edge.peer}`);
        }
      }
    });
  } else {
    it("answers namespace edges with a 404 Status naming the reason", async () => {
      const { status, body } = await call(api(profile.mesh), `${base}/namespaces/shop/edges?${at}`);
      expect(status).toBe(404);
      expect(body.message).toMatch(/edges of namespaces are not served/);
    });
  }

  it("reports an idle workload at zero with null latencies", async () => {
    const idle = meshedWorkloads.find((w) => w.name === "idle") as Workload;
    const { kind, name } = profile.resourceOf(idle);
    const { body } = await call(api(profile.mesh), `${base}/namespaces/shop/${kind}/${name}?${at}`);
    expectMatchesTruth(body, NO_TRAFFIC, `${profile.mesh} idle`);
    const list = await call(api(profile.mesh), `${base}/namespaces/shop/${kind}?${at}`);
    const item = list.body.items.find((i: { resource: { name: string } }) => i.resource.name === name);
    expect(item, `${profile.mesh} lists idle`).toBeDefined();
    expectMatchesTruth(item, NO_TRAFFIC, `${profile.mesh} idle in list`);
  });
});

type Item = {
  edge: { direction: string; side?: string; resource: { namespace?: string; name: string } | null };
  metrics: { name: string; value: string | null }[];
};
const edge = (items: Item[], direction: string, peer: string) =>
  items.find((i) => i.edge.direction === direction && i.edge.resource?.name === peer) as Item;

describe("Istio specifics", () => {
  it("reads to edges at the client and from edges at the server, and their numbers differ", async () => {
    const frontendEdges = await call(
      api("istio"),
      `${base}/namespaces/shop/deployments/frontend/edges?${at}`,
    );
    const checkoutEdges = await call(
      api("istio"),
      `${base}/namespaces/shop/deployments/checkout/edges?${at}`,
    );
    const toCheckout = edge(frontendEdges.body.items, "to", "checkout");
    const fromFrontend = edge(checkoutEdges.body.items, "from", "frontend");
    expect(toCheckout.edge.side).toBe("client");
    expect(fromFrontend.edge.side).toBe("server");
    // The client measured slower responses than the server did for the same requests.
    const p99 = (i: Item) => i.metrics.find((m) => m.name === "p99_response_latency")?.value;
    expect(p99(toCheckout)).not.toBe(p99(fromFrontend));

    const apiEdges = await call(api("istio"), `${base}/namespaces/payments/deployments/api/edges?${at}`);
    const checkoutToApi = edge(
      (await call(api("istio"), `${base}/namespaces/shop/deployments/checkout/edges?${at}`)).body.items,
      "to",
      "api",
    );
    const apiFromCheckout = edge(apiEdges.body.items, "from", "checkout");
    const failures = (i: Item) => metricsOf(i).failure;
    // Client side: 2 rps × 5% + 0.5 rps that never arrived; server side: only the 5%.
    expectCount(failures(checkoutToApi), 180);
    expectCount(failures(apiFromCheckout), 30);
  });

  it("counts a 404 as a success", async () => {
    const { body } = await call(api("istio"), `${base}/namespaces/shop/statefulsets/cart?${at}`);
    // 6 rps to cart, 10% of them 404s, no server errors, over 300 s.
    expectCount(metricsOf(body).success, 1800);
    expectCount(metricsOf(body).failure, 0);
  });

  it("counts traffic from unknown in the resource's numbers but gives it no edge", async () => {
    const resource = await call(api("istio"), `${base}/namespaces/shop/deployments/frontend?${at}`);
    // 10 rps from outside the mesh, 1% failures.
    expectCount(metricsOf(resource.body).success, 2970);
    expectCount(metricsOf(resource.body).failure, 30);
    const edges = await call(api("istio"), `${base}/namespaces/shop/deployments/frontend/edges?${at}`);
    expect(edges.body.items.filter((i: Item) => i.edge.direction === "from")).toEqual([]);
    expect(edges.body.items.map((i: Item) => i.edge.resource?.name)).not.toContain("unknown");
  });
});

describe("Consul specifics", () => {
  const direct = () => apiFor({ MESH: "consul", PROMETHEUS_URL: prometheus.url });

  it("does not count the client's upstream listener series as inbound traffic", async () => {
    const query = (q: string) =>
      fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(q)}&time=${scenario.endS}`).then(
        (r) => r.json() as Promise<{ data: { result: { value: [number, string] }[] } }>,
      );
    const everyListener = await query(
      'sum(increase(envoy_http_downstream_rq_xx{consul_source_service="frontend"}[5m]))',
    );
    const total = Number(everyListener.data.result[0]?.value[1]);
    // frontend calls three services: its outbound listeners carry 11 rps under its own name.
    expect(total).toBeCloseTo((10 + 4 + 6 + 1) * 300, 6);
    const { body } = await call(api("consul"), `${base}/namespaces/shop/services/frontend?${at}`);
    expectCount(metricsOf(body).success, 2970);
    expectCount(metricsOf(body).failure, 30);
  });

  it("answers through Consul's metrics proxy exactly as straight from Prometheus", async () => {
    const withCatalogDirect = apiFor({
      MESH: "consul",
      CONSUL_HTTP_ADDR: consul.url,
      CONSUL_HTTP_TOKEN: CONSUL_TOKEN,
      PROMETHEUS_URL: prometheus.url,
    });
    const before = consul.requests.filter((r) => r.path.startsWith("/v1/internal/ui/metrics-proxy")).length;
    for (const path of [
      `${base}/services?${at}`,
      `${base}/namespaces/payments/services/payments-api?${at}`,
      `${base}/namespaces/payments/services/payments-api/edges?${at}`,
      `${base}/namespaces/shop?${at}`,
      `${base}/namespaces/shop/pods?${at}`,
    ]) {
      const viaProxy = await call(api("consul"), path);
      const straight = await call(withCatalogDirect, path);
      expect(viaProxy.status).toBe(200);
      expect(viaProxy.body).toEqual(straight.body);
    }
    const proxied = consul.requests.filter((r) => r.path.startsWith("/v1/internal/ui/metrics-proxy"));
    expect(proxied.length).toBeGreaterThan(before);
    expect(proxied.every((r) => r.token === CONSUL_TOKEN)).toBe(true);
  });

  it("lists an idle catalog service at zero, which Prometheus alone cannot know", async () => {
    const { body } = await call(api("consul"), `${base}/namespaces/shop/services?${at}`);
    const reports = body.items.find((i: { resource: { name: string } }) => i.resource.name === "reports");
    expect(reports).toBeDefined();
    expectMatchesTruth(reports, NO_TRAFFIC, "reports");
    const names = body.items.map(nameOf);
    expect(names).not.toContain("consul");
    expect(names.some((n: string) => n.endsWith("-sidecar-proxy"))).toBe(false);
    const withoutCatalog = await call(direct(), `${base}/namespaces/shop/services?${at}`);
    expect(withoutCatalog.body.items.map(nameOf)).not.toContain("reports");
  });

  it("places edge peers in their namespace from their own inbound series when there is no catalog", async () => {
    const { body } = await call(direct(), `${base}/namespaces/shop/services/checkout/edges?${at}`);
    const toApi = edge(body.items, "to", "payments-api");
    expect(toApi.edge.resource).toEqual({ kind: "Service", namespace: "payments", name: "payments-api" });
  });

  it.each([
    ["an unknown token", "bogus", /ACL not found/],
    ["a token without read access", "no-read", /Permission denied/],
  ])("answers a clear 502 Status when Consul refuses %s", async (_what, token, reason) => {
    const refused = apiFor({ MESH: "consul", CONSUL_HTTP_ADDR: consul.url, CONSUL_HTTP_TOKEN: token });
    const { status, body } = await call(refused, `${base}/namespaces/payments/services/payments-api?${at}`);
    expect(status).toBe(502);
    expect(body).toMatchObject({ kind: "Status", code: 502 });
    expect(body.message).toMatch(reason);
    expect(body.message).toMatch(/refused/);
    expect(body.message).not.toContain(token);
  });

  it("answers a 502 Status saying so when Consul has no metrics proxy configured", async () => {
    const bare = await startConsulDouble({ catalog: consulCatalog(scenario) });
    try {
      const noProxy = apiFor({ MESH: "consul", CONSUL_HTTP_ADDR: bare.url });
      const { status, body } = await call(noProxy, `${base}/namespaces/payments/services/payments-api?${at}`);
      expect(status).toBe(502);
      expect(body.message).toMatch(/Metrics proxy is not enabled/);
    } finally {
      await bare.close();
    }
  });
});
