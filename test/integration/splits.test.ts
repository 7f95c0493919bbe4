/**
 * Traffic splits per backend, on a real Prometheus holding every mesh's series of the canary
 * scenario, with the splits read from the Kubernetes API double and Consul's double: per-backend
 * counts, failures, p50/p90/p99 and traffic_share equal to the generator's truth, weights equal to
 * the objects', and a Warning whenever the numbers are all traffic to a backend, not the apex's.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CANARY_NAMESPACE, withCanaries } from "../../src/dev/canary";
import type { ConsulDouble } from "../../src/dev/consul-double";
import { canaryObjects, type KubernetesDouble, type KubernetesObject } from "../../src/dev/kubernetes-double";
import type { RunningPrometheus } from "../../src/dev/prometheus-server";
import { defaultScenario, type Stream } from "../../src/dev/scenario";
import { allMeshSeries } from "../../src/dev/series";
import type { ApiHandler } from "../../src/http/api-handler";
import {
  canaryConsul,
  canaryKubernetes,
  consulEnv,
  kubernetesDouble,
  kubernetesEnv,
} from "../support/cluster-doubles";
import { backendTruth, type FailureRule, NO_TRAFFIC } from "../support/ground-truth";
import { apiFor, call, httpEvent, scenarioPrometheus } from "../support/harness";
import { expectMatchesTruth, parseQuantity, warningsOf } from "../support/smi-assert";

const scenario = withCanaries(defaultScenario());
const WINDOW_S = 300;
const at = `t=5m&time=${scenario.endS}`;
const base = `/apis/metrics.smi-spec.io/v1alpha2/namespaces/${CANARY_NAMESPACE}`;
const ROUTE_BACKEND_BOUNDS_MS = [25, 50, 100, 250, 500, 1000, 10000];
const LINKERD_BOUNDS_MS = [
  1, 2, 3, 4, 5, 10, 20, 30, 40, 50, 100, 200, 300, 400, 500, 1000, 2000, 3000, 4000, 5000, 10000,
];

let prometheus: RunningPrometheus;
let kubernetes: KubernetesDouble;
let consul: ConsulDouble;
const apis = new Map<string, ApiHandler>();

beforeAll(async () => {
  prometheus = await scenarioPrometheus(scenario, (s) => allMeshSeries(s));
  kubernetes = await canaryKubernetes();
  consul = await canaryConsul(scenario, prometheus.url);
  const k8s = { ...kubernetesEnv(kubernetes), PROMETHEUS_URL: prometheus.url };
  apis.set("linkerd", apiFor({ ...k8s, MESH: "linkerd" }));
  apis.set("istio", apiFor({ ...k8s, MESH: "istio" }));
  apis.set("istio-host", apiFor({ ...k8s, MESH: "istio", ISTIO_REQUEST_HOST_LABEL: "request_host" }));
  apis.set("consul", apiFor(consulEnv(consul)));
  apis.set("no-splits", apiFor({ MESH: "linkerd", PROMETHEUS_URL: prometheus.url }));
}, 90_000);
afterAll(async () => {
  await kubernetes?.close();
  await consul?.close();
  await prometheus?.stop();
});

const api = (name: string) => apis.get(name) as ApiHandler;

/** An api of `mesh` over the shared Prometheus and a cluster of its own holding `objects`. */
async function withOwnCluster(
  mesh: string,
  objects: KubernetesObject[],
  use: (api: ApiHandler) => Promise<void>,
) {
  const cluster = await kubernetesDouble(objects, "v1alpha2");
  try {
    await use(apiFor({ ...kubernetesEnv(cluster), PROMETHEUS_URL: prometheus.url, MESH: mesh }));
  } finally {
    await cluster.close();
  }
}

/** A split backend's item, as the tests read it. */
interface SplitItem {
  readonly metadata: { readonly name: string };
  readonly backend: { readonly apex: string; readonly name: string; readonly weight: number };
  readonly edge: unknown;
  readonly metrics: { name: string; unit?: string; value: string | null }[];
}

interface Expected {
  readonly backend: string;
  readonly weight: number;
  readonly to: (s: Stream) => boolean;
}

