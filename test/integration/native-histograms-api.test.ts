/**
 * The api over a real Prometheus 2.42 that holds latency only as native histograms, scraped live
 * from a target serving every mesh's series of the canary scenario at once (their names do not
 * overlap). Every answer (lists, each object alone, edges both ways, split backends, the Flagger
 * gate and the summary) must give Prometheus' own `histogram_quantile` over the object's native
 * histogram within 0.05%, and its `sum(increase(...))` of the request counter within 0.001, both
 * asked at the answer's own `time`. Range answers must give those numbers at every point, as
 * Prometheus' own `query_range` of the same references. About 33 s of wall time, most of it filling
 * the window.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CANARY_NAMESPACE, withCanaries } from "../../src/dev/canary";
import type { ConsulDouble } from "../../src/dev/consul-double";
import type { KubernetesDouble } from "../../src/dev/kubernetes-double";
import { type NativeTarget, startNativeTarget } from "../../src/dev/native-target";
import { defaultScenario } from "../../src/dev/scenario";
import { ScrapeSeries } from "../../src/dev/scrape-series";
import { type ScrapingPrometheus, startScrapingPrometheus } from "../../src/dev/scraping-prometheus";
import { writeSeries } from "../../src/dev/series";
import type { ApiHandler } from "../../src/http/api-handler";
import { MESH_NAMES, type MeshName } from "../../src/mesh/select";
import { BASE, checkEdges, checkList, checkResource, checkSplits, type Walk } from "../support/answer-walk";
import { canaryConsul, canaryKubernetes, consulEnv, kubernetesEnv } from "../support/cluster-doubles";
import { apiFor, type CountingApi, call, countingApiFor, httpEvent } from "../support/harness";
import { type Named, REFERENCES } from "../support/mesh-references";
import {
  checkRangeEdges,
  checkRangeList,
  checkRangeResource,
  type RangeAsking,
  type RangeWalk,
} from "../support/range-walk";
import { type Asking, expectLatency, type Numbers, referenceNumbers } from "../support/reference-promql";
import { expectCount } from "../support/smi-assert";

const scenario = withCanaries(defaultScenario());
const WINDOW = "10s";

const series = new ScrapeSeries();
for (const mesh of MESH_NAMES) writeSeries(mesh, scenario, series);

let target: NativeTarget;
let prometheus: ScrapingPrometheus;
let kubernetes: KubernetesDouble;
let consul: ConsulDouble;
let asking: Asking;
const apis = new Map<MeshName, ApiHandler>();

/** What a deployment of the api for `mesh` is given: Consul's catalog, or Kubernetes and Prometheus. */
const envOf = (mesh: MeshName): Record<string, string> =>
  mesh === "consul"
    ? consulEnv(consul)
    : { MESH: mesh, ...kubernetesEnv(kubernetes), PROMETHEUS_URL: prometheus.url };

beforeAll(async () => {
  target = await startNativeTarget(series, { form: "native" });
  // A full window of native samples, and a scrape more for the one in flight.
  [prometheus, kubernetes] = await Promise.all([
    startScrapingPrometheus({ target: target.address, scrapes: 12 }),
    canaryKubernetes(),
  ]);
  consul = await canaryConsul(scenario, prometheus.url);
  // A second ago: every scrape up to then is stored, and later ones do not move the answers.
  asking = { url: prometheus.url, window: WINDOW, timeS: Math.floor(Date.now() / 1000) - 1 };
  for (const { mesh } of MESHES) apis.set(mesh, apiFor(envOf(mesh)));
}, 80_000);

afterAll(async () => {
  await consul?.close();
  await kubernetes?.close();
  await prometheus?.stop();
  await target?.close();
});

