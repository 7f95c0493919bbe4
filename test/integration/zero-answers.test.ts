/**
 * Zero is a claim: each misconfiguration a user can make answers zero with a Warning that says
 * why, over a real Prometheus, at the core (the HTTP layer turns these into `Warning: 299` headers).
 * An answer with traffic carries no Warning and costs what it always did: 1 round trip for a
 * resource, 2 for a list, 4 for edges; a zero spends exactly one more.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerMetrics } from "../../src/answers/smi-metrics";
import type { Context } from "../../src/config/context";
import { istioSeries } from "../../src/dev/istio-series";
import { linkerdSeries } from "../../src/dev/linkerd-series";
import { OpenMetricsBuilder } from "../../src/dev/openmetrics";
import { freePort, type RunningPrometheus } from "../../src/dev/prometheus-server";
import { defaultScenario } from "../../src/dev/scenario";
import { seriesWriter } from "../../src/dev/series";
import type { MeshAdapter } from "../../src/mesh/adapter";
import { createConsulAdapter } from "../../src/mesh/consul";
import { createIstioAdapter } from "../../src/mesh/istio";
import { DEFAULT_LABELS } from "../../src/mesh/label-settings";
import { createLinkerdAdapter } from "../../src/mesh/linkerd";
import { MESH_NAMES, type MeshName } from "../../src/mesh/select";
import { checkReadiness } from "../../src/metrics/readiness";
import { RequestStats } from "../../src/metrics/request-stats";
import { PrometheusClient } from "../../src/prometheus/client";
import { parseSmiPath } from "../../src/smi/route";
import { ambientWithoutWaypoints } from "../support/ambient-scenario";
import { NO_TRAFFIC } from "../support/ground-truth";
import { scenarioPrometheus, testContext } from "../support/harness";
import { expectMatchesTruth, expectWarnings } from "../support/smi-assert";

const scenario = defaultScenario();
const base = "/apis/metrics.smi-spec.io/v1alpha2";
const time = new Date(scenario.endS * 1000);

let linkerdOnly: RunningPrometheus;
let noMesh: RunningPrometheus;
let ztunnelOnly: RunningPrometheus;
/** One Prometheus per mesh, each holding only that mesh's series of the default scenario. */
const meshOnly = new Map<MeshName, RunningPrometheus>();

beforeAll(async () => {
  // A Prometheus that scrapes something, but no mesh: the wrong PROMETHEUS_URL.
  const unrelated = () => {
    const om = new OpenMetricsBuilder();
    om.counter("node_cpu_seconds_total", { cpu: "0", mode: "idle", instance: "node-1:9100" }, 1);
    return om;
  };
  let istioOnly: RunningPrometheus;
  let consulOnly: RunningPrometheus;
  let ciliumOnly: RunningPrometheus;
  [linkerdOnly, noMesh, ztunnelOnly, istioOnly, consulOnly, ciliumOnly] = await Promise.all([
    scenarioPrometheus(scenario, (s) => linkerdSeries(s)),
    scenarioPrometheus(scenario, unrelated),
    scenarioPrometheus(ambientWithoutWaypoints(), (s) => istioSeries(s)),
    scenarioPrometheus(scenario, seriesWriter("istio")),
    scenarioPrometheus(scenario, seriesWriter("consul")),
    scenarioPrometheus(scenario, seriesWriter("cilium")),
  ]);
  meshOnly.set("linkerd", linkerdOnly).set("istio", istioOnly).set("consul", consulOnly);
  meshOnly.set("cilium", ciliumOnly);
}, 120_000);

afterAll(async () => {
  await Promise.all([noMesh?.stop(), ztunnelOnly?.stop(), ...[...meshOnly.values()].map((p) => p.stop())]);
});

const depsOver = (prometheus: RunningPrometheus | { url: string }, mesh: MeshAdapter): Context =>
  testContext({
    engine: new PrometheusClient({
      baseUrl: prometheus.url,
      timeoutMs: 10_000,
      retry: { attempts: 1, baseDelayMs: 1 },
    }),
    mesh,
    backendDescription: `prometheus at ${prometheus.url}`,
  });

/** Answers an SMI path at the core and returns the body, the Warnings and the round trips. */
async function ask(deps: Context, path: string, at: Date = time) {
  const route = parseSmiPath(`${base}${path}`, deps.mesh.kinds);
  if (route.type === "group" || route.type === "resources") throw new Error(`${path} is not a metrics path`);
  const stats = new RequestStats();
  // biome-ignore lint/suspicious/noExplicitAny: bodies are inspected field by field
  const answer = (await answerMetrics(deps, route, { windowMs: 300_000, time: at }, stats)) as any;
  return {
    body: answer.body,
    warnings: answer.warnings as string[],
    roundTrips: answer.roundTrips as number,
  };
}

