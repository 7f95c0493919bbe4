/**
 * Every mesh profile over a real Prometheus and a real VictoriaMetrics, checked against the same
 * expectations computed from the scenarios' rates: Linkerd, Istio with sidecars, Istio ambient
 * (mixed with sidecars) and Consul. Each mesh's series of the default scenario share one engine of
 * each kind (their metric names do not overlap); the ambient scenario has its own. Both engines of
 * a data set hold the same samples (harness.ts startEngines). Where a mesh measures another side,
 * names peers differently or counts gRPC failures by its own rule, its profile says so.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ciliumScenario } from "../../src/dev/cilium-scenario";
import { ciliumSeries } from "../../src/dev/cilium-series";
import { type ConsulDouble, startConsulDouble } from "../../src/dev/consul-double";
import { consulCatalog, IDLE_CATALOG_SERVICE } from "../../src/dev/consul-series";
import { istioSeries } from "../../src/dev/istio-series";
import { defaultScenario, type Scenario, type Workload } from "../../src/dev/scenario";
import { ambientScenario, twoClusters } from "../../src/dev/scenarios";
import { allMeshSeries, clusterSeries } from "../../src/dev/series";
import type { MeshName } from "../../src/mesh/select";
import {
  ENGINE_PROFILES,
  type EngineProfile,
  type MeshProfile,
  namespaceWarnings,
  PROFILES,
  podWarnings,
  workloadWarnings,
} from "../support/conformance-profiles";
import {
  findWorkload,
  NO_TRAFFIC,
  namespaceEdgesTruth,
  namespaceTruth,
  podTruth,
  servesL7,
  serviceClientTruth,
  workloadEdgesTruth,
  workloadTruth,
} from "../support/ground-truth";
import {
  apiFor,
  type CountingApi,
  call,
  countingApiFor,
  ENGINES,
  type EngineName,
  type RunningEngine,
  startEngines,
} from "../support/harness";
import {
  expectCount,
  expectMatchesTruth,
  expectWarnings,
  metricsOf,
  warningsOf,
} from "../support/smi-assert";

const scenario = defaultScenario();
const WINDOW_S = 300;
const at = `t=5m&time=${scenario.endS}`;
const base = "/apis/metrics.smi-spec.io/v1alpha2";
const CONSUL_TOKEN = "conformance-read";

/** What one engine serves: the default scenario, the ambient one, Cilium's, and Consul's double in front of the first. */
interface EngineData {
  readonly main: RunningEngine;
  readonly ambient: RunningEngine;
  readonly cilium: RunningEngine;
  readonly consul: ConsulDouble;
}
const data = new Map<EngineName, EngineData>();
const on = (engine: EngineName) => data.get(engine) as EngineData;
/** Each profile's api on each engine, by `engine profile`, with the round trips of its last answer. */
const apis = new Map<string, CountingApi>();

/** Consul as its users run it, in front of `engine`: catalog and PromQL both through Consul's HTTP API. */
const consulDouble = (engine: RunningEngine) =>
  startConsulDouble({
    catalog: consulCatalog(scenario, [IDLE_CATALOG_SERVICE]),
    metricsProxyBaseUrl: engine.url,
    tokens: { [CONSUL_TOKEN]: { wildcardRead: true }, "no-read": { wildcardRead: false } },
  });

/** Engines of every data set that started, stopped after the suite even if another failed to. */
const started: Record<EngineName, RunningEngine>[] = [];
const tracked = async (engines: Promise<Record<EngineName, RunningEngine>>) => {
  started.push(await engines);
  return engines;
};

/** Every engine of both data sets starts at once: the suite waits for the slowest, not the sum. */
beforeAll(async () => {
  const ambientData = ambientScenario();
  const ciliumData = ciliumScenario();
  const [main, ambient, cilium] = await Promise.all([
    tracked(startEngines(allMeshSeries(scenario), scenario)),
    tracked(startEngines(istioSeries(ambientData), ambientData)),
    tracked(startEngines(ciliumSeries(ciliumData), ciliumData)),
  ]);
  for (const engine of ENGINES) {
    const consul = await consulDouble(main[engine]);
    data.set(engine, { main: main[engine], ambient: ambient[engine], cilium: cilium[engine], consul });
    const url = main[engine].url;
    apis.set(`${engine} linkerd`, countingApiFor({ MESH: "linkerd", PROMETHEUS_URL: url }));
    apis.set(`${engine} istio`, countingApiFor({ MESH: "istio", PROMETHEUS_URL: url }));
    apis.set(
      `${engine} istio-ambient`,
      countingApiFor({ MESH: "istio", PROMETHEUS_URL: ambient[engine].url }),
    );
    apis.set(`${engine} cilium`, countingApiFor({ MESH: "cilium", PROMETHEUS_URL: cilium[engine].url }));
    apis.set(
      `${engine} consul`,
      countingApiFor({ MESH: "consul", CONSUL_HTTP_ADDR: consul.url, CONSUL_HTTP_TOKEN: CONSUL_TOKEN }),
    );
  }
}, 90_000);

afterAll(async () => {
  await Promise.all([...data.values()].map((d) => d.consul.close()));
  await Promise.all(started.flatMap((engines) => Object.values(engines).map((e) => e.stop())));
});

