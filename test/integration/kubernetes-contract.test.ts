import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  canaryObjects,
  type KubernetesDouble,
  type KubernetesObject,
  startKubernetesDouble,
} from "../../src/dev/kubernetes-double";
import {
  BackendResponseError,
  BackendTimeoutError,
  BackendUnreachableError,
} from "../../src/errors/backend-errors";
import { ConfigError } from "../../src/errors/config-error";
import { NotFoundError } from "../../src/errors/request-errors";
import { statusOf } from "../../src/http/status";
import { KubernetesClient } from "../../src/kubernetes/client";
import { createKubernetesSplitSource } from "../../src/kubernetes/settings";
import { KubernetesSplitSource } from "../../src/kubernetes/split-reader";
import { sendJson, stubServer } from "../support/stub-server";

const ADMIN = "admin-token";
const ROUTES_ONLY = "routes-reader-token";
const SHOP_ONLY = "shop-reader-token";
const TOKENS = {
  [ADMIN]: { user: "system:serviceaccount:smi:metrics-api" },
  [ROUTES_ONLY]: {
    user: "system:serviceaccount:smi:routes-reader",
    rules: [{ resource: "httproutes" as const, verbs: ["get" as const, "list" as const] }],
  },
  [SHOP_ONLY]: {
    user: "system:serviceaccount:smi:shop-reader",
    rules: [
      { resource: "trafficsplits" as const, verbs: ["get" as const, "list" as const], namespace: "shop" },
    ],
  },
};

/** A self-signed certificate for 127.0.0.1, as a cluster CA signs its API server's. */
let tls: { key: string; cert: string; caFile: string; dir: string };
beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), "k8s-ca-"));
  execFileSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
      ...["-keyout", join(dir, "key.pem"), "-out", join(dir, "ca.pem"), "-days", "1"],
      ...["-subj", "/CN=kubernetes", "-addext", "subjectAltName=IP:127.0.0.1"],
    ],
    { stdio: "ignore" },
  );
  const read = (name: string) => readFileSync(join(dir, name), "utf8");
  tls = { key: read("key.pem"), cert: read("ca.pem"), caFile: join(dir, "ca.pem"), dir };
});
const serverTls = () => ({ key: tls.key, cert: tls.cert });

const doubles: KubernetesDouble[] = [];
async function cluster(options: Omit<Parameters<typeof startKubernetesDouble>[0], "tokens">) {
  const double = await startKubernetesDouble({ tokens: TOKENS, ...options });
  doubles.push(double);
  return double;
}
afterAll(async () => {
  await Promise.all(doubles.map((d) => d.close()));
});

const source = (url: string, token = ADMIN, extra: { pageSize?: number; timeoutMs?: number } = {}) =>
  new KubernetesSplitSource(
    new KubernetesClient({
      apiUrl: url,
      credential: { hint: "KUBERNETES_TOKEN", token: async () => token },
      timeoutMs: extra.timeoutMs ?? 5000,
      ...(extra.pageSize === undefined ? {} : { pageSize: extra.pageSize }),
    }),
  );

const trafficSplit = (version: string, name: string, backends: { service: string; weight: unknown }[]) => ({
  apiVersion: `split.smi-spec.io/${version}`,
  kind: "TrafficSplit",
  metadata: { name, namespace: "shop" },
  spec: { service: "web", backends },
});

