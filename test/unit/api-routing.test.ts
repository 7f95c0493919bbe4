import { describe, expect, it } from "vitest";
import { createLinkerdAdapter } from "../../src/mesh/linkerd";
import { apiOver, call, httpEvent } from "../support/harness";
import { RecordingEngine } from "../support/recording-engine";

const setup = () => {
  const engine = new RecordingEngine();
  return { engine, api: apiOver(engine, createLinkerdAdapter()) };
};
const base = "/apis/metrics.smi-spec.io/v1alpha1";

/** The native part of a latency query: each quantile of the summed native histogram, marked. */
const nativeQuantiles = (summed: string) =>
  ["0.5", "0.9", "0.99"]
    .map((q) => `label_replace(histogram_quantile(${q}, ${summed}), "smi_q", "${q}", "", "")`)
    .join(" or ");

describe("SMI routing", () => {
  it("lists exactly the kinds Linkerd serves in APIResourceList", async () => {
    const { api, engine } = setup();
    const { status, body } = await call(api, `${base}/`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      kind: "APIResourceList",
      apiVersion: "v1",
      groupVersion: "metrics.smi-spec.io/v1alpha1",
    });
    expect(body.resources.map((r: { name: string }) => r.name)).toEqual([
      "namespaces",
      "deployments",
      "pods",
      "statefulsets",
      "daemonsets",
      "jobs",
      "replicasets",
      "services",
      "trafficmetrics",
    ]);
    expect(body.resources[0]).toEqual({
      name: "namespaces",
      singularName: "namespace",
      namespaced: false,
      kind: "NamespaceTrafficMetrics",
      verbs: ["get", "list"],
    });
    expect(body.resources[1].namespaced).toBe(true);
    expect(engine.queries).toEqual([]);
  });

  it("serves APIGroup discovery for the group path, v1alpha2 preferred and listed first", async () => {
    const { body } = await call(setup().api, "/apis/metrics.smi-spec.io");
    expect(body.kind).toBe("APIGroup");
    expect(body.versions.map((v: { version: string }) => v.version)).toEqual(["v1alpha2", "v1alpha1"]);
    expect(body.preferredVersion).toEqual({
      groupVersion: "metrics.smi-spec.io/v1alpha2",
      version: "v1alpha2",
    });
  });

  it.each([
    ["an unknown kind", `${base}/widgets`],
    ["an unknown kind in a namespace", `${base}/namespaces/shop/widgets/x`],
    ["a kind that exists in SMI but not for Linkerd", `${base}/trafficsplits`],
    ["an unknown version", "/apis/metrics.smi-spec.io/v1beta1/deployments"],
    ["an unknown group", "/apis/metrics.k8s.io/v1beta1/pods"],
    ["a path outside /apis", "/metrics"],
    ["a trailing segment after edges", `${base}/namespaces/shop/deployments/x/edges/more`],
    ["namespaces inside a namespace", `${base}/namespaces/shop/namespaces`],
  ])("returns a 404 Status for %s", async (_what, path) => {
    const { api, engine } = setup();
    const { status, body, headers } = await call(api, path);
    expect(status).toBe(404);
    expect(headers["content-type"]).toBe("application/json");
    expect(body).toMatchObject({
      kind: "Status",
      apiVersion: "v1",
      status: "Failure",
      reason: "NotFound",
      code: 404,
    });
    expect(body.message.length).toBeGreaterThan(10);
    expect(engine.queries).toEqual([]);
  });

  it.each([
    ["t=banana", /not a duration/],
    ["t=-5m", /not a duration/],
    ["t=0s", /out of range/],
    ["t=25h", /out of range/],
    ["t=5s", /out of range/],
    ["window=1.5m", /not a duration/],
    ["time=yesterday", /not a time/],
    ["time=2026-13-45T00:00:00Z", /not a time/],
    ["t=1m&window=5m", /disagree/],
    ["t=1m&t=5m", /more than once/],
    ["labelSelector=app%3Dx", /unknown query parameter/],
  ])("returns a 400 Status and no data for %s", async (query, message) => {
    const { api, engine } = setup();
    const { status, body } = await call(api, `${base}/namespaces/shop/deployments/web?${query}`);
    expect(status).toBe(400);
    expect(body).toMatchObject({ kind: "Status", reason: "BadRequest", code: 400 });
    expect(body.message).toMatch(message);
    expect(body.metrics).toBeUndefined();
    expect(engine.queries).toEqual([]);
  });

  it.each([
    ["a quote", "we%22b"],
    ["a regex", "web.*"],
    ["an alternation", "web%7Capi"],
    ["a brace", "web%7B"],
    ["a space", "my%20web"],
    ["upper case", "Web"],
    ["a backslash", "web%5C"],
    ["bad percent-encoding", "web%zz"],
  ])("returns a 400 Status for a name with %s", async (_what, name) => {
    const { api, engine } = setup();
    for (const path of [
      `${base}/namespaces/shop/deployments/${name}`,
      `${base}/namespaces/${name}/deployments/web`,
      `${base}/namespaces/${name}`,
      `${base}/namespaces/${name}/edges`,
    ]) {
      const { status, body } = await call(api, path);
      expect(status, path).toBe(400);
      expect(body.reason).toBe("BadRequest");
    }
    expect(engine.queries).toEqual([]);
  });

  it("refuses a time in the future with a 400 that says so, on every route that reads one", async () => {
    const { api, engine } = setup();
    for (const path of [
      `${base}/namespaces/shop/deployments/web?time=2099-01-01T00:00:00Z`,
      `${base}/deployments?time=4070908800`,
      "/summary/namespaces/shop/deployments/web?time=2099-01-01T00:00:00Z",
    ]) {
      const { status, body } = await call(api, path);
      expect(status, path).toBe(400);
      expect(body.message, path).toMatch(
        /invalid time: 2099-01-01T00:00:00Z is in the future \(now is 20\d\d-/,
      );
    }
    const gate = await api(
      httpEvent("POST", "/webhooks/flagger", {
        body: JSON.stringify({
          name: "web",
          namespace: "shop",
          phase: "Progressing",
          metadata: { time: "2099-01-01T00:00:00Z" },
        }),
      }),
    );
    expect(gate.statusCode).toBe(400);
    expect(JSON.parse(gate.body ?? "").message).toMatch(
      /invalid metadata.time: 2099-01-01T00:00:00Z is in the future/,
    );
    expect(engine.queries).toEqual([]);
  });

  it("accepts a time a little ahead of its own clock, as a caller's clock may run fast", async () => {
    const { api } = setup();
    const soon = Math.floor(Date.now() / 1000) + 30;
    expect((await call(api, `${base}/namespaces/shop/deployments/web?time=${soon}`)).status).toBe(200);
  });

  it("gives time examples that are the same instant in both forms", async () => {
    const { body } = await call(setup().api, `${base}/namespaces/shop/deployments/web?time=noon`);
    const [, rfc, unix] = /RFC 3339 \(([^)]+)\) or Unix seconds \((\d+)\)/.exec(body.message) ?? [];
    expect(new Date(rfc ?? "").getTime()).toBe(Number(unix) * 1000);
  });

  it("returns a 405 that names the allowed methods, and a 404 that lists the served paths", async () => {
    const { api } = setup();
    const healthz = await call(api, "/healthz", "POST");
    expect(healthz.status).toBe(405);
    expect(healthz.headers.allow).toBe("GET");
    const flagger = await call(api, "/webhooks/flagger");
    expect(flagger.status).toBe(405);
    expect(flagger.headers.allow).toBe("POST");
    const missing = await call(api, "/metrics");
    expect(missing.body.message).toMatch(
      /no such path: \/metrics; this server answers \/healthz, .*\/summary\/\.\.\., \/webhooks\/flagger/,
    );
  });

  it("returns a 405 Status for a POST to an SMI path", async () => {
    const { status, body, headers } = await call(setup().api, `${base}/deployments`, "POST");
    expect(status).toBe(405);
    expect(headers.allow).toBe("GET");
    expect(body.reason).toBe("MethodNotAllowed");
  });

  it("places names only in exact, quoted matchers and reads with rate over the window", async () => {
    const { api, engine } = setup();
    await call(api, `${base}/namespaces/shop/deployments/web.v2?t=5m&time=1764000900`);
    // The cluster label rides in the counts query, so an answer summing clusters can say so for free.
    const counts =
      'sum by (deployment, classification, cluster) (increase(response_total{direction="inbound", deployment="web.v2", namespace="shop"}[5m]))';
    const buckets =
      'sum by (deployment, le) (rate(response_latency_ms_bucket{direction="inbound", deployment="web.v2", namespace="shop"}[5m]))';
    // A native histogram's quantiles ride in the same latency part, computed by the backend.
    const native = nativeQuantiles(
      'sum by (deployment) (rate(response_latency_ms{direction="inbound", deployment="web.v2", namespace="shop"}[5m]))',
    );
    // The recording engine answers nothing: the zero spends one diagnosis query, at the same time.
    expect(engine.queries).toEqual([
      `label_replace(${counts}, "smi_part", "counts", "", "") or label_replace(${native} or ${buckets}, "smi_part", "latency", "", "")`,
      expect.stringContaining(
        'present_over_time(response_total{direction="inbound", deployment="web.v2", namespace="shop"}[24h])',
      ),
    ]);
    expect(engine.times.map((t) => t.toISOString())).toEqual([
      "2025-11-24T16:15:00.000Z",
      "2025-11-24T16:15:00.000Z",
    ]);
    for (const q of engine.queries) expect(q).not.toMatch(/irate|=~/);
  });

  it("asks for a list with two concurrent queries, not grouping by the namespace it pins", async () => {
    const { api, engine } = setup();
    await call(api, `${base}/namespaces/shop/pods?t=1m&time=1764000900`);
    expect(engine.queries).toEqual([
      'sum by (pod, classification, cluster) (increase(response_total{direction="inbound", namespace="shop"}[1m]))',
      `${nativeQuantiles(
        'sum by (pod) (rate(response_latency_ms{direction="inbound", namespace="shop"}[1m]))',
      )} or sum by (pod, le) (rate(response_latency_ms_bucket{direction="inbound", namespace="shop"}[1m]))`,
      // The recording engine answers nothing: the empty list spends one diagnosis query.
      expect.stringContaining(
        'count by (namespace, smi_labelled) (label_replace(response_total{direction="inbound"}, "smi_labelled", "1", "pod", ".+"))',
      ),
    ]);
  });

  it("accepts RFC 3339 times with an offset and echoes the window as Prometheus prints it", async () => {
    const { api, engine } = setup();
    const { body } = await call(
      api,
      `${base}/namespaces/shop/deployments/web?window=90s&time=2026-11-25T10:00:00%2B02:00`,
    );
    expect(body.window).toBe("1m30s");
    expect(body.timestamp).toBe("2026-11-25T08:00:00Z");
    expect(engine.queries[0]).toContain("[1m30s]");
  });

  it("uses the default 30s window when none is given", async () => {
    const { api, engine } = setup();
    const { body } = await call(api, `${base}/namespaces/shop/deployments/web`);
    expect(body.window).toBe("30s");
    expect(engine.queries[0]).toContain("[30s]");
  });

  it("answers no traffic with zero counts and null latencies", async () => {
    const { body } = await call(setup().api, `${base}/namespaces/shop/deployments/web?time=1764000900`);
    expect(body.metrics).toEqual([
      { name: "p99_response_latency", unit: "ms", value: null },
      { name: "p90_response_latency", unit: "ms", value: null },
      { name: "p50_response_latency", unit: "ms", value: null },
      { name: "success_count", value: "0" },
      { name: "failure_count", value: "0" },
    ]);
  });

  it("returns a 404 Status for service edges, which Linkerd's series cannot name", async () => {
    const { status, body } = await call(setup().api, `${base}/namespaces/shop/services/web/edges`);
    expect(status).toBe(404);
    expect(body.message).toMatch(/edges of services/);
  });

  it("keeps /healthz open and free of queries", async () => {
    const { api, engine } = setup();
    const { status, body } = await call(api, "/healthz");
    expect(status).toBe(200);
    expect(body).toEqual({ status: "ok", mesh: "linkerd", backend: "test" });
    expect(engine.queries).toEqual([]);
  });
});