const linkerd = () => depsOver(linkerdOnly, createLinkerdAdapter());

describe("an answer with traffic", () => {
  it.each([
    ["/namespaces/shop/deployments/frontend", 1],
    ["/namespaces/shop/deployments", 2],
    ["/namespaces/shop/deployments/frontend/edges", 4],
  ])("%s has no Warning and costs %i round trips, as before", async (path, trips) => {
    const { warnings, roundTrips } = await ask(linkerd(), path);
    expect(warnings).toEqual([]);
    expect(roundTrips).toBe(trips);
  });

  it("a workload seen within MAX_WINDOW answers zero without a Warning after its traffic stopped", async () => {
    const hourLater = new Date((scenario.endS + 3600) * 1000);
    const { body, warnings, roundTrips } = await ask(
      linkerd(),
      "/namespaces/shop/deployments/frontend",
      hourLater,
    );
    expectMatchesTruth(body, NO_TRAFFIC, "an hour later");
    expect(warnings).toEqual([]);
    // The zero spent one query on finding the name seen within MAX_WINDOW.
    expect(roundTrips).toBe(2);
  });
});

describe("the wrong MESH", () => {
  it.each([
    ["istio", createIstioAdapter(), "deployments/frontend", /istio_requests_total\{reporter!="source"\}/],
    [
      "consul",
      createConsulAdapter(),
      "services/frontend",
      /envoy_http_downstream_rq_xx\{envoy_http_conn_manager_prefix="public_listener"\}/,
    ],
  ])(
    "MESH=%s over Linkerd's series answers zero and names the metric, the Prometheus and the MESH to set",
    async (mesh, adapter, path, metric) => {
      const deps = depsOver(linkerdOnly, adapter);
      const pattern = new RegExp(
        `^prometheus at ${linkerdOnly.url} has no series of ${metric.source} at .*\\(MESH=${mesh}\\): this Prometheus has Linkerd's response_total; set MESH=linkerd$`,
      );
      for (const [suffix, trips] of [
        ["", 2],
        ["/edges", 5],
      ] as const) {
        const { body, warnings, roundTrips } = await ask(deps, `/namespaces/shop/${path}${suffix}`);
        expectWarnings(warnings, [pattern], `${mesh} ${suffix}`);
        expect(roundTrips, `${mesh} ${suffix} round trips`).toBe(trips);
        if (suffix === "") expectMatchesTruth(body, NO_TRAFFIC, mesh);
        else expect(body.items).toEqual([]);
      }
      const list = await ask(deps, `/namespaces/shop/${path.split("/")[0]}`);
      expect(list.body.items).toEqual([]);
      expectWarnings(list.warnings, [pattern], `${mesh} list`);
      expect(list.roundTrips).toBe(3);
    },
  );
});

/** Each mesh's request counter as its users know it, named in the hint (not read from the adapters). */
const COUNTER_OF: Record<MeshName, { title: string; counter: string }> = {
  linkerd: { title: "Linkerd", counter: "response_total" },
  istio: { title: "Istio", counter: "istio_requests_total" },
  consul: { title: "Consul", counter: "envoy_http_downstream_rq_xx" },
  cilium: { title: "Cilium", counter: "hubble_http_requests_total" },
};

/** Every pair of a mesh whose series Prometheus holds and another mesh MESH names. */
const WRONG_MESH_PAIRS = MESH_NAMES.flatMap((data) =>
  MESH_NAMES.filter((asked) => asked !== data).map((asked) => [data, asked] as const),
);

describe("the wrong MESH, when Prometheus holds another mesh's series", () => {
  it.each(WRONG_MESH_PAIRS)(
    "%s's series read with MESH=%s: the Warning names the mesh found and the MESH to set, at no extra cost",
    async (data, asked) => {
      const prometheus = meshOnly.get(data) as RunningPrometheus;
      const deps = testContext(
        { engine: new PrometheusClient({ baseUrl: prometheus.url, timeoutMs: 10_000 }) },
        { MESH: asked },
      );
      const { title, counter } = COUNTER_OF[data];
      const hint = new RegExp(
        `\\(MESH=${asked}\\): this Prometheus has ${title}'s ${counter}; set MESH=${data}$`,
      );
      const kind = deps.mesh.kinds.includes("deployments") ? "deployments" : "services";
      const list = await ask(deps, `/namespaces/shop/${kind}`);
      expect(list.body.items).toEqual([]);
      expectWarnings(list.warnings, [hint], `${data} read as ${asked}`);
      // A list costs two queries, and its zero one more: the hint rides in that one.
      expect(list.roundTrips).toBe(3);
      const readiness = await checkReadiness(deps, time);
      expect(readiness).toMatchObject({ ready: false, meshSeries: { ok: false } });
      expect(readiness.meshSeries.detail).toMatch(hint);
    },
  );
});