const toService = (service: string) => (s: Stream) =>
  s.to.namespace === CANARY_NAMESPACE && s.to.service === service;
const toVersion = (service: string, version: string) => (s: Stream) =>
  toService(service)(s) && s.to.version === version;

/** Checks a split's items against the truth of each backend, and the shares against each other. */
function expectBackends(
  body: { items: SplitItem[] },
  expected: readonly Expected[],
  options: {
    apex: string;
    apexOnly: boolean;
    rule?: FailureRule;
    bucketBoundsMs?: readonly number[];
    side: string;
  },
) {
  expect(body.items.map((i) => i.backend)).toEqual(
    expected.map((e) => ({ apex: options.apex, name: e.backend, weight: e.weight })),
  );
  const truths = expected.map((e) => backendTruth(scenario, e.to, WINDOW_S, options));
  const total = truths.reduce((sum, t) => sum + t.requests, 0);
  body.items.forEach((item, i) => {
    const truth = truths[i] as (typeof truths)[number];
    expect(item.edge).toEqual({ direction: "from", resource: {}, side: options.side });
    expectMatchesTruth(item, truth, `${options.apex} ${expected[i]?.backend}`);
    const share = item.metrics.find((m) => m.name === "traffic_share")?.value ?? "";
    expect(Math.abs(parseQuantity(share) - truth.requests / total)).toBeLessThanOrEqual(0.0005);
  });
}

const WEB: Expected[] = [
  { backend: "web-primary", weight: 90, to: toService("web-primary") },
  { backend: "web-canary", weight: 10, to: toService("web-canary") },
];
// v1alpha1 weights "800m"/"200m" are reported in thousandths, as Linkerd reads them.
const SEARCH_V1ALPHA1: Expected[] = [
  { backend: "search-v1", weight: 800, to: toService("search-v1") },
  { backend: "search-v2", weight: 200, to: toService("search-v2") },
];
const SEARCH_CONSUL: Expected[] = [
  { backend: "search-v1", weight: 80, to: toService("search-v1") },
  { backend: "search-v2", weight: 20, to: toService("search-v2") },
];
const REVIEWS: Expected[] = [
  { backend: "v1", weight: 80, to: toVersion("reviews", "v1") },
  { backend: "v2", weight: 20, to: toVersion("reviews", "v2") },
];