describe("TrafficSplits, read at the version the cluster serves", () => {
  it("reads v1alpha1 with Quantity weights (900m/100m) when the cluster serves only v1alpha1", async () => {
    const k8s = await cluster({
      trafficSplitVersions: ["v1alpha1"],
      objects: [
        trafficSplit("v1alpha1", "web-rollout", [
          { service: "web-primary", weight: "900m" },
          { service: "web-canary", weight: "100m" },
        ]),
      ],
    });
    const splits = await source(k8s.url).get("trafficsplits", "shop", "web-rollout");
    expect(splits).toEqual([
      {
        kind: "trafficsplits",
        namespace: "shop",
        name: "web-rollout",
        source: "split.smi-spec.io/v1alpha1",
        apex: { namespace: "shop", name: "web" },
        backends: [
          { namespace: "shop", name: "web-primary", weight: 900 },
          { namespace: "shop", name: "web-canary", weight: 100 },
        ],
      },
    ]);
    expect(k8s.requests.map((r) => r.path)).toEqual([
      "/apis/split.smi-spec.io",
      "/apis/split.smi-spec.io/v1alpha1/namespaces/shop/trafficsplits/web-rollout",
    ]);
  });

  it("reads v1alpha4 with integer weights, the preferred of the four versions served", async () => {
    const { trafficSplit: canary } = canaryObjects({
      namespace: "shop",
      apex: "web",
      primary: "web-primary",
      canary: "web-canary",
    });
    const k8s = await cluster({
      trafficSplitVersions: ["v1alpha1", "v1alpha2", "v1alpha3", "v1alpha4"],
      objects: [canary],
    });
    const splits = await source(k8s.url).list("trafficsplits", "shop");
    expect(splits.map((s) => [s.source, s.backends.map((b) => [b.name, b.weight])])).toEqual([
      [
        "split.smi-spec.io/v1alpha4",
        [
          ["web-primary", 90],
          ["web-canary", 10],
        ],
      ],
    ]);
    expect(k8s.requests[1]?.path).toBe(
      "/apis/split.smi-spec.io/v1alpha4/namespaces/shop/trafficsplits?limit=500",
    );
  });

  it("reads linkerd-smi's stored v1alpha1 object at the v1alpha2 its CRD prefers, where '500m' comes back unconverted", async () => {
    const k8s = await cluster({
      trafficSplitVersions: ["v1alpha1", "v1alpha2"],
      objects: [
        trafficSplit("v1alpha1", "backend-traffic-split", [
          { service: "backend-svc", weight: "500m" },
          { service: "failing-svc", weight: "0m" },
        ]),
      ],
    });
    const [split] = await source(k8s.url).list("trafficsplits", undefined);
    expect(split?.source).toBe("split.smi-spec.io/v1alpha2");
    expect(split?.backends.map((b) => b.weight)).toEqual([500, 0]);
  });

  it("discovers the version once for a warm container, a missing object between reads included", async () => {
    const k8s = await cluster({
      trafficSplitVersions: ["v1alpha2"],
      objects: [trafficSplit("v1alpha2", "a", [{ service: "x", weight: 1 }])],
    });
    const splits = source(k8s.url);
    await splits.list("trafficsplits", "shop");
    await splits.get("trafficsplits", "shop", "a");
    await expect(splits.get("trafficsplits", "shop", "gone")).rejects.toThrow(NotFoundError);
    await splits.get("trafficsplits", "shop", "a");
    expect(k8s.requests.filter((r) => r.path === "/apis/split.smi-spec.io")).toHaveLength(1);
  });

  it("reads at the version the cluster serves now when its CRD stopped serving the one discovered, in the same request", async () => {
    const k8s = await cluster({
      trafficSplitVersions: ["v1alpha1", "v1alpha2"],
      objects: [trafficSplit("v1alpha1", "a", [{ service: "x", weight: "500m" }])],
    });
    const splits = source(k8s.url);
    expect((await splits.get("trafficsplits", "shop", "a"))[0]?.source).toBe("split.smi-spec.io/v1alpha2");
    k8s.serveTrafficSplitVersions(["v1alpha1"]);
    expect((await splits.get("trafficsplits", "shop", "a"))[0]?.source).toBe("split.smi-spec.io/v1alpha1");
    k8s.serveTrafficSplitVersions(["v1alpha4"]);
    expect((await splits.list("trafficsplits", "shop")).map((s) => s.source)).toEqual([
      "split.smi-spec.io/v1alpha4",
    ]);
    expect(k8s.requests.map((r) => r.path)).toEqual([
      "/apis/split.smi-spec.io",
      "/apis/split.smi-spec.io/v1alpha2/namespaces/shop/trafficsplits/a",
      "/apis/split.smi-spec.io/v1alpha2/namespaces/shop/trafficsplits/a",
      "/apis/split.smi-spec.io",
      "/apis/split.smi-spec.io/v1alpha1/namespaces/shop/trafficsplits/a",
      "/apis/split.smi-spec.io/v1alpha1/namespaces/shop/trafficsplits?limit=500",
      "/apis/split.smi-spec.io",
      "/apis/split.smi-spec.io/v1alpha4/namespaces/shop/trafficsplits?limit=500",
    ]);
  });

  it("a missing object is one 404 naming it, with no second look at discovery", async () => {
    const k8s = await cluster({ trafficSplitVersions: ["v1alpha4"] });
    const splits = source(k8s.url);
    for (let i = 0; i < 2; i++) {
      await expect(splits.get("trafficsplits", "shop", "nope")).rejects.toThrow(
        new NotFoundError(
          'trafficsplits.split.smi-spec.io "nope" not found in namespace shop (the Kubernetes API answered HTTP 404: trafficsplits.split.smi-spec.io "nope" not found)',
        ),
      );
    }
    expect(k8s.requests.map((r) => r.path)).toEqual([
      "/apis/split.smi-spec.io",
      "/apis/split.smi-spec.io/v1alpha4/namespaces/shop/trafficsplits/nope",
      "/apis/split.smi-spec.io/v1alpha4/namespaces/shop/trafficsplits/nope",
    ]);
  });

  it("pages through a long list with limit and continue, keeping every item once", async () => {
    const names = ["a", "b", "c", "d", "e"];
    const k8s = await cluster({
      trafficSplitVersions: ["v1alpha4"],
      objects: names.map((n) => trafficSplit("v1alpha4", n, [{ service: n, weight: 1 }])),
    });
    const splits = await source(k8s.url, ADMIN, { pageSize: 2 }).list("trafficsplits", "shop");
    expect(splits.map((s) => s.name)).toEqual(names);
    const pages = k8s.requests.filter((r) => r.path.includes("/trafficsplits?"));
    expect(pages).toHaveLength(3);
    expect(pages[0]?.path).toMatch(/limit=2$/);
    expect(pages[1]?.path).toMatch(/limit=2&continue=/);
  });

  it("serves lists and objects with the paging and version fields a real API server sends", async () => {
    const k8s = await cluster({
      trafficSplitVersions: ["v1alpha4"],
      objects: ["a", "b", "c"].map((n) => trafficSplit("v1alpha4", n, [{ service: n, weight: 1 }])),
    });
    // biome-ignore lint/suspicious/noExplicitAny: raw API server JSON, asserted field by field below
    const get = async (path: string): Promise<any> =>
      (await fetch(`${k8s.url}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json();
    const first = await get("/apis/split.smi-spec.io/v1alpha4/namespaces/shop/trafficsplits?limit=2");
    expect(first).toMatchObject({
      apiVersion: "split.smi-spec.io/v1alpha4",
      kind: "TrafficSplitList",
      metadata: {
        resourceVersion: expect.stringMatching(/^\d+$/),
        continue: expect.any(String),
        remainingItemCount: 1,
      },
    });
    expect(first.items[0]).toMatchObject({
      apiVersion: "split.smi-spec.io/v1alpha4",
      kind: "TrafficSplit",
      metadata: { name: "a", namespace: "shop", resourceVersion: expect.stringMatching(/^\d+$/) },
    });
    const last = await get(
      `/apis/split.smi-spec.io/v1alpha4/namespaces/shop/trafficsplits?limit=2&continue=${encodeURIComponent(first.metadata.continue)}`,
    );
    expect(last.metadata).toEqual({ continue: "", resourceVersion: first.metadata.resourceVersion });
    expect(last.items.map((i: KubernetesObject) => i.metadata.name)).toEqual(["c"]);

    const before = Number(first.metadata.resourceVersion);
    k8s.apply(trafficSplit("v1alpha4", "a", [{ service: "a", weight: 2 }]));
    const object = await get("/apis/split.smi-spec.io/v1alpha4/namespaces/shop/trafficsplits/a");
    expect(Number(object.metadata.resourceVersion)).toBeGreaterThan(before);
  });

  it("says no TrafficSplit CRD is installed when the cluster does not serve the group", async () => {
    const k8s = await cluster({ trafficSplitVersions: [] });
    await expect(source(k8s.url).list("trafficsplits", "shop")).rejects.toThrow(
      new NotFoundError(
        "the Kubernetes API does not serve split.smi-spec.io: no TrafficSplit CRD is installed (linkerd-smi installs one); splits declared as HTTPRoutes are read as httproutes",
      ),
    );
  });

  it("names the object a get did not find", async () => {
    const k8s = await cluster({ trafficSplitVersions: ["v1alpha4"] });
    await expect(source(k8s.url).get("trafficsplits", "shop", "nope")).rejects.toThrow(
      new NotFoundError(
        'trafficsplits.split.smi-spec.io "nope" not found in namespace shop (the Kubernetes API answered HTTP 404: trafficsplits.split.smi-spec.io "nope" not found)',
      ),
    );
  });

  it("rejects a wrong-shaped object with zod's issues, naming where", async () => {
    const k8s = await cluster({
      trafficSplitVersions: ["v1alpha4"],
      objects: [trafficSplit("v1alpha4", "bad", [{ service: "x", weight: "lots" }])],
    });
    const error = await source(k8s.url)
      .list("trafficsplits", "shop")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendResponseError);
    expect((error as BackendResponseError).message).toBe(
      'the Kubernetes API answered list trafficsplits.split.smi-spec.io in namespace shop with an unexpected body: items.0.spec.backends.0.weight: weight "lots" is not a non-negative Kubernetes quantity such as 90 or "900m"',
    );
    expect((error as BackendResponseError).issues).toHaveLength(1);
  });
});

/**
 * API servers that answer less discovery than kube-apiserver does: proxies that forward only the
 * resource paths, and minimal doubles. Stubs, because our double serves full discovery.
 */
describe("TrafficSplits behind an API server with partial discovery", () => {
  const notFound = (res: Parameters<typeof sendJson>[0]) =>
    sendJson(res, 404, {
      kind: "Status",
      apiVersion: "v1",
      status: "Failure",
      message: "the server could not find the requested resource",
      reason: "NotFound",
      code: 404,
    });
  /** Serves v1alpha1 objects with "900m" weights at `served`, plus whatever `discovery` answers. */
  const minimalServer = (served: string, discovery: Record<string, unknown>) =>
    stubServer((req, res) => {
      const path = new URL(req.url, "http://x").pathname;
      const answer = discovery[path];
      if (answer !== undefined) return sendJson(res, 200, answer);
      const split = {
        ...trafficSplit(served, "web-rollout", [
          { service: "web-primary", weight: "900m" },
          { service: "web-canary", weight: "100m" },
        ]),
      };
      const collection = `/apis/split.smi-spec.io/${served}/namespaces/shop/trafficsplits`;
      // A minimal server: no list `metadata`, no list `kind`, as the fields Kubernetes always sends
      // but a reader of items does not need.
      if (path === collection)
        return sendJson(res, 200, { apiVersion: `split.smi-spec.io/${served}`, items: [split] });
      if (path === `${collection}/web-rollout`) return sendJson(res, 200, split);
      return notFound(res);
    });

  it("finds the version in /apis when the server does not answer /apis/{group}", async () => {
    const stub = await minimalServer("v1alpha2", {
      "/apis": {
        kind: "APIGroupList",
        apiVersion: "v1",
        groups: [
          {
            name: "split.smi-spec.io",
            versions: [
              { groupVersion: "split.smi-spec.io/v1alpha2", version: "v1alpha2" },
              { groupVersion: "split.smi-spec.io/v1alpha1", version: "v1alpha1" },
            ],
            preferredVersion: { groupVersion: "split.smi-spec.io/v1alpha2", version: "v1alpha2" },
          },
        ],
      },
    });
    try {
      const [split] = await source(stub.url).get("trafficsplits", "shop", "web-rollout");
      expect(split?.source).toBe("split.smi-spec.io/v1alpha2");
      expect(split?.backends.map((b) => b.weight)).toEqual([900, 100]);
      expect(stub.requests.map((r) => r.url)).toEqual([
        "/apis/split.smi-spec.io",
        "/apis",
        "/apis/split.smi-spec.io/v1alpha2/namespaces/shop/trafficsplits/web-rollout",
      ]);
    } finally {
      await stub.close();
    }
  });

  it("says the CRD is not installed when /apis answers without the group", async () => {
    const stub = await minimalServer("v1alpha2", {
      "/apis": { kind: "APIGroupList", apiVersion: "v1", groups: [] },
    });
    try {
      await expect(source(stub.url).list("trafficsplits", "shop")).rejects.toThrow(
        "the Kubernetes API does not serve split.smi-spec.io: no TrafficSplit CRD is installed",
      );
      expect(stub.requests.map((r) => r.url)).toEqual(["/apis/split.smi-spec.io", "/apis"]);
    } finally {
      await stub.close();
    }
  });

  it("without any discovery, finds the served version by listing one item at each version, newest first, once", async () => {
    const stub = await minimalServer("v1alpha1", {});
    try {
      const splits = source(stub.url);
      const listed = await splits.list("trafficsplits", "shop");
      expect(listed.map((s) => [s.source, s.backends.map((b) => b.weight)])).toEqual([
        ["split.smi-spec.io/v1alpha1", [900, 100]],
      ]);
      const [got] = await splits.get("trafficsplits", "shop", "web-rollout");
      expect(got?.name).toBe("web-rollout");
      const base = "/apis/split.smi-spec.io";
      expect(stub.requests.map((r) => r.url)).toEqual([
        base,
        "/apis",
        `${base}/v1alpha4/namespaces/shop/trafficsplits?limit=1`,
        `${base}/v1alpha3/namespaces/shop/trafficsplits?limit=1`,
        `${base}/v1alpha2/namespaces/shop/trafficsplits?limit=1`,
        `${base}/v1alpha1/namespaces/shop/trafficsplits?limit=1`,
        `${base}/v1alpha1/namespaces/shop/trafficsplits?limit=500`,
        `${base}/v1alpha1/namespaces/shop/trafficsplits/web-rollout`,
      ]);
    } finally {
      await stub.close();
    }
  });

  it("without any discovery and no version served, says no TrafficSplit CRD is installed", async () => {
    const stub = await stubServer((_req, res) => notFound(res));
    try {
      await expect(source(stub.url).get("trafficsplits", "shop", "web-rollout")).rejects.toThrow(
        "the Kubernetes API does not serve split.smi-spec.io: no TrafficSplit CRD is installed",
      );
      expect(stub.requests).toHaveLength(6);
    } finally {
      await stub.close();
    }
  });
});

describe("HTTPRoutes with a Service parent", () => {
  const twoRules: KubernetesObject = {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name: "web", namespace: "shop" },
    spec: {
      parentRefs: [{ group: "", kind: "Service", name: "web", port: 8080 }],
      rules: [
        {
          matches: [{ headers: [{ type: "Exact", name: "x-canary", value: "insider" }] }],
          backendRefs: [{ group: "", kind: "Service", name: "web-canary", port: 8080, weight: 1 }],
        },
        {
          matches: [{ path: { type: "PathPrefix", value: "/" } }],
          backendRefs: [
            { group: "", kind: "Service", name: "web-primary", port: 8080, weight: 95 },
            { group: "", kind: "Service", name: "web-canary", port: 8080, weight: 5 },
          ],
        },
      ],
    },
  };
  const consumerRoute: KubernetesObject = {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name: "payments-from-shop", namespace: "shop" },
    spec: {
      parentRefs: [{ group: "", kind: "Service", name: "payments", namespace: "billing", port: 443 }],
      rules: [
        {
          backendRefs: [
            { group: "", kind: "Service", name: "payments", namespace: "billing", port: 443, weight: 80 },
            {
              group: "",
              kind: "Service",
              name: "payments-next",
              namespace: "billing",
              port: 443,
              weight: 20,
            },
          ],
        },
      ],
    },
  };
  const gatewayRoute: KubernetesObject = {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name: "public", namespace: "shop" },
    spec: {
      parentRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "edge" }],
      rules: [{ backendRefs: [{ group: "", kind: "Service", name: "web", port: 8080, weight: 1 }] }],
    },
  };
  let k8s: KubernetesDouble;
  beforeAll(async () => {
    k8s = await cluster({ objects: [twoRules, consumerRoute, gatewayRoute] });
  });

  it("reads a route with two rules as one split per apex, weighted by its catch-all rule", async () => {
    const [split, ...more] = await source(k8s.url).get("httproutes", "shop", "web");
    expect(more).toEqual([]);
    expect(split?.backends).toEqual([
      { namespace: "shop", name: "web-canary", weight: 5 },
      { namespace: "shop", name: "web-primary", weight: 95 },
    ]);
    expect(split?.weightNote).toContain("weights are those of rule 2");
  });

  it("resolves a parentRef in another namespace, and lists only routes that split a Service", async () => {
    const splits = await source(k8s.url).list("httproutes", "shop");
    expect(splits.map((s) => [s.name, `${s.apex.namespace}/${s.apex.name}:${s.apex.port}`])).toEqual([
      ["payments-from-shop", "billing/payments:443"],
      ["web", "shop/web:8080"],
    ]);
    expect(splits[0]?.backends.map((b) => `${b.namespace}/${b.name}=${b.weight}`)).toEqual([
      "billing/payments=80",
      "billing/payments-next=20",
    ]);
    expect(k8s.requests.at(-1)?.path).toBe(
      "/apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes?limit=500",
    );
  });

  it("says why a route attached only to a Gateway is no split", async () => {
    await expect(source(k8s.url).get("httproutes", "shop", "public")).rejects.toThrow(
      new NotFoundError(
        "HTTPRoute shop/public splits no Service's traffic: none of its parentRefs is a Service (group \"\", kind Service), as a mesh (GAMMA) route's must be",
      ),
    );
  });
});

describe("the cluster refusing our identity", () => {
  let k8s: KubernetesDouble;
  beforeAll(async () => {
    k8s = await cluster({ trafficSplitVersions: ["v1alpha4"] });
  });

  it("401: the token is unknown; a 502 Status naming the resource, the read and what to check", async () => {
    const error = await source(k8s.url, "expired-token")
      .list("trafficsplits", "shop")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendResponseError);
    expect((error as BackendResponseError).status).toBe(401);
    expect(statusOf(error)).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message:
        "the Kubernetes API refused to list trafficsplits.split.smi-spec.io in namespace shop (discovering its version: GET /apis/split.smi-spec.io) (HTTP 401): Unauthorized; the cluster did not accept the function's credentials; check KUBERNETES_TOKEN",
      reason: "BadGateway",
      code: 502,
    });
  });

  it("403: RBAC allows httproutes only; the message names the resource and the grant needed", async () => {
    const error = await source(k8s.url, ROUTES_ONLY)
      .list("trafficsplits", "shop")
      .catch((e: unknown) => e);
    expect((error as BackendResponseError).status).toBe(403);
    expect(statusOf(error)).toMatchObject({
      code: 502,
      message:
        'the Kubernetes API refused to list trafficsplits.split.smi-spec.io in namespace shop (HTTP 403): trafficsplits.split.smi-spec.io is forbidden: User "system:serviceaccount:smi:routes-reader" cannot list resource "trafficsplits" in API group "split.smi-spec.io" in the namespace "shop"; the function\'s identity needs get and list on trafficsplits.split.smi-spec.io (a Role or ClusterRole and its binding; see "Traffic splits and canaries" in the README)',
    });
  });

  it("403: a namespaced Role does not cover a list across all namespaces, nor a get elsewhere", async () => {
    const all = await source(k8s.url, SHOP_ONLY)
      .list("trafficsplits", undefined)
      .catch((e: unknown) => e);
    expect((all as Error).message).toContain(
      'cannot list resource "trafficsplits" in API group "split.smi-spec.io" at the cluster scope',
    );
    const elsewhere = await source(k8s.url, SHOP_ONLY)
      .get("trafficsplits", "billing", "x")
      .catch((e: unknown) => e);
    expect((elsewhere as Error).message).toContain(
      'refused to get trafficsplits.split.smi-spec.io "x" in namespace billing (HTTP 403): trafficsplits.split.smi-spec.io "x" is forbidden',
    );
    expect(await source(k8s.url, SHOP_ONLY).list("trafficsplits", "shop")).toEqual([]);
  });
});

describe("transport and TLS", () => {
  it("an API server that is down is unreachable, one that never answers times out", async () => {
    const closed = await freePort();
    await expect(source(`http://127.0.0.1:${closed}`).list("httproutes", "shop")).rejects.toThrow(
      BackendUnreachableError,
    );
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as { port: number }).port;
    await expect(
      source(`http://127.0.0.1:${port}`, ADMIN, { timeoutMs: 300 }).list("httproutes", "shop"),
    ).rejects.toThrow(BackendTimeoutError);
    silent.close();
  });

  it("trusts the cluster's own CA from KUBERNETES_CA_FILE, and nothing else", async () => {
    const k8s = await cluster({
      tls: serverTls(),
      objects: [canaryObjects({ namespace: "shop", apex: "web", primary: "p", canary: "c" }).httpRoute],
    });
    const settings = {
      apiUrl: k8s.url,
      credential: { kind: "token" as const, token: ADMIN },
      timeoutMs: 5000,
    };
    // A token credential never asks for AWS credentials.
    const noAws = async () => {
      throw new Error("no AWS credentials in this test");
    };
    const splits = await createKubernetesSplitSource({ ...settings, caFile: tls.caFile }, noAws).list(
      "httproutes",
      "shop",
    );
    expect(splits.map((s) => s.backends.map((b) => b.weight))).toEqual([[90, 10]]);
    await expect(createKubernetesSplitSource(settings, noAws).list("httproutes", "shop")).rejects.toThrow(
      BackendUnreachableError,
    );

    writeFileSync(join(tls.dir, "empty.pem"), "");
    expect(() =>
      createKubernetesSplitSource({ ...settings, caFile: join(tls.dir, "empty.pem") }, noAws),
    ).toThrow(ConfigError);
    expect(() =>
      createKubernetesSplitSource({ ...settings, caFile: join(tls.dir, "missing.pem") }, noAws),
    ).toThrow(/KUBERNETES_CA_FILE .*missing\.pem cannot be read/);
  });
});