describe("a name that exists under another kind", () => {
  it("says which kind it is and what to ask for, in the zero's one diagnosis query", async () => {
    const { body, warnings, roundTrips } = await ask(linkerd(), "/namespaces/payments/deployments/ledger");
    expectMatchesTruth(body, NO_TRAFFIC, "a statefulset asked for as a deployment");
    expectWarnings(warnings, [
      /^deployments payments\/ledger has no series of response_total in the last 24h \(MAX_WINDOW\), but ledger is a statefulset: ask for statefulsets\/ledger$/,
    ]);
    expect(roundTrips).toBe(2);
  });

  it("still says never seen for a name no kind has", async () => {
    const { warnings } = await ask(linkerd(), "/namespaces/payments/deployments/ledgr");
    expectWarnings(warnings, [/never seen; check the name$/]);
  });
});

describe("a workload label renamed by the relabeling, and not in LABEL_DEPLOYMENT", () => {
  const renamed = () =>
    depsOver(linkerdOnly, createLinkerdAdapter({ labels: { ...DEFAULT_LABELS, deployment: "workload" } }));
  const pattern =
    /the mesh has traffic in namespace shop, but no series of response_total there carries the label workload \(LABEL_DEPLOYMENT\), which deployments are read from: (if deployments run there, )?check LABEL_DEPLOYMENT against your Prometheus relabeling$/;

  it("answers an empty list with a Warning naming the label and its setting", async () => {
    const { body, warnings, roundTrips } = await ask(renamed(), "/namespaces/shop/deployments");
    expect(body.items).toEqual([]);
    expectWarnings(warnings, [pattern]);
    expect(roundTrips).toBe(3);
  });

  it("answers a named deployment and its edges at zero with the same Warning", async () => {
    const resource = await ask(renamed(), "/namespaces/shop/deployments/frontend");
    expectMatchesTruth(resource.body, NO_TRAFFIC, "renamed");
    expectWarnings(resource.warnings, [pattern]);
    const edges = await ask(renamed(), "/namespaces/shop/deployments/checkout/edges");
    expect(edges.body.items).toEqual([]);
    expectWarnings(edges.warnings, [pattern], "edges");
  });
});

describe("a namespace label renamed by the relabeling, and not in LABEL_NAMESPACE", () => {
  const renamed = () =>
    depsOver(linkerdOnly, createLinkerdAdapter({ labels: { ...DEFAULT_LABELS, namespace: "ns" } }));
  const pattern =
    /^the mesh has traffic, but no series of response_total carries the label ns \(LABEL_NAMESPACE\), which the namespace of deployments is read from: check LABEL_NAMESPACE against your Prometheus relabeling$/;

  it.each(["/namespaces/shop/deployments", "/namespaces/shop/deployments/frontend", "/namespaces/shop/pods"])(
    "%s names the label and its setting, not the namespace",
    async (path) => {
      const { warnings } = await ask(renamed(), path);
      expectWarnings(warnings, [
        new RegExp(pattern.source.replace("deployments", path.split("/")[3] as string)),
      ]);
    },
  );
});

describe("a typo in a name or a namespace", () => {
  it("says a name never seen in MAX_WINDOW was never seen, and to check the name", async () => {
    const { body, warnings } = await ask(linkerd(), "/namespaces/shop/deployments/frontnd");
    expectMatchesTruth(body, NO_TRAFFIC, "frontnd");
    expectWarnings(warnings, [
      /^deployments shop\/frontnd has no series of response_total in the last 24h \(MAX_WINDOW\): never seen; check the name$/,
    ]);
  });

  it("says a namespace without series is not seen, for a name in it, a list of it and itself", async () => {
    const named = await ask(linkerd(), "/namespaces/shpo/deployments/frontend");
    expectWarnings(named.warnings, [
      /^namespace shpo has no series of response_total at .*, and deployments shpo\/frontend has none in the last 24h \(MAX_WINDOW\): never seen; check the namespace and the name$/,
    ]);
    const list = await ask(linkerd(), "/namespaces/shpo/statefulsets");
    expectWarnings(list.warnings, [
      /^namespace shpo has no series of response_total\{direction="inbound"\} at .*: no meshed workload there reports serving requests; check the namespace$/,
    ]);
    const namespace = await ask(linkerd(), "/namespaces/shpo");
    expectWarnings(namespace.warnings, [/^namespace shpo has no series of response_total in the last 24h/]);
  });
});