/** What each mesh serves: kinds, kinds with edges, split kinds; and the object the gate judges. */
const MESHES: readonly {
  readonly mesh: MeshName;
  readonly kinds: readonly string[];
  readonly edgeKinds: readonly string[];
  readonly splitKinds: readonly string[];
  readonly judged: Named;
}[] = [
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
    edgeKinds: ["namespaces", "deployments", "pods", "statefulsets", "daemonsets"],
    splitKinds: ["trafficsplits", "httproutes"],
    judged: { kind: "deployments", namespace: "shop", name: "checkout" },
  },
  {
    mesh: "istio",
    kinds: ["namespaces", "deployments", "statefulsets", "daemonsets", "pods", "services"],
    // Istio's workload labels do not say a workload's kind: its deployments list holds them all.
    edgeKinds: ["namespaces", "deployments"],
    splitKinds: ["trafficsplits", "httproutes"],
    judged: { kind: "deployments", namespace: "shop", name: "checkout" },
  },
  {
    mesh: "consul",
    kinds: ["services", "namespaces", "pods"],
    edgeKinds: ["services"],
    splitKinds: ["trafficsplits"],
    judged: { kind: "services", namespace: "shop", name: "checkout" },
  },
  {
    // Hubble's histogram is in seconds; it names no Service and no split's backends.
    mesh: "cilium",
    kinds: ["namespaces", "deployments", "pods", "statefulsets", "daemonsets", "jobs", "replicasets"],
    edgeKinds: ["namespaces", "deployments", "pods", "statefulsets", "daemonsets"],
    splitKinds: [],
    judged: { kind: "deployments", namespace: "shop", name: "checkout" },
  },
];

const walkOf = (mesh: MeshName): Walk => ({
  api: apis.get(mesh) as ApiHandler,
  refs: REFERENCES[mesh],
  asking,
  form: "native",
});

describe.each(MESHES)("$mesh over a live Prometheus holding native histograms only", (m) => {
  it("answers every resource of every kind, listed and asked alone, as Prometheus' own histogram_quantile and increase()", async () => {
    const walk = walkOf(m.mesh);
    let objects = 0;
    for (const kind of m.kinds) {
      const listed = await checkList(walk, kind);
      await Promise.all(listed.map((object) => checkResource(walk, object)));
      objects += listed.length;
    }
    expect(objects).toBeGreaterThan(20);
  });

  it("answers every edge in both directions as Prometheus' own numbers for the pair's series", async () => {
    const walk = walkOf(m.mesh);
    let edges = 0;
    for (const kind of m.edgeKinds) {
      const listed = await checkList(walk, kind);
      for (const object of listed) edges += await checkEdges(walk, object);
    }
    expect(edges).toBeGreaterThan(10);
  });

  it("answers every split backend as Prometheus' own numbers for the backend's series", async () => {
    const walk = walkOf(m.mesh);
    if (m.splitKinds.length === 0) {
      // A mesh that cannot tell a split's backends apart says so with a 404.
      const path = `${BASE}/namespaces/${CANARY_NAMESPACE}/trafficsplits?t=${WINDOW}&time=${asking.timeS}`;
      return expect((await call(walk.api, path)).status).toBe(404);
    }
    const backends = [];
    for (const kind of m.splitKinds) backends.push(...(await checkSplits(walk, CANARY_NAMESPACE, kind)));
    expect(backends).toEqual(
      expect.arrayContaining(["trafficsplits/web/web-canary", "trafficsplits/search/search-v2"]),
    );
  });
});

/** Prometheus' own numbers for the object a gate or summary judges. */
const judgedNumbers = (mesh: MeshName, object: Named): Promise<Numbers> =>
  referenceNumbers(asking, REFERENCES[mesh].resource(object), "native");

/** Flagger's POST for the judged object, with `limits` as its metadata. */
async function gate(mesh: MeshName, object: Named, limits: Record<string, string>) {
  const response = await (apis.get(mesh) as ApiHandler)(
    httpEvent("POST", "/webhooks/flagger", {
      body: JSON.stringify({
        name: object.name,
        namespace: object.namespace,
        phase: "Progressing",
        metadata: { kind: object.kind, window: WINDOW, time: String(asking.timeS), ...limits },
      }),
    }),
  );
  return { status: response.statusCode, verdict: JSON.parse(response.body ?? "null") };
}