describe("answers no API server should give", () => {
  it("a 200 that is not JSON (a login page from a proxy) is a bad answer, not an empty list", async () => {
    const stub = await stubServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html><body>Sign in to continue</body></html>");
    });
    try {
      const error = await source(stub.url)
        .list("httproutes", "shop")
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackendResponseError);
      expect((error as Error).message).toBe(
        "the Kubernetes API answered list httproutes.gateway.networking.k8s.io in namespace shop with a body that is not JSON: Sign in to continue",
      );
    } finally {
      await stub.close();
    }
  });

  it("a continue token handed back twice ends the list with an error instead of looping", async () => {
    const stub = await stubServer((_req, res) =>
      sendJson(res, 200, {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRouteList",
        metadata: { continue: "same", resourceVersion: "7" },
        items: [],
      }),
    );
    try {
      await expect(source(stub.url).list("httproutes", undefined)).rejects.toThrow(
        "the Kubernetes API repeated a continue token to list httproutes.gateway.networking.k8s.io in all namespaces",
      );
      expect(stub.requests).toHaveLength(2);
    } finally {
      await stub.close();
    }
  });

  it("a 500 Status is passed on with the server's message", async () => {
    const stub = await stubServer((_req, res) =>
      sendJson(res, 500, {
        kind: "Status",
        apiVersion: "v1",
        status: "Failure",
        message: "etcdserver: request timed out",
        reason: "InternalError",
        code: 500,
      }),
    );
    try {
      const error = await source(stub.url)
        .list("httproutes", "shop")
        .catch((e: unknown) => e);
      expect(statusOf(error)).toMatchObject({
        code: 502,
        message:
          "the Kubernetes API answered HTTP 500 to list httproutes.gateway.networking.k8s.io in namespace shop: etcdserver: request timed out",
      });
    } finally {
      await stub.close();
    }
  });
});

