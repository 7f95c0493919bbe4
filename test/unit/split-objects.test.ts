import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ServiceSplitterSchema } from "../../src/consul/client";
import { serviceSplitterToSplit } from "../../src/consul/splitter";
import { HTTPRouteSchema, httpRouteToSplits } from "../../src/kubernetes/http-route";
import { quantityMilliValue } from "../../src/kubernetes/quantity";
import { TRAFFIC_SPLIT_SCHEMAS, trafficSplitToSplit } from "../../src/kubernetes/traffic-split";

describe("Quantity weights read as apimachinery's MilliValue", () => {
  it.each([
    ["900m", 900],
    ["100m", 100],
    ["0m", 0],
    ["1", 1000],
    ["1.5", 1500],
    ["0.1", 100],
    [".5", 500],
    ["1.", 1000],
    ["2k", 2_000_000],
    ["1Ki", 1_024_000],
    ["5e2", 500_000],
    ["5E-1", 500],
    ["1u", 1], // below a thousandth: rounded up, as MilliValue does
    ["+3", 3000],
  ])("%s is %d thousandths", (text, milli) => {
    expect(quantityMilliValue(text)).toBe(milli);
  });

  it.each(["", ".", "abc", "1x", "-1", "1 m", "1E", "1e999"])("%j is not a weight", (text) => {
    expect(quantityMilliValue(text)).toBeUndefined();
  });

  it("reads n thousandths as n and whole numbers as n × 1000, for every size a weight has", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000_000 }), (n) => {
        expect(quantityMilliValue(`${n}m`)).toBe(n);
        expect(quantityMilliValue(String(n))).toBe(n * 1000);
      }),
    );
  });
});

const trafficSplit = (version: string, backends: { service: string; weight: unknown }[], service = "web") =>
  TRAFFIC_SPLIT_SCHEMAS[version as "v1alpha1"].parse({
    apiVersion: `split.smi-spec.io/${version}`,
    kind: "TrafficSplit",
    metadata: { name: "web-split", namespace: "shop" },
    spec: { service, backends },
  });