describe("a Prometheus without the mesh's series", () => {
  it("answers zero and names the metric, MESH and the Prometheus origin", async () => {
    const deps = depsOver(noMesh, createLinkerdAdapter());
    const { body, warnings } = await ask(deps, "/namespaces/shop/deployments/frontend");
    expectMatchesTruth(body, NO_TRAFFIC, "no mesh");
    expectWarnings(warnings, [
      new RegExp(
        `^prometheus at ${noMesh.url} has no series of response_total\\{direction="inbound"\\} at .* \\(MESH=linkerd\\)`,
      ),
    ]);
  });
});

describe("Istio ambient without waypoints", () => {
  it("says only L4 exists for a workload, and for the whole mesh when asked for readiness", async () => {
    const deps = depsOver(ztunnelOnly, createIstioAdapter());
    const { body, warnings } = await ask(deps, "/namespaces/shop/deployments/frontend");
    expectMatchesTruth(body, NO_TRAFFIC, "ztunnel only");
    expectWarnings(warnings, [/^only L4 \(ztunnel TCP\) telemetry exists for deployments shop\/frontend/]);
    const readiness = await checkReadiness(deps, time);
    expect(readiness).toMatchObject({ ready: false, backend: { ok: true }, meshSeries: { ok: false } });
    expect(readiness.meshSeries.detail).toMatch(
      /ztunnel's L4 series .* but no istio_requests_total: .*add waypoints/,
    );
  });
});

describe("readiness", () => {
  it("is ready when the backend answers and the mesh's counter has series", async () => {
    const readiness = await checkReadiness(linkerd(), time);
    expect(readiness.ready).toBe(true);
    expect(readiness.meshSeries.detail).toMatch(
      /^\d+ series of response_total\{direction="inbound"\} \(MESH=linkerd\)$/,
    );
  });

  it.each([
    [
      "the wrong MESH",
      () => depsOver(linkerdOnly, createIstioAdapter()),
      /no series of istio_requests_total.*\(MESH=istio\): this Prometheus has Linkerd's response_total; set MESH=linkerd$/,
    ],
    [
      "a Prometheus without the mesh",
      () => depsOver(noMesh, createLinkerdAdapter()),
      /no series of response_total.*check MESH and PROMETHEUS_URL/,
    ],
    [
      "a CLUSTER no series carries",
      () => depsOver(linkerdOnly, createLinkerdAdapter({ cluster: { label: "cluster", value: "nope" } })),
      /no series of response_total\{direction="inbound", cluster="nope"\}.*and CLUSTER or CONSUL_DATACENTER if set \(the selector pins them\)$/,
    ],
  ])("is not ready with %s, and says what to check", async (_what, deps, detail) => {
    const readiness = await checkReadiness(deps(), time);
    expect(readiness).toMatchObject({ ready: false, backend: { ok: true }, meshSeries: { ok: false } });
    expect(readiness.meshSeries.detail).toMatch(detail);
  });

  it("is not ready when a relabeled label is on no series though the mesh's own labels show it should be", async () => {
    const renamed = depsOver(
      linkerdOnly,
      createLinkerdAdapter({ labels: { ...DEFAULT_LABELS, deployment: "workload" } }),
    );
    const readiness = await checkReadiness(renamed, time);
    expect(readiness).toMatchObject({
      ready: false,
      backend: { ok: true },
      meshSeries: { ok: true },
      labels: { ok: false },
    });
    expect(readiness.labels.detail).toBe(
      "no series of response_total carries the label workload (LABEL_DEPLOYMENT), though dst_deployment names deployments on response_total: set LABEL_DEPLOYMENT to the label your relabeling gives",
    );
    // The right labels, where no job or daemonset may run at all, are ready.
    expect((await checkReadiness(linkerd(), time)).labels).toMatchObject({ ok: true });
  });

  it("is not ready when the backend does not answer, and says to check PROMETHEUS_URL", async () => {
    const nobody = { url: `http://127.0.0.1:${await freePort()}` };
    const readiness = await checkReadiness(depsOver(nobody, createLinkerdAdapter()), time);
    expect(readiness).toMatchObject({ ready: false, backend: { ok: false }, meshSeries: { ok: false } });
    expect(readiness.backend.detail).toMatch(/unreachable.*check PROMETHEUS_URL/);
  });
});