describe("kubectl reads the double as it reads an API server", () => {
  // Asynchronous: the double answers from this process, which a synchronous child would block.
  const kubectl = async (url: string, token: string, args: string[]) => {
    const dir = mkdtempSync(join(tmpdir(), "kubectl-"));
    writeFileSync(join(dir, "config"), "apiVersion: v1\nkind: Config\n");
    const flags = [
      `--certificate-authority=${tls.caFile}`,
      `--kubeconfig=${join(dir, "config")}`,
      `--cache-dir=${join(dir, "cache")}`,
      `--server=${url}`,
      `--token=${token}`,
      "--request-timeout=10s",
    ];
    try {
      const { stdout } = await promisify(execFile)("kubectl", [...flags, ...args], { encoding: "utf8" });
      return { out: stdout, err: "" };
    } catch (error) {
      return { out: "", err: String((error as { stderr?: string }).stderr) };
    }
  };

  it("lists TrafficSplits through discovery, and prints the API server's Forbidden message", async () => {
    const { trafficSplit: canary } = canaryObjects({
      namespace: "shop",
      apex: "web",
      primary: "p",
      canary: "c",
    });
    const k8s = await cluster({
      trafficSplitVersions: ["v1alpha2", "v1alpha4"],
      objects: [canary],
      tls: serverTls(),
    });
    const listed = JSON.parse(
      (await kubectl(k8s.url, ADMIN, ["get", "trafficsplits", "-n", "shop", "-o", "json"])).out,
    );
    expect(listed.items.map((i: KubernetesObject) => [i.apiVersion, i.metadata.name])).toEqual([
      ["split.smi-spec.io/v1alpha4", "web"],
    ]);
    expect((await kubectl(k8s.url, ROUTES_ONLY, ["get", "ts", "-n", "shop"])).err).toContain(
      'Error from server (Forbidden): trafficsplits.split.smi-spec.io is forbidden: User "system:serviceaccount:smi:routes-reader" cannot list resource "trafficsplits" in API group "split.smi-spec.io" in the namespace "shop"',
    );
    expect((await kubectl(k8s.url, ADMIN, ["get", "trafficsplit", "nope", "-n", "shop"])).err).toContain(
      'Error from server (NotFound): trafficsplits.split.smi-spec.io "nope" not found',
    );
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