describe("a TrafficSplit as a split", () => {
  it("keeps v1alpha1 thousandths as thousandths when any weight is fractional", () => {
    const split = trafficSplitToSplit(
      trafficSplit("v1alpha1", [
        { service: "web-primary", weight: "900m" },
        { service: "web-canary", weight: "100m" },
      ]),
    );
    expect(split).toEqual({
      kind: "trafficsplits",
      namespace: "shop",
      name: "web-split",
      source: "split.smi-spec.io/v1alpha1",
      apex: { namespace: "shop", name: "web" },
      backends: [
        { namespace: "shop", name: "web-primary", weight: 900 },
        { namespace: "shop", name: "web-canary", weight: 100 },
      ],
    });
  });

  it("keeps the ratio of the spec's own mixed example (1 and 500m) in one unit", () => {
    const split = trafficSplitToSplit(
      trafficSplit("v1alpha1", [
        { service: "foobar-v1", weight: 1 },
        { service: "foobar-v2", weight: "500m" },
      ]),
    );
    expect(split.backends.map((b) => b.weight)).toEqual([1000, 500]);
  });

  it("keeps whole weights as written, whether numbers or strings", () => {
    const split = trafficSplitToSplit(
      trafficSplit("v1alpha4", [
        { service: "web-primary", weight: 90 },
        { service: "web-canary", weight: "10" },
      ]),
    );
    expect(split.backends.map((b) => b.weight)).toEqual([90, 10]);
  });

  it("sums a backend listed twice, which is what it receives", () => {
    const split = trafficSplitToSplit(
      trafficSplit("v1alpha2", [
        { service: "a", weight: 30 },
        { service: "b", weight: 50 },
        { service: "a", weight: 20 },
      ]),
    );
    expect(split.backends).toEqual([
      { namespace: "shop", name: "a", weight: 50 },
      { namespace: "shop", name: "b", weight: 50 },
    ]);
  });

  it("reads an apex written as a service FQDN in its own namespace", () => {
    const split = trafficSplitToSplit(
      trafficSplit("v1alpha3", [{ service: "a", weight: 1 }], "web.store.svc.cluster.local"),
    );
    expect(split.apex).toEqual({ namespace: "store", name: "web" });
  });

  it("rejects a weight that is not a quantity, saying what is accepted", () => {
    const result = TRAFFIC_SPLIT_SCHEMAS.v1alpha4.safeParse({
      apiVersion: "split.smi-spec.io/v1alpha4",
      kind: "TrafficSplit",
      metadata: { name: "x", namespace: "shop" },
      spec: { service: "web", backends: [{ service: "a", weight: "lots" }] },
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe(
      'weight "lots" is not a non-negative Kubernetes quantity such as 90 or "900m"',
    );
    expect(result.error?.issues[0]?.path).toEqual(["spec", "backends", 0, "weight"]);
  });
});

const route = (spec: unknown) =>
  HTTPRouteSchema.parse({
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name: "web", namespace: "shop" },
    spec,
  });
const svc = (name: string, weight?: number, extra: object = {}) => ({
  group: "",
  kind: "Service",
  name,
  port: 8080,
  ...(weight === undefined ? {} : { weight }),
  ...extra,
});
const apexRef = { group: "", kind: "Service", name: "web", port: 8080 };

describe("an HTTPRoute as splits", () => {
  it("is one split per Service parent, with backends weighted 1 when the weight is left out", () => {
    const [split, ...rest] = httpRouteToSplits(
      route({ parentRefs: [apexRef], rules: [{ backendRefs: [svc("web-primary"), svc("web-canary", 3)] }] }),
    );
    expect(rest).toEqual([]);
    expect(split).toEqual({
      kind: "httproutes",
      namespace: "shop",
      name: "web",
      source: "gateway.networking.k8s.io/v1",
      apex: { namespace: "shop", name: "web", port: 8080 },
      backends: [
        { namespace: "shop", name: "web-primary", weight: 1 },
        { namespace: "shop", name: "web-canary", weight: 3 },
      ],
    });
  });

  it("takes the weights of the catch-all rule when a header rule sends some requests to the canary (Flagger's A/B layout)", () => {
    const [split] = httpRouteToSplits(
      route({
        parentRefs: [apexRef],
        rules: [
          {
            matches: [{ headers: [{ name: "x-canary", value: "always" }] }],
            backendRefs: [svc("web-primary", 0), svc("web-canary", 100)],
          },
          {
            matches: [{ path: { type: "PathPrefix", value: "/" } }],
            backendRefs: [svc("web-primary", 90), svc("web-canary", 10)],
          },
        ],
      }),
    );
    expect(split?.backends.map((b) => [b.name, b.weight])).toEqual([
      ["web-primary", 90],
      ["web-canary", 10],
    ]);
    expect(split?.weightNote).toBe(
      "HTTPRoute shop/web has 2 rules with backends; weights are those of rule 2, the rule that takes every request no other rule matches; a backend that rule does not name has weight 0 but is measured for all its requests",
    );
  });

  it("gives weight 0 to a backend only a specific rule sends to", () => {
    const [split] = httpRouteToSplits(
      route({
        parentRefs: [apexRef],
        rules: [
          {
            name: "sticky",
            matches: [{ headers: [{ name: "cookie", value: "canary" }] }],
            backendRefs: [svc("web-canary")],
          },
          { name: "default", backendRefs: [svc("web-primary")] },
        ],
      }),
    );
    expect(split?.backends).toEqual([
      { namespace: "shop", name: "web-canary", weight: 0 },
      { namespace: "shop", name: "web-primary", weight: 1 },
    ]);
    expect(split?.weightNote).toContain('rule 2 ("default")');
  });

  it("falls to the first rule with backends, and says so, when no rule matches every request", () => {
    const [split] = httpRouteToSplits(
      route({
        parentRefs: [apexRef],
        rules: [
          {
            matches: [{ path: { type: "PathPrefix", value: "/api" } }],
            backendRefs: [svc("a", 9), svc("b", 1)],
          },
          { matches: [{ path: { type: "Exact", value: "/" } }], backendRefs: [svc("b", 1), svc("c", 1)] },
        ],
      }),
    );
    expect(split?.backends.map((b) => [b.name, b.weight])).toEqual([
      ["a", 9],
      ["b", 1],
      ["c", 0],
    ]);
    expect(split?.weightNote).toContain(
      "rule 1, its first rule with backends, as no rule matches every request",
    );
  });

  it("resolves a parentRef in another namespace (a consumer route) and backendRefs that name theirs", () => {
    const [split] = httpRouteToSplits(
      route({
        parentRefs: [{ group: "", kind: "Service", name: "payments", namespace: "billing" }],
        rules: [
          { backendRefs: [svc("payments-v2", 1, { namespace: "billing" }), svc("payments-shadow", 1)] },
        ],
      }),
    );
    expect(split?.apex).toEqual({ namespace: "billing", name: "payments" });
    expect(split?.backends.map((b) => `${b.namespace}/${b.name}`)).toEqual([
      "billing/payments-v2",
      "shop/payments-shadow",
    ]);
  });

  it("is no split when its parents are Gateways, or a Service kind in another group", () => {
    expect(
      httpRouteToSplits(route({ parentRefs: [{ name: "public-gw" }], rules: [{ backendRefs: [svc("a")] }] })),
    ).toEqual([]);
    expect(
      httpRouteToSplits(
        route({
          parentRefs: [
            { kind: "Service", name: "web" },
            { group: "gateway.networking.k8s.io", kind: "Gateway", name: "gw" },
          ],
          rules: [{ backendRefs: [svc("a")] }],
        }),
      ),
    ).toEqual([]);
  });

  it('accepts the core group spelled "core", as Linkerd does, and gives each distinct Service parent its own split', () => {
    const splits = httpRouteToSplits(
      route({
        parentRefs: [
          { group: "core", kind: "Service", name: "web", port: 80 },
          { group: "", kind: "Service", name: "web", port: 8080 },
          { group: "", kind: "Service", name: "web", port: 8080 },
        ],
        rules: [{ backendRefs: [svc("a")] }],
      }),
    );
    expect(splits.map((s) => s.apex)).toEqual([
      { namespace: "shop", name: "web", port: 80 },
      { namespace: "shop", name: "web", port: 8080 },
    ]);
  });

  it("counts only backendRefs of kind Service", () => {
    const [split] = httpRouteToSplits(
      route({
        parentRefs: [apexRef],
        rules: [
          {
            backendRefs: [
              svc("a", 5),
              { group: "multicluster.x-k8s.io", kind: "ServiceImport", name: "a-remote", weight: 5 },
            ],
          },
        ],
      }),
    );
    expect(split?.backends).toEqual([{ namespace: "shop", name: "a", weight: 5 }]);
  });
});

describe("a Consul service-splitter as a split", () => {
  it("turns percentages into Consul's 0.01% unit when any is fractional, and keeps subsets", () => {
    const entry = ServiceSplitterSchema.parse({
      Kind: "service-splitter",
      Name: "web",
      Splits: [
        { Weight: 33.33, ServiceSubset: "v1" },
        { Weight: 33.33, ServiceSubset: "v2" },
        { Weight: 33.34, Service: "web-next" },
      ],
      CreateIndex: 10,
      ModifyIndex: 12,
    });
    expect(serviceSplitterToSplit(entry, "shop", new Map([["web-next", "next"]]))).toEqual({
      kind: "trafficsplits",
      namespace: "shop",
      name: "web",
      source: "consul service-splitter",
      apex: { namespace: "shop", name: "web" },
      backends: [
        { namespace: "shop", name: "web", weight: 3333, subset: "v1" },
        { namespace: "shop", name: "web", weight: 3333, subset: "v2" },
        { namespace: "next", name: "web-next", weight: 3334 },
      ],
    });
  });

  it("keeps whole percentages as they are", () => {
    const entry = ServiceSplitterSchema.parse({
      Kind: "service-splitter",
      Name: "web",
      Splits: [
        { Weight: 90, Service: "web-primary" },
        { Weight: 10, Service: "web-canary" },
      ],
    });
    expect(serviceSplitterToSplit(entry, "shop").backends.map((b) => b.weight)).toEqual([90, 10]);
  });
});