describe("Linkerd", () => {
  it("reads an HTTPRoute's backends from the route-backend families: exactly the apex's requests", async () => {
    const { status, body, headers } = await call(api("linkerd"), `${base}/httproutes/web?${at}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      kind: "TrafficMetricsList",
      resource: { kind: "HTTPRoute", namespace: CANARY_NAMESPACE, name: "web" },
    });
    expectBackends(body, WEB, {
      apex: "web",
      apexOnly: true,
      bucketBoundsMs: ROUTE_BACKEND_BOUNDS_MS,
      side: "client",
    });
    expect(warningsOf(headers)).toEqual([]);
  });

  it("falls back to dst_service for a TrafficSplit without route metrics, and says it is all traffic to each backend", async () => {
    const { body, headers } = await call(api("linkerd"), `${base}/trafficsplits/search?${at}`);
    expectBackends(body, SEARCH_V1ALPHA1, {
      apex: "search",
      apexOnly: false,
      rule: "linkerd",
      bucketBoundsMs: LINKERD_BOUNDS_MS,
      side: "client",
    });
    expect(warningsOf(headers)).toEqual([
      expect.stringMatching(
        /route-backend metrics .* have no series for apex store\/search, so each backend's numbers are all meshed traffic/,
      ),
    ]);
  });

  it("says of each backend without traffic why: every Service of a split the mesh never saw", async () => {
    // The reviews split's backends are subsets (v1, v2) for Istio and Consul; Linkerd reads them as
    // Services, which do not exist.
    const { body, headers } = await call(api("linkerd"), `${base}/trafficsplits/reviews?${at}`);
    expect(body.items.map((i: SplitItem) => i.backend.name)).toEqual(["v1", "v2"]);
    expect(warningsOf(headers)).toEqual(
      ["v1", "v2"].map((name) =>
        expect.stringMatching(
          new RegExp(
            `^services ${CANARY_NAMESPACE}/${name} has no series of response_total in the last 24h \\(MAX_WINDOW\\): never seen; check the name$`,
          ),
        ),
      ),
    );
  });

  it("says why a misspelt backend is zero beside a backend with traffic", async () => {
    const typo: KubernetesObject = {
      apiVersion: "split.smi-spec.io/v1alpha2",
      kind: "TrafficSplit",
      metadata: { name: "web-typo", namespace: CANARY_NAMESPACE },
      spec: {
        service: "web",
        backends: [
          { service: "web-primary", weight: 90 },
          { service: "web-canry", weight: 10 },
        ],
      },
    };
    await withOwnCluster("linkerd", [typo], async (linkerd) => {
      const { body, headers } = await call(linkerd, `${base}/trafficsplits/web-typo?${at}`);
      const [primary, canary] = body.items as SplitItem[];
      expectMatchesTruth(
        primary as SplitItem,
        // The apex has route-backend series (its HTTPRoute's), so these are exactly its requests.
        backendTruth(scenario, toService("web-primary"), WINDOW_S, {
          apex: "web",
          apexOnly: true,
          bucketBoundsMs: ROUTE_BACKEND_BOUNDS_MS,
        }),
        "web-primary",
      );
      expectMatchesTruth(canary as SplitItem, NO_TRAFFIC, "web-canry");
      expect(warningsOf(headers)).toContainEqual(
        `services ${CANARY_NAMESPACE}/web-canry has no series of response_total in the last 24h (MAX_WINDOW): never seen; check the name`,
      );
    });
  });

  it("lists every split of a kind in a namespace, and in all namespaces", async () => {
    const inNamespace = await call(api("linkerd"), `${base}/trafficsplits?${at}`);
    expect(inNamespace.body.items.map((i: SplitItem) => `${i.metadata.name}/${i.backend.name}`)).toEqual([
      "reviews/v1",
      "reviews/v2",
      "search/search-v1",
      "search/search-v2",
      "web/web-primary",
      "web/web-canary",
    ]);
    const everywhere = await call(api("linkerd"), `/apis/metrics.smi-spec.io/v1alpha2/httproutes?${at}`);
    expect(everywhere.body.items.map((i: SplitItem) => i.backend.name)).toEqual([
      "web-primary",
      "web-canary",
    ]);
  });
});

describe("Istio", () => {
  it("reads backends by service: all traffic to each, with a Warning, without a request-host tag", async () => {
    const { body, headers } = await call(api("istio"), `${base}/httproutes/web?${at}`);
    expectBackends(body, WEB, { apex: "web", apexOnly: false, side: "client" });
    expect(warningsOf(headers)).toEqual([expect.stringMatching(/set ISTIO_REQUEST_HOST_LABEL/)]);
  });

  it("reads exactly the apex's requests with ISTIO_REQUEST_HOST_LABEL", async () => {
    const { body, headers } = await call(api("istio-host"), `${base}/httproutes/web?${at}`);
    expectBackends(body, WEB, { apex: "web", apexOnly: true, side: "client" });
    expect(warningsOf(headers)).toEqual([]);
  });

  it("names an apex in another namespace than its route as name.namespace", async () => {
    const { httpRoute } = canaryObjects({
      namespace: CANARY_NAMESPACE,
      apex: "web",
      primary: "web-primary",
      canary: "web-canary",
      weights: [90, 10],
    });
    const spec = httpRoute.spec as { parentRefs: object[]; rules: { backendRefs: object[] }[] };
    const elsewhere = (ref: object) => ({ ...ref, namespace: CANARY_NAMESPACE });
    const route: KubernetesObject = {
      ...httpRoute,
      metadata: { name: "web-from-routes", namespace: "routes" },
      spec: {
        parentRefs: spec.parentRefs.map(elsewhere),
        rules: spec.rules.map((r) => ({ ...r, backendRefs: r.backendRefs.map(elsewhere) })),
      },
    };
    await withOwnCluster("istio", [route], async (istio) => {
      const { body } = await call(
        istio,
        `/apis/metrics.smi-spec.io/v1alpha2/namespaces/routes/httproutes/web-from-routes?${at}`,
      );
      expectBackends(body, WEB, { apex: `web.${CANARY_NAMESPACE}`, apexOnly: false, side: "client" });
    });
  });

  it("reads subsets of the apex Service by destination_version", async () => {
    const { body, headers } = await call(api("istio"), `${base}/trafficsplits/reviews?${at}`);
    expectBackends(body, REVIEWS, { apex: "reviews", apexOnly: true, side: "client" });
    expect(warningsOf(headers)).toEqual([]);
  });
});

describe("Consul", () => {
  it("reads a service-splitter's service backends through Consul's endpoint, and says they are all traffic to each", async () => {
    const { body, headers } = await call(api("consul"), `${base}/trafficsplits/search?${at}`);
    expectBackends(body, SEARCH_CONSUL, { apex: "search", apexOnly: false, rule: "envoy", side: "client" });
    expect(warningsOf(headers)).toEqual([
      expect.stringMatching(
        /^Consul's upstream series name the service that answered, not the apex store\/search the caller addressed, so each backend service's numbers are all meshed requests to it/,
      ),
    ]);
  });

  it("reads a service-splitter's subsets by consul_destination_service_subset: the apex's own, no Warning", async () => {
    const { body, headers } = await call(api("consul"), `${base}/trafficsplits/reviews?${at}`);
    expectBackends(body, REVIEWS, { apex: "reviews", apexOnly: true, rule: "envoy", side: "client" });
    expect(warningsOf(headers)).toEqual([]);
  });

  it("has no HTTPRoutes: a 404 that says where splits come from", async () => {
    const { status, body } = await call(api("consul"), `${base}/httproutes/web?${at}`);
    expect(status).toBe(404);
    expect(body.message).toMatch(/httproutes are served when KUBERNETES_API_URL/);
  });
});

describe("the gate and the summary judge one backend of a split", () => {
  it("passes or fails the canary backend on its own numbers", async () => {
    const canary = backendTruth(scenario, toService("web-canary"), WINDOW_S, {
      apex: "web",
      apexOnly: true,
      bucketBoundsMs: ROUTE_BACKEND_BOUNDS_MS,
    });
    const gate = (minSuccessRate: string) =>
      api("linkerd")(
        httpEvent("POST", "/webhooks/flagger", {
          body: JSON.stringify({
            name: "web",
            namespace: CANARY_NAMESPACE,
            phase: "Progressing",
            metadata: {
              kind: "httproutes",
              backend: "web-canary",
              window: "5m",
              time: String(scenario.endS),
              minSuccessRate,
            },
          }),
        }),
      );
    const rate = (canary.success / canary.requests) * 100;
    const pass = await gate(String(Math.floor(rate - 1)));
    expect(pass.statusCode).toBe(200);
    const verdict = JSON.parse(pass.body ?? "");
    expect(verdict.resource).toEqual({
      kind: "httproutes",
      namespace: CANARY_NAMESPACE,
      name: "web",
      backend: "web-canary",
    });
    expect(Math.abs(verdict.summary.requests - canary.requests)).toBeLessThanOrEqual(0.01);
    expect(verdict.summary.weight).toBe(10);
    expect((await gate(String(Math.ceil(rate + 1)))).statusCode).toBe(412);
  });

  it("says which side measured web-canary: 96.47% at its own proxy, 87.69% at the route's clients", async () => {
    const table = async (path: string) => {
      const headers = { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" };
      const response = await api("linkerd")(httpEvent("GET", path, { headers }));
      const body = JSON.parse(response.body ?? "null");
      const names: string[] = body.columnDefinitions.map((c: { name: string }) => c.name);
      return body.rows.map((row: { cells: string[] }) =>
        Object.fromEntries(names.map((name, i) => [name, row.cells[i]])),
      ) as Record<string, string>[];
    };
    const [deployment] = await table(`${base}/deployments/web-canary?${at}`);
    expect(deployment).toMatchObject({ Name: "web-canary", Side: "server", Success: "96.47%" });
    const route = await table(`${base}/httproutes/web?${at}`);
    expect(route.find((row) => row.Backend === "web-canary")).toMatchObject({
      Side: "client",
      Success: "87.69%",
    });
    // A 90% gate passes one and fails the other; each verdict says where it measured.
    const gate = async (metadata: Record<string, string>) => {
      const response = await api("linkerd")(
        httpEvent("POST", "/webhooks/flagger", {
          body: JSON.stringify({
            name: "web",
            namespace: CANARY_NAMESPACE,
            phase: "Progressing",
            metadata: { window: "5m", time: String(scenario.endS), minSuccessRate: "90", ...metadata },
          }),
        }),
      );
      return { status: response.statusCode, verdict: JSON.parse(response.body ?? "null") };
    };
    const atServer = await gate({ kind: "deployments", resource: "web-canary" });
    expect(atServer.status).toBe(200);
    expect(atServer.verdict.summary.side).toBe("server");
    expect(atServer.verdict.message).toMatch(
      /^deployments\/web-canary in store over 5m \(measured at the server: leaves out requests that never reached it\) passed: /,
    );
    const atClient = await gate({ kind: "httproutes", backend: "web-canary" });
    expect(atClient.status).toBe(412);
    expect(atClient.verdict.summary.side).toBe("client");
    expect(atClient.verdict.message).toMatch(
      /^httproutes\/web backend web-canary in store over 5m \(measured at the client: includes requests that never reached the server\) failed: success rate 87\.69% is below the minimum 90% \(minSuccessRate\)$/,
    );
  });

  it("answers the summary of a backend with its weight and observed share", async () => {
    const { status, body } = await call(
      api("linkerd"),
      `/summary/namespaces/${CANARY_NAMESPACE}/httproutes/web?${at}&backend=web-primary`,
    );
    expect(status).toBe(200);
    const truths = WEB.map((e) =>
      backendTruth(scenario, e.to, WINDOW_S, {
        apex: "web",
        apexOnly: true,
        bucketBoundsMs: ROUTE_BACKEND_BOUNDS_MS,
      }),
    );
    const [primary, canary] = truths as [(typeof truths)[number], (typeof truths)[number]];
    expect(body).toMatchObject({ backend: "web-primary", weight: 90 });
    expect(
      Math.abs(body.trafficShare - primary.requests / (primary.requests + canary.requests)),
    ).toBeLessThan(1e-6);
  });

  it("refuses a split kind without a backend, and a backend the split does not have", async () => {
    const none = await call(api("linkerd"), `/summary/namespaces/${CANARY_NAMESPACE}/httproutes/web?${at}`);
    expect(none.status).toBe(400);
    expect(none.body.message).toMatch(
      /give \?backend=, the backend to judge \(for a Flagger canary, web-canary\)/,
    );
    const wrong = await call(
      api("linkerd"),
      `/summary/namespaces/${CANARY_NAMESPACE}/httproutes/web?${at}&backend=web-v3`,
    );
    expect(wrong.status).toBe(404);
    expect(wrong.body.message).toMatch(/has no backend web-v3; its backends are web-primary, web-canary/);
  });
});

describe("without a split source", () => {
  it("answers a split kind with a 404 that names the setting", async () => {
    const { status, body } = await call(api("no-splits"), `${base}/trafficsplits/web?${at}`);
    expect(status).toBe(404);
    expect(body.message).toMatch(/trafficsplits are served when KUBERNETES_API_URL/);
  });

  it("serves split kinds in v1alpha2 only, and lists them in its discovery only there", async () => {
    const v1 = await call(
      api("linkerd"),
      `/apis/metrics.smi-spec.io/v1alpha1/namespaces/${CANARY_NAMESPACE}/trafficsplits/web?${at}`,
    );
    expect(v1.status).toBe(404);
    const discovery = async (v: string) =>
      (await call(api("linkerd"), `/apis/metrics.smi-spec.io/${v}`)).body.resources.map(
        (r: { name: string }) => r.name,
      );
    expect(await discovery("v1alpha2")).toEqual(expect.arrayContaining(["trafficsplits", "httproutes"]));
    expect(await discovery("v1alpha1")).not.toContain("trafficsplits");
  });
});