describe.each(MESHES)("the $mesh gate and summary over native histograms", (m) => {
  it("passes a p99 just above Prometheus' native p99 and fails one just below, observing it", async () => {
    const want = await judgedNumbers(m.mesh, m.judged);
    const p99 = want.p99 as number;
    expect(p99).toBeGreaterThan(0);
    const above = await gate(m.mesh, m.judged, { maxP99Ms: String(Math.ceil(p99 * 1.001)) });
    expect(above.status).toBe(200);
    const observed = above.verdict.checks.find((c: { name: string }) => c.name === "maxP99Ms").observed;
    expectLatency(observed, p99, "gate p99");
    expect(above.verdict.summary.requests).toBeCloseTo(want.success + want.failure, 3);
    const below = await gate(m.mesh, m.judged, { maxP99Ms: String(Math.floor(p99 * 0.999)) });
    expect(below.status).toBe(412);
    expect(below.verdict.message).toMatch(/\(maxP99Ms\)/);
  });

  it("summarizes the judged object with Prometheus' native quantiles and counts", async () => {
    const { namespace, kind, name } = m.judged;
    const { status, body } = await call(
      apis.get(m.mesh) as ApiHandler,
      `/summary/namespaces/${namespace}/${kind}/${name}?t=${WINDOW}&time=${asking.timeS}`,
    );
    expect(status).toBe(200);
    const want = await judgedNumbers(m.mesh, m.judged);
    expectCount(body.successCount, want.success, "summary success");
    expectCount(body.failureCount, want.failure, "summary failure");
    expectLatency(body.p50Ms, want.p50, "summary p50");
    expectLatency(body.p90Ms, want.p90, "summary p90");
    expectLatency(body.p99Ms, want.p99, "summary p99");
  });
});

describe("a split backend's summary over a native histogram in seconds", () => {
  it("gives Linkerd's route-backend quantiles in ms, as Prometheus' own histogram_quantile times 1000", async () => {
    const { status, body } = await call(
      apis.get("linkerd") as ApiHandler,
      `/summary/namespaces/${CANARY_NAMESPACE}/httproutes/web?t=${WINDOW}&time=${asking.timeS}&backend=web-canary`,
    );
    expect(status).toBe(200);
    const want = await referenceNumbers(
      asking,
      REFERENCES.linkerd.backend("httproutes/web", "web-canary", "client"),
      "native",
    );
    expect(want.p99).toBeGreaterThan(100);
    expectCount(body.successCount, want.success, "web-canary success");
    expectCount(body.failureCount, want.failure, "web-canary failure");
    expectLatency(body.p50Ms, want.p50, "web-canary p50");
    expectLatency(body.p99Ms, want.p99, "web-canary p99");
  });
});

/**
 * A range from before the first scrape to a second ago, a point every scrape: the first points have
 * no samples (no traffic), the next one sample per window (still none), then every point a full or
 * filling window. Every point is compared, so a fold that puts a native quantile on another point
 * than the one Prometheus computed it for fails at least where traffic begins.
 */
describe("range answers over native histograms, a point every scrape", () => {
  let ranging: RangeAsking;
  const counting = new Map<MeshName, CountingApi>();
  beforeAll(async () => {
    // The live Prometheus scrapes every second: a step of one scrape is the finest a range may ask.
    for (const { mesh } of MESHES)
      counting.set(mesh, countingApiFor({ ...envOf(mesh), SCRAPE_INTERVAL: "1s" }));
    const endS = Math.floor(Date.now() / 1000) - 1;
    const startS = Math.floor(target.startedAt.getTime() / 1000) - 2;
    ranging = { url: prometheus.url, window: WINDOW, timeS: endS, startS, stepS: 1 };
  });
  const walkOf = (mesh: MeshName): RangeWalk => ({
    counting: counting.get(mesh) as CountingApi,
    refs: REFERENCES[mesh],
    asking: ranging,
    form: "native",
  });

  describe.each(MESHES)("$mesh", (m) => {
    const { kind, namespace, name } = m.judged;
    it("answers one resource at every point as Prometheus' own query_range over its native histogram, in one round trip", async () => {
      const busy = await checkRangeResource(walkOf(m.mesh), m.judged);
      expect(busy.points, busy.label).toBeGreaterThanOrEqual(3);
    });

    it("lists a kind in a namespace with every item at every point as Prometheus' own query_range, in two round trips", async () => {
      const items = await checkRangeList(walkOf(m.mesh), namespace as string, kind);
      expect(items.map((i) => i.label)).toContain(`list ${kind} ${name}`);
      expect(items.filter((i) => i.points >= 3).length).toBeGreaterThanOrEqual(2);
    });

    it("answers the resource's edges with every point as Prometheus' own query_range of the pair, in four round trips", async () => {
      const edges = await checkRangeEdges(walkOf(m.mesh), m.judged);
      expect(edges.length).toBeGreaterThan(0);
      for (const edge of edges) expect(edge.points, edge.label).toBeGreaterThanOrEqual(3);
    });
  });
});