/** An engine's own answer to a query that yields one number, asked straight, not through the api. */
async function instant(url: string, query: string, timeS: number): Promise<number> {
  const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}&time=${timeS}`);
  const body = (await response.json()) as { data: { result: { value: [number, string] }[] } };
  expect(body.data.result, `${url}: ${query}`).toHaveLength(1);
  return Number(body.data.result[0]?.value[1]);
}

const counting = (engine: EngineName, profile: string) => apis.get(`${engine} ${profile}`) as CountingApi;
const api = (engine: EngineName, profile: string) => counting(engine, profile).api;
const nameOf = (i: { resource: { name: string } }) => i.resource.name;

/** Calls a profile's api and checks the answer's Warnings and, when given, its round trips. */
async function answer(profile: EngineProfile, path: string, warnings: readonly RegExp[], trips?: number) {
  const { api, lastTrips } = counting(profile.engine, profile.name);
  const result = await call(api, path);
  expectWarnings(warningsOf(result.headers), warnings, `${profile.name} ${path}`);
  if (trips !== undefined) expect(lastTrips(), `${profile.name} ${path} round trips`).toBe(trips);
  return result;
}

describe.each(ENGINE_PROFILES)("$name conformance on $engineTitle", (profile) => {
  const { scenario: s, rule } = profile;
  const workloads = s.workloads;

  it("lists exactly the kinds it serves, and answers any other kind with a 404 Status", async () => {
    const { body } = await call(api(profile.engine, profile.name), `${base}/`);
    // TrafficMetrics itself is listed last without verbs, for kubectl (src/smi/discovery.ts).
    const served = body.resources.filter((r: { verbs: string[] }) => r.verbs.length > 0);
    expect(served.map((r: { name: string }) => r.name)).toEqual(profile.kinds);
    const other = await call(api(profile.engine, profile.name), `${base}/${profile.unservedKind}?${at}`);
    expect(other.status).toBe(404);
    expect(other.body).toMatchObject({ kind: "Status", reason: "NotFound" });
  });

  it("answers every workload's own traffic equal to the generated truth, in one round trip", async () => {
    for (const w of workloads) {
      const { kind, name } = profile.resourceOf(w);
      const path = `${base}/namespaces/${w.namespace}/${kind}/${name}?${at}`;
      const truth = workloadTruth(s, w, WINDOW_S, rule);
      // A zero spends one more query on saying whether it means idle.
      const trips = truth.success + truth.failure > 0 ? 1 : undefined;
      const { status, body } = await answer(profile, path, workloadWarnings(w), trips);
      expect(status).toBe(200);
      expect(body.resource.name).toBe(name);
      expectMatchesTruth(body, truth, `${profile.name} ${w.name}`);
    }
  });

  it("lists a workload kind in one namespace and across all namespaces, in two round trips", async () => {
    const { kind } = profile.resourceOf(workloads[0] as Workload);
    const all = await answer(profile, `${base}/${kind}?${at}`, [], 2);
    const listed = (w: Workload) =>
      servesL7(w) && (!profile.listsOnlyOwnKind || profile.resourceOf(w).kind === kind);
    const expected = workloads.filter(listed);
    for (const w of expected) {
      const name = profile.resourceOf(w).name;
      const item = all.body.items.find(
        (i: { resource: { namespace: string; name: string } }) =>
          i.resource.namespace === w.namespace && i.resource.name === name,
      );
      expect(item, `${profile.name} lists ${name}`).toBeDefined();
      expectMatchesTruth(item, workloadTruth(s, w, WINDOW_S, rule), `${profile.name} list ${name}`);
    }
    for (const ns of profile.namespaces) {
      const inNs = expected.filter((w) => w.namespace === ns);
      const silent = s.workloads.filter((w) => w.namespace === ns && !servesL7(w));
      const warnings = inNs.length === 0 && silent.length > 0 ? workloadWarnings(silent[0] as Workload) : [];
      const list = await answer(profile, `${base}/namespaces/${ns}/${kind}?${at}`, warnings);
      expect(
        list.body.items.every((i: { resource: { namespace: string } }) => i.resource.namespace === ns),
      ).toBe(true);
      expect(list.body.items.map(nameOf)).toEqual(
        expect.arrayContaining(inNs.map((w) => profile.resourceOf(w).name)),
      );
    }
  });

  it("answers every pod with its share of its workload's traffic", async () => {
    for (const w of workloads) {
      for (const pod of w.pods) {
        const { body } = await answer(
          profile,
          `${base}/namespaces/${w.namespace}/pods/${pod}?${at}`,
          podWarnings(w),
        );
        expectMatchesTruth(body, podTruth(s, w, WINDOW_S, rule), `${profile.name} ${pod}`);
      }
    }
  });

  it("answers namespaces from the traffic their workloads served", async () => {
    for (const ns of profile.namespaces) {
      const { body } = await answer(profile, `${base}/namespaces/${ns}?${at}`, namespaceWarnings(s, ns));
      expect(body.resource).toEqual({ kind: "Namespace", name: ns });
      expectMatchesTruth(body, namespaceTruth(s, ns, WINDOW_S, rule), `${profile.name} ${ns}`);
    }
  });

  it("answers services from the side the mesh measures them on", async () => {
    if (!profile.kinds.includes("services")) {
      // Hubble's series name no Service: a 404 Status, as for any kind the mesh does not serve.
      const { status } = await call(
        api(profile.engine, profile.name),
        `${base}/namespaces/shop/services/frontend?${at}`,
      );
      return expect(status).toBe(404);
    }
    for (const w of workloads.filter((x) => x.name !== "idle" && x.name !== "frontend")) {
      const path = `${base}/namespaces/${w.namespace}/services/${w.service}?${at}`;
      const { body } = await answer(
        profile,
        path,
        profile.serviceSide === "server" ? workloadWarnings(w) : [],
      );
      const truth =
        profile.serviceSide === "server"
          ? workloadTruth(s, w, WINDOW_S, rule)
          : serviceClientTruth(s, w.namespace, w.service, WINDOW_S, rule);
      expectMatchesTruth(body, truth, `${profile.name} service ${w.service}`);
    }
  });

  it("answers edges in both directions, each peer with its kind, on the side that saw it", async () => {
    for (const w of workloads) {
      const { kind, name } = profile.resourceOf(w);
      const expected = workloadEdgesTruth(s, w, WINDOW_S, profile.edges);
      const path = `${base}/namespaces/${w.namespace}/${kind}/${name}/edges?${at}`;
      const warnings = expected.length === 0 ? workloadWarnings(w) : [];
      // Consul places peers without a catalog through one more query; through its catalog, not.
      const { status, body } = await answer(profile, path, warnings, expected.length > 0 ? 4 : undefined);
      expect(status).toBe(200);
      expect(body.items.length, `${profile.name} ${name} edge count`).toBe(expected.length);
      for (const edge of expected) {
        const [namespace, peer] = edge.peer.split("/");
        const item = body.items.find(
          (i: { edge: { direction: string; side: string; resource: { namespace: string; name: string } } }) =>
            i.edge.direction === edge.direction &&
            i.edge.resource.name === peer &&
            i.edge.resource.namespace === namespace &&
            i.edge.side === edge.side,
        );
        const label = `${profile.name} ${name} ${edge.direction} ${edge.peer} (${edge.side})`;
        expect(item, label).toBeDefined();
        expect(item.edge.resource.kind, label).toBe(
          {
            deployments: "Deployment",
            statefulsets: "StatefulSet",
            daemonsets: "DaemonSet",
            services: "Service",
          }[edge.kind],
        );
        expectMatchesTruth(item, edge.truth, label);
      }
    }
  });

  if (profile.namespaceEdges) {
    it("answers edges between namespaces", async () => {
      for (const ns of profile.namespaces) {
        const expected = namespaceEdgesTruth(s, ns, WINDOW_S, profile.edges.side, rule);
        const { body } = await answer(
          profile,
          `${base}/namespaces/${ns}/edges?${at}`,
          expected.length === 0 ? namespaceWarnings(s, ns) : [],
        );
        expect(body.items).toHaveLength(expected.length);
        for (const edge of expected) {
          const item = body.items.find(
            (i: { edge: { direction: string; side: string; resource: { name: string } } }) =>
              i.edge.direction === edge.direction &&
              i.edge.resource.name === edge.peer &&
              i.edge.side === edge.side,
          );
          const label = `${profile.name} ns ${ns} ${edge.direction} ${edge.peer} (${edge.side})`;
          expect(item, label).toBeDefined();
          expectMatchesTruth(item, edge.truth, label);
        }
      }
    });
  } else {
    it("answers namespace edges with a 404 Status naming the reason", async () => {
      const { status, body } = await call(
        api(profile.engine, profile.name),
        `${base}/namespaces/shop/edges?${at}`,
      );
      expect(status).toBe(404);
      expect(body.message).toMatch(/edges of namespaces are not served/);
    });
  }

  it("reports an idle workload at zero with null latencies and no Warning: it was seen", async () => {
    const idle = workloads.find((w) => w.name === "idle") as Workload;
    const { kind, name } = profile.resourceOf(idle);
    const { body } = await answer(profile, `${base}/namespaces/shop/${kind}/${name}?${at}`, []);
    expectMatchesTruth(body, NO_TRAFFIC, `${profile.name} idle`);
    const list = await answer(profile, `${base}/namespaces/shop/${kind}?${at}`, []);
    const item = list.body.items.find((i: { resource: { name: string } }) => i.resource.name === name);
    expect(item, `${profile.name} lists idle`).toBeDefined();
    expectMatchesTruth(item, NO_TRAFFIC, `${profile.name} idle in list`);
  });
});

/**
 * Where MetricsQL and PromQL count the same samples differently (docs/backends-victoriametrics.md),
 * each engine's answer is its own `increase()` of the mesh's served-requests counter, and the
 * seconds of traffic it amounts to are pinned: Prometheus extrapolates the samples inside the window
 * to its edges, MetricsQL counts from the last sample before the window and never extrapolates.
 */
const DIFFERING = [
  {
    what: "a 100s window, not a whole number of 15 s scrapes",
    window: "100s",
    timeS: scenario.endS,
    // Prometheus: the 90 s between the first and last sample, widened to 100 s. MetricsQL: from the
    // sample 105 s back.
    seconds: { prometheus: 100, "victoria-metrics": 105 },
  },
  {
    what: "a 5m window whose last minute has no samples (the traffic stopped)",
    window: "5m",
    timeS: scenario.endS + 60,
    // Prometheus: the 240 s of samples, widened by half an interval at the far end. MetricsQL: the
    // 240 s there were.
    seconds: { prometheus: 247.5, "victoria-metrics": 240 },
  },
] as const;

describe.each(ENGINE_PROFILES)(
  "$name where MetricsQL and PromQL count differently, on $engineTitle",
  (profile) => {
    it.each(DIFFERING)(
      "answers $what with the engine's own increase()",
      async ({ window, timeS, seconds }) => {
        const s = profile.scenario;
        const checkout = findWorkload(s, "shop", "checkout");
        const { kind, name } = profile.resourceOf(checkout);
        const path = `${base}/namespaces/shop/${kind}/${name}?t=${window}&time=${timeS}`;
        const { body } = await answer(profile, path, []);
        const data = on(profile.engine);
        const engine =
          profile.name === "istio-ambient"
            ? data.ambient
            : profile.name === "cilium"
              ? data.cilium
              : data.main;
        const own = await instant(
          engine.url,
          `sum(increase(${profile.servedRequests(checkout)}[${window}]))`,
          timeS,
        );
        const { success, failure } = metricsOf(body);
        expectCount((success ?? Number.NaN) + (failure ?? Number.NaN), own, `${profile.name} requests`);
        const truth = workloadTruth(s, checkout, seconds[profile.engine], profile.rule);
        expectMatchesTruth(body, truth, `${profile.name} over ${seconds[profile.engine]} s`);
      },
    );
  },
);

/**
 * What each engine is asked besides the numbers above: the zero diagnosis (`label_replace`, `count
 * by`, `present_over_time`, `or`), `/readyz` and paging. The answers must read the same on both.
 */
const BESIDES_NUMBERS: readonly {
  what: string;
  mesh: MeshName;
  via?: "consul" | "ambient";
  path: string;
  /** The zero diagnosis's Warning, on both engines. */
  says?: RegExp;
}[] = [
  {
    what: "a name never seen",
    mesh: "linkerd",
    path: `${base}/namespaces/shop/deployments/reprots?${at}`,
    says: /never seen; check the name$/,
  },
  {
    what: "a namespace never seen",
    mesh: "linkerd",
    path: `${base}/namespaces/shopp/deployments/checkout?${at}`,
    says: /^namespace shopp has no series .* check the namespace and the name$/,
  },
  {
    what: "a StatefulSet asked as a Deployment, for its edges",
    mesh: "linkerd",
    path: `${base}/namespaces/shop/deployments/cart/edges?${at}`,
    says: /but cart is a statefulset: ask for statefulsets\/cart$/,
  },
  {
    what: "the wrong MESH",
    mesh: "linkerd",
    via: "ambient",
    path: `${base}/namespaces/shop/deployments/checkout?${at}`,
    says: /has Istio's istio_requests_total; set MESH=istio$/,
  },
  {
    what: "a workload with ztunnel's L4 series only",
    mesh: "istio",
    via: "ambient",
    path: `${base}/namespaces/payments/deployments/api?${at}`,
    says: /^only L4 \(ztunnel TCP\) telemetry exists for deployments payments\/api/,
  },
  {
    what: "an idle service Consul's catalog lists",
    mesh: "consul",
    via: "consul",
    path: `${base}/namespaces/shop/services/reports/edges?${at}`,
    says: /^services shop\/reports is idle \(listed in Consul's catalog/,
  },
  { what: "every page of a pod list", mesh: "linkerd", path: `${base}/namespaces/shop/pods?${at}&limit=2` },
  {
    what: "every page of a list across namespaces",
    mesh: "istio",
    path: `${base}/deployments?${at}&limit=3`,
  },
  {
    what: "every page of a list with Consul's catalog",
    mesh: "consul",
    via: "consul",
    path: `${base}/namespaces/shop/services?${at}&limit=2`,
  },
  { what: "/readyz", mesh: "linkerd", path: "/readyz" },
  { what: "/readyz of ambient", mesh: "istio", via: "ambient", path: "/readyz" },
  { what: "/readyz through Consul", mesh: "consul", via: "consul", path: "/readyz" },
];

/**
 * Every page of an answer as a user reads it, `/readyz` at the data's end. The engine's URL (or
 * Consul's, in front of it) is written `ENGINE`, and the continue token is left out: its digest
 * covers the raw sums, which differ in the last bits because VictoriaMetrics stores samples as
 * decimals (70.49999999999999 as 70.5), so a token is good on the engine that issued it only.
 */
async function pagesOf(
  engine: EngineName,
  mesh: MeshName,
  via: "consul" | "ambient" | undefined,
  path: string,
) {
  const { main, ambient, consul } = on(engine);
  const env: Record<string, string> =
    via === "consul"
      ? { MESH: mesh, CONSUL_HTTP_ADDR: consul.url, CONSUL_HTTP_TOKEN: CONSUL_TOKEN }
      : { MESH: mesh, PROMETHEUS_URL: (via === "ambient" ? ambient : main).url };
  const handler = apiFor(env, { now: () => new Date(scenario.endS * 1000), log: () => {} });
  const pages: unknown[] = [];
  for (let next: string | undefined = path; next !== undefined; ) {
    const { status, headers, body } = await call(handler, next);
    const token: string | undefined = body?.metadata?.continue;
    if (token !== undefined) delete body.metadata.continue;
    const read = JSON.stringify({ status, warnings: warningsOf(headers), body });
    const urls = [main.url, ambient.url, consul.url];
    pages.push(JSON.parse(urls.reduce((text, url) => text.replaceAll(url, "ENGINE"), read)));
    next = token === undefined ? undefined : `${path}&continue=${encodeURIComponent(token)}`;
  }
  return pages;
}

describe("answers besides the numbers: zero diagnosis, /readyz, paging", () => {
  it.each(BESIDES_NUMBERS)("$what ($mesh) reads the same on VictoriaMetrics as on Prometheus", async (c) => {
    const [prometheus, victoria] = (await Promise.all(
      ENGINES.map((e) => pagesOf(e, c.mesh, c.via, c.path)),
    )) as [unknown[], unknown[]];
    expect(victoria).toEqual(prometheus);
    // A paged list was followed to its last page; anything else is one answer.
    expect(prometheus.length > 1, "pages").toBe(c.path.includes("limit="));
    const first = prometheus[0] as { status: number; warnings: string[] };
    expect(first.status).toBe(200);
    expectWarnings(first.warnings, c.says === undefined ? [] : [c.says], c.what);
  });
});

type Item = {
  edge: {
    direction: string;
    side?: string;
    resource: { kind: string; namespace?: string; name: string } | null;
  };
  metrics: { name: string; value: string | null }[];
};
const edge = (items: Item[], direction: string, peer: string) =>
  items.find((i) => i.edge.direction === direction && i.edge.resource?.name === peer) as Item;
const linkerd = PROFILES[0] as MeshProfile;

describe.each(ENGINES)(
  "gRPC: NotFound and Unavailable, and the statuses where Linkerd's proxy and the rule differ, on %s",
  (engine) => {
    // api → ledger: 3 rps over 300 s = 900 responses, all HTTP 200: 6% Unavailable (14), 5% NotFound
    // (5), 4% PermissionDenied (7), 3% Unimplemented (12).
    it.each([
      // Linkerd's proxy: 14 and 7 are failures, 5 and 12 are not.
      ["linkerd", "statefulsets/ledger", "deployments/api", 900 * 0.1],
      // The rule: 14 and 12 are failures, 5 and 7 are not.
      ["istio", "statefulsets/ledger", "deployments/api", 900 * 0.09],
      // Envoy's default stats have no gRPC status: all are successes.
      ["consul", "services/ledger", "services/payments-api", 0],
      // Hubble's status is the HTTP code: every gRPC answer is a 200, a success.
      ["cilium", "statefulsets/ledger", "deployments/api", 0],
    ])(
      "%s counts them as its rule says, on the resource and on the client's edge",
      async (mesh, server, client, failures) => {
        const { body } = await call(api(engine, mesh), `${base}/namespaces/payments/${server}?${at}`);
        expectCount(metricsOf(body).failure, failures, mesh);
        expectCount(metricsOf(body).success, 900 - failures, mesh);
        const edges = await call(api(engine, mesh), `${base}/namespaces/payments/${client}/edges?${at}`);
        expectCount(metricsOf(edge(edges.body.items, "to", "ledger")).failure, failures, `${mesh} edge`);
      },
    );
  },
);

describe.each(ENGINES)("Linkerd peers of every kind, on %s", (engine) => {
  it("names a StatefulSet peer of a Deployment as a StatefulSet, and the Deployment among the StatefulSet's callers", async () => {
    const frontend = await call(
      api(engine, "linkerd"),
      `${base}/namespaces/shop/deployments/frontend/edges?${at}`,
    );
    expect(edge(frontend.body.items, "to", "cart").edge.resource).toEqual({
      kind: "StatefulSet",
      namespace: "shop",
      name: "cart",
    });
    const cart = await call(api(engine, "linkerd"), `${base}/namespaces/shop/statefulsets/cart/edges?${at}`);
    expect(edge(cart.body.items, "from", "frontend").edge.resource).toEqual({
      kind: "Deployment",
      namespace: "shop",
      name: "frontend",
    });
    const ledger = await call(
      api(engine, "linkerd"),
      `${base}/namespaces/payments/statefulsets/ledger/edges?${at}`,
    );
    expect(
      ledger.body.items.map((i: Item) => [i.edge.direction, i.edge.resource?.kind, i.edge.resource?.name]),
    ).toEqual([
      ["to", "DaemonSet", "audit"],
      ["from", "Deployment", "api"],
    ]);
  });

  it("lists a pod's peers as pods whatever owns them", async () => {
    const pod = linkerd.scenario.workloads.find((w) => w.name === "frontend")?.pods[0] as string;
    const { body } = await call(api(engine, "linkerd"), `${base}/namespaces/shop/pods/${pod}/edges?${at}`);
    const peers = body.items.map((i: Item) => i.edge.resource?.name);
    expect(peers).toContain("cart-0");
    expect(body.items.every((i: Item) => i.edge.resource?.kind === "Pod")).toBe(true);
  });
});

describe.each(ENGINES)("Istio specifics on %s", (engine) => {
  it("reads to edges at the client and from edges at the server, and their numbers differ", async () => {
    const frontendEdges = await call(
      api(engine, "istio"),
      `${base}/namespaces/shop/deployments/frontend/edges?${at}`,
    );
    const checkoutEdges = await call(
      api(engine, "istio"),
      `${base}/namespaces/shop/deployments/checkout/edges?${at}`,
    );
    const toCheckout = edge(frontendEdges.body.items, "to", "checkout");
    const fromFrontend = edge(checkoutEdges.body.items, "from", "frontend");
    expect(toCheckout.edge.side).toBe("client");
    expect(fromFrontend.edge.side).toBe("server");
    // The client measured slower responses than the server did for the same requests.
    const p99 = (i: Item) => i.metrics.find((m) => m.name === "p99_response_latency")?.value;
    expect(p99(toCheckout)).not.toBe(p99(fromFrontend));

    const apiEdges = await call(
      api(engine, "istio"),
      `${base}/namespaces/payments/deployments/api/edges?${at}`,
    );
    const checkoutToApi = edge(checkoutEdges.body.items, "to", "api");
    const apiFromCheckout = edge(apiEdges.body.items, "from", "checkout");
    const failures = (i: Item) => metricsOf(i).failure;
    // Client side: 2 rps × 5% + 0.5 rps that never arrived; server side: only the 5%.
    expectCount(failures(checkoutToApi), 180);
    expectCount(failures(apiFromCheckout), 30);
  });

  it("counts a 404 as a success", async () => {
    const { body } = await call(api(engine, "istio"), `${base}/namespaces/shop/statefulsets/cart?${at}`);
    // 6 rps to cart, 10% of them 404s, no server errors, over 300 s.
    expectCount(metricsOf(body).success, 1800);
    expectCount(metricsOf(body).failure, 0);
  });

  it("counts traffic from unknown in the resource's numbers but gives it no edge", async () => {
    const resource = await call(api(engine, "istio"), `${base}/namespaces/shop/deployments/frontend?${at}`);
    // 10 rps from outside the mesh, 1% failures.
    expectCount(metricsOf(resource.body).success, 2970);
    expectCount(metricsOf(resource.body).failure, 30);
    const edges = await call(
      api(engine, "istio"),
      `${base}/namespaces/shop/deployments/frontend/edges?${at}`,
    );
    expect(edges.body.items.filter((i: Item) => i.edge.direction === "from")).toEqual([]);
    expect(edges.body.items.map((i: Item) => i.edge.resource?.name)).not.toContain("unknown");
  });
});

describe.each(ENGINES)("Istio ambient specifics on %s", (engine) => {
  const profile = PROFILES.find((p) => p.name === "istio-ambient") as MeshProfile;

  it("counts a sidecar client's request to a waypoint-fronted server once, at the client, though both report it", async () => {
    const { body } = await call(
      api(engine, "istio-ambient"),
      `${base}/namespaces/legacy/deployments/storefront/edges?${at}`,
    );
    const toCheckout = edge(body.items, "to", "checkout");
    expect(toCheckout.edge.side).toBe("client");
    // 2 rps over 300 s, 5% server failures, plus 0.5 rps that never reached the waypoint.
    expectCount(metricsOf(toCheckout).success, 570);
    expectCount(metricsOf(toCheckout).failure, 30 + 150);
    // The server's own numbers count it once too: at the waypoint, never again at the source.
    const checkout = await call(
      api(engine, "istio-ambient"),
      `${base}/namespaces/shop/deployments/checkout?${at}`,
    );
    expectMatchesTruth(
      checkout.body,
      workloadTruth(profile.scenario, profile.scenario.workloads[1] as Workload, WINDOW_S),
      "checkout",
    );
  });

  it("never counts ztunnel's TCP series as requests", async () => {
    const { body } = await call(
      api(engine, "istio-ambient"),
      `${base}/namespaces/payments/deployments/api?${at}`,
    );
    expectMatchesTruth(body, NO_TRAFFIC, "api");
  });
});

describe.each(ENGINES)("Consul specifics on %s", (engine) => {
  const direct = () => apiFor({ MESH: "consul", PROMETHEUS_URL: on(engine).main.url });

  it("does not count the client's upstream listener series as inbound traffic", async () => {
    const total = await instant(
      on(engine).main.url,
      'sum(increase(envoy_http_downstream_rq_xx{consul_source_service="frontend"}[5m]))',
      scenario.endS,
    );
    // frontend calls three services: its outbound listeners carry 11 rps under its own name.
    expect(total).toBeCloseTo((10 + 4 + 6 + 1) * 300, 6);
    const { body } = await call(api(engine, "consul"), `${base}/namespaces/shop/services/frontend?${at}`);
    expectCount(metricsOf(body).success, 2970);
    expectCount(metricsOf(body).failure, 30);
  });

  it("says when Consul's ACLs hid catalog services from the token, instead of listing fewer in silence", async () => {
    const anonymous = apiFor({
      MESH: "consul",
      CONSUL_HTTP_ADDR: on(engine).consul.url,
      PROMETHEUS_URL: on(engine).main.url,
    });
    const { status, headers } = await call(anonymous, `${base}/namespaces/shop/services?${at}`);
    expect(status).toBe(200);
    expect(warningsOf(headers)).toContainEqual(
      expect.stringMatching(
        /^Consul's catalog left out the services CONSUL_HTTP_TOKEN may not read \(X-Consul-Results-Filtered-By-ACLs\)/,
      ),
    );
    const allowed = await call(api(engine, "consul"), `${base}/namespaces/shop/services?${at}`);
    expect(warningsOf(allowed.headers)).toEqual([]);
  });

  it("says a service its catalog lists but that served nothing is idle, not never seen, in its own answer and its edges", async () => {
    const idle = IDLE_CATALOG_SERVICE.name;
    const said = new RegExp(
      `^services shop/${idle} is idle \\(listed in Consul's catalog, no requests in the last 24h \\(MAX_WINDOW\\)\\)$`,
    );
    for (const suffix of ["", "/edges"]) {
      const { status, headers } = await call(
        api(engine, "consul"),
        `${base}/namespaces/shop/services/${idle}${suffix}?${at}`,
      );
      expect(status).toBe(200);
      expect(warningsOf(headers), suffix).toEqual([expect.stringMatching(said)]);
    }
    // A name neither the catalog nor the series know is still never seen.
    const typo = await call(api(engine, "consul"), `${base}/namespaces/shop/services/reprots?${at}`);
    expect(warningsOf(typo.headers)).toEqual([expect.stringMatching(/never seen; check the name$/)]);
  });

  it("answers through Consul's metrics proxy exactly as straight from the engine", async () => {
    const withCatalogDirect = apiFor({
      MESH: "consul",
      CONSUL_HTTP_ADDR: on(engine).consul.url,
      CONSUL_HTTP_TOKEN: CONSUL_TOKEN,
      PROMETHEUS_URL: on(engine).main.url,
    });
    const before = on(engine).consul.requests.filter((r) =>
      r.path.startsWith("/v1/internal/ui/metrics-proxy"),
    ).length;
    for (const path of [
      `${base}/services?${at}`,
      `${base}/namespaces/payments/services/payments-api?${at}`,
      `${base}/namespaces/payments/services/payments-api/edges?${at}`,
      `${base}/namespaces/shop?${at}`,
      `${base}/namespaces/shop/pods?${at}`,
    ]) {
      const viaProxy = await call(api(engine, "consul"), path);
      const straight = await call(withCatalogDirect, path);
      expect(viaProxy.status).toBe(200);
      expect(viaProxy.body).toEqual(straight.body);
    }
    const proxied = on(engine).consul.requests.filter((r) =>
      r.path.startsWith("/v1/internal/ui/metrics-proxy"),
    );
    expect(proxied.length).toBeGreaterThan(before);
    expect(proxied.every((r) => r.token === CONSUL_TOKEN)).toBe(true);
  });

  it("lists an idle catalog service at zero, which the series alone cannot know", async () => {
    const { body } = await call(api(engine, "consul"), `${base}/namespaces/shop/services?${at}`);
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
});

/** Refusals come from Consul before any query is sent: the engine behind it does not matter. */
describe("Consul refusals", () => {
  const engine: EngineName = "prometheus";

  it.each([
    ["an unknown token", "bogus", /ACL not found/],
    ["a token without read access", "no-read", /Permission denied/],
  ])("answers a clear 502 Status when Consul refuses %s", async (_what, token, reason) => {
    const refused = apiFor({
      MESH: "consul",
      CONSUL_HTTP_ADDR: on(engine).consul.url,
      CONSUL_HTTP_TOKEN: token,
    });
    const { status, body } = await call(refused, `${base}/namespaces/payments/services/payments-api?${at}`);
    expect(status).toBe(502);
    expect(body).toMatchObject({ kind: "Status", code: 502 });
    expect(body.message).toMatch(reason);
    expect(body.message).toMatch(/refused/);
    // Whichever of Consul's endpoints refused, the setting to check is named.
    expect(body.message).toMatch(/CONSUL_HTTP_TOKEN/);
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

describe("two clusters in one engine", () => {
  const clusters = twoClusters();
  const [east, west] = clusters.map((c) => c.scenario) as [Scenario, Scenario];
  /** Both clusters summed: what an unpinned query adds up. */
  const both: Scenario = { ...east, streams: [...east.streams, ...west.streams] };
  let engines: Record<EngineName, RunningEngine> | undefined;
  const meshes = PROFILES.filter((p) => p.name !== "istio-ambient");

  beforeAll(async () => {
    engines = await startEngines(clusterSeries(clusters), east);
  }, 90_000);
  afterAll(async () => {
    await Promise.all(Object.values(engines ?? {}).map((e) => e.stop()));
  });

  const SUMMED =
    /sums series from 2 clusters \(label cluster: east, west\); set CLUSTER to answer for one cluster/;
  const SUMMED_DCS =
    /sums series from 2 datacenters \(label consul_(source|destination)_datacenter.*: dc1, dc2\); set CONSUL_DATACENTER to answer for one datacenter/;

  describe.each(ENGINES)("on %s", (engine) => {
    const url = () => (engines as Record<EngineName, RunningEngine>)[engine].url;

    it.each(meshes)(
      "$name answers one cluster's numbers with CLUSTER set, and no Warning",
      async (profile) => {
        for (const [cluster, s] of [
          ["east", east],
          ["west", west],
        ] as const) {
          const pinned = apiFor({ MESH: profile.mesh, PROMETHEUS_URL: url(), CLUSTER: cluster });
          const checkout = s.workloads.find((w) => w.name === "checkout") as Workload;
          const { kind, name } = profile.resourceOf(checkout);
          const resource = await call(pinned, `${base}/namespaces/shop/${kind}/${name}?${at}`);
          expectWarnings(warningsOf(resource.headers), [], `${profile.name} ${cluster}`);
          expectMatchesTruth(
            resource.body,
            workloadTruth(s, checkout, WINDOW_S, profile.rule),
            `${profile.name} ${cluster}`,
          );
          const list = await call(pinned, `${base}/namespaces/shop/${kind}?${at}`);
          expectWarnings(warningsOf(list.headers), [], `${profile.name} ${cluster} list`);
          const item = list.body.items.find((i: { resource: { name: string } }) => i.resource.name === name);
          expectMatchesTruth(
            item,
            workloadTruth(s, checkout, WINDOW_S, profile.rule),
            `${profile.name} ${cluster} list`,
          );
          const edges = await call(pinned, `${base}/namespaces/shop/${kind}/${name}/edges?${at}`);
          expectWarnings(warningsOf(edges.headers), [], `${profile.name} ${cluster} edges`);
          for (const e of workloadEdgesTruth(s, checkout, WINDOW_S, profile.edges)) {
            const found = edge(edges.body.items, e.direction, e.peer.split("/")[1] as string);
            expectMatchesTruth(found, e.truth, `${profile.name} ${cluster} ${e.direction} ${e.peer}`);
          }
        }
      },
    );

    it.each(meshes)("$name sums the clusters without CLUSTER, and says so", async (profile) => {
      const unpinned = apiFor({ MESH: profile.mesh, PROMETHEUS_URL: url() });
      const checkout = both.workloads.find((w) => w.name === "checkout") as Workload;
      const { kind, name } = profile.resourceOf(checkout);
      const expected = profile.mesh === "consul" ? [SUMMED, SUMMED_DCS] : [SUMMED];
      for (const path of [`${kind}/${name}`, kind, `${kind}/${name}/edges`]) {
        const { body, headers } = await call(unpinned, `${base}/namespaces/shop/${path}?${at}`);
        expectWarnings(warningsOf(headers), expected, `${profile.name} ${path}`);
        if (path === `${kind}/${name}`)
          expectMatchesTruth(
            body,
            workloadTruth(both, checkout, WINDOW_S, profile.rule),
            `${profile.name} summed`,
          );
      }
    });

    it("pins Consul's datacenter with CONSUL_DATACENTER, as Consul's UI does", async () => {
      const dc2 = apiFor({ MESH: "consul", PROMETHEUS_URL: url(), CONSUL_DATACENTER: "dc2" });
      const checkout = west.workloads.find((w) => w.name === "checkout") as Workload;
      const resource = await call(dc2, `${base}/namespaces/shop/services/checkout?${at}`);
      expectWarnings(warningsOf(resource.headers), []);
      expectMatchesTruth(resource.body, workloadTruth(west, checkout, WINDOW_S, "envoy"), "dc2");
      const edges = await call(dc2, `${base}/namespaces/shop/services/checkout/edges?${at}`);
      expectWarnings(warningsOf(edges.headers), []);
      const fromFrontend = edge(edges.body.items, "from", "frontend");
      const truth = workloadEdgesTruth(west, checkout, WINDOW_S, {
        side: { to: "client", from: "client" },
        peerKind: "services",
        rule: "envoy",
      }).find((e) => e.direction === "from" && e.peer === "shop/frontend");
      expectMatchesTruth(fromFrontend, truth?.truth ?? NO_TRAFFIC, "dc2 from frontend");
    });

    it("answers a CLUSTER no series carries with zeros and a Warning naming the selector", async () => {
      const typo = apiFor({ MESH: "linkerd", PROMETHEUS_URL: url(), CLUSTER: "eats" });
      const { body, headers } = await call(typo, `${base}/namespaces/shop/deployments/checkout?${at}`);
      expectMatchesTruth(body, NO_TRAFFIC, "typo");
      expectWarnings(warningsOf(headers), [
        /has no series of response_total\{direction="inbound", cluster="eats"\} .*\(MESH=linkerd\)/,
      ]);
    });
  });
});
