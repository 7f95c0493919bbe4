import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkerdSeries } from "../../src/dev/linkerd-series";
import type { RunningPrometheus } from "../../src/dev/prometheus-server";
import { defaultScenario } from "../../src/dev/scenario";
import { type ApiHandler, createApiHandler } from "../../src/http/api-handler";
import { createLinkerdAdapter } from "../../src/mesh/linkerd";
import { PrometheusClient } from "../../src/prometheus/client";
import { findWorkload, namespaceTruth, workloadTruth } from "../support/ground-truth";
import { httpEvent, scenarioPrometheus, testContext, withContract } from "../support/harness";

const scenario = defaultScenario();
const TOKEN = "flagger-shared-secret-0123";
const API_TOKEN = "api-token-for-summaries-01";
let prometheus: RunningPrometheus;
let api: ApiHandler;

beforeAll(async () => {
  prometheus = await scenarioPrometheus(scenario, linkerdSeries);
  const engine = new PrometheusClient({ baseUrl: prometheus.url, timeoutMs: 10_000 });
  const context = testContext(
    { engine, mesh: createLinkerdAdapter(), backendDescription: "test" },
    { WEBHOOK_TOKEN: TOKEN, API_TOKEN },
  );
  api = withContract(createApiHandler(context, { log: () => {} }));
}, 60_000);
afterAll(async () => {
  await prometheus?.stop();
});

/** Flagger's POST: `{name, namespace, phase, checksum, metadata}` with string metadata. */
async function flagger(
  metadata: Record<string, string>,
  overrides: Record<string, unknown> = {},
  query = "",
) {
  const payload = {
    name: "api",
    namespace: "payments",
    phase: "Progressing",
    checksum: "85d557f47b",
    metadata: { token: TOKEN, window: "5m", time: String(scenario.endS), ...metadata },
    ...overrides,
  };
  const response = await api(
    httpEvent("POST", `/webhooks/flagger${query}`, {
      body: JSON.stringify(payload),
      headers: { "content-type": "application/json" },
    }),
  );
  return { status: response.statusCode, body: JSON.parse(response.body ?? "null") };
}

// api in payments: 3 rps served (2 from checkout with 5% failures, 1 from frontend), 900 requests in 5m.
const apiTruth = workloadTruth(scenario, findWorkload(scenario, "payments", "api"), 300);
const apiSuccessRate = (apiTruth.success / (apiTruth.success + apiTruth.failure)) * 100;

describe("Flagger canary gate on a real Prometheus", () => {
  it("passes with generous limits and answers 200 with the verdict", async () => {
    const { status, body } = await flagger({
      minSuccessRate: "90",
      maxP50Ms: "1000",
      maxP90Ms: "5000",
      maxP99Ms: "10000",
      minRequests: "100",
    });
    expect(status).toBe(200);
    expect(body.passed).toBe(true);
    expect(body.resource).toEqual({ kind: "deployments", namespace: "payments", name: "api" });
    expect(body.checks.map((c: { name: string }) => c.name)).toEqual([
      "minRequests",
      "minSuccessRate",
      "maxP50Ms",
      "maxP90Ms",
      "maxP99Ms",
    ]);
    const observed = Object.fromEntries(
      body.checks.map((c: { name: string; observed: number }) => [c.name, c.observed]),
    );
    expect(observed.minRequests).toBeCloseTo(apiTruth.success + apiTruth.failure, 6);
    expect(observed.minSuccessRate).toBeCloseTo(apiSuccessRate, 6);
    expect(
      Math.abs(observed.maxP99Ms - (apiTruth.p99 as number)) / (apiTruth.p99 as number),
    ).toBeLessThanOrEqual(0.0002);
  });

  it("fails on success rate with 412 and says observed vs. limit", async () => {
    const { status, body } = await flagger({ minSuccessRate: "99" });
    expect(status).toBe(412);
    expect(body.passed).toBe(false);
    const check = body.checks.find((c: { name: string }) => c.name === "minSuccessRate");
    expect(check).toMatchObject({ passed: false, limit: 99, unit: "percent" });
    expect(check.observed).toBeCloseTo(apiSuccessRate, 6);
    expect(body.message).toMatch(/success rate 96\.67% is below the minimum 99% \(minSuccessRate\)/);
  });

  it("fails on p99", async () => {
    const { status, body } = await flagger({ maxP99Ms: "100" });
    expect(status).toBe(412);
    expect(body.message).toMatch(/p99 [\d.]+ ms is above the maximum 100 ms \(maxP99Ms\)/);
    expect(body.checks.find((c: { name: string }) => c.name === "maxP99Ms")).toMatchObject({
      passed: false,
      limit: 100,
    });
  });

  it("fails on too few requests", async () => {
    const { status, body } = await flagger({ minRequests: "1000" });
    expect(status).toBe(412);
    expect(body.message).toMatch(/900 requests is below the minimum 1000 \(minRequests\)/);
  });

  it("fails for a workload with no traffic, under the default minRequests of 1", async () => {
    const { status, body } = await flagger({}, { name: "idle", namespace: "shop" });
    expect(status).toBe(412);
    expect(body.summary).toMatchObject({ requests: 0, successRate: null, p99Ms: null });
    expect(body.message).toMatch(/0 requests is below the minimum 1/);
  });

  it("passes an idle workload it has seen when minRequests is 0: that zero is a claim", async () => {
    const { status, body } = await flagger({ minRequests: "0" }, { name: "idle", namespace: "shop" });
    expect(status).toBe(200);
    expect(body.warnings).toEqual([]);
  });

  it.each([
    [
      "a misspelt name",
      { name: "idel", namespace: "shop" },
      /deployments shop\/idel has no series .*never seen; check the name/,
    ],
    [
      "a misspelt namespace",
      { name: "frontend", namespace: "shopp" },
      /namespace shopp has no series .*check the namespace and the name/,
    ],
  ])(
    "fails %s even with minRequests 0: a zero that may not mean idle never passes",
    async (_what, target, why) => {
      const { status, body } = await flagger({ minRequests: "0" }, target);
      expect(status).toBe(412);
      const check = body.checks.find((c: { name: string }) => c.name === "minRequests");
      expect(check).toMatchObject({ passed: false, observed: 0, limit: 0 });
      expect(check.reason).toMatch(/^0 requests, and this zero may not mean idle: /);
      expect(check.reason).toMatch(why);
    },
  );

  it("says in one sentence which side measured the numbers it judged", async () => {
    const workload = await flagger({ minSuccessRate: "90" });
    expect(workload.body.summary.side).toBe("server");
    expect(workload.body.message).toMatch(
      /^deployments\/api in payments over 5m \(measured at the server: leaves out requests that never reached it\) passed: /,
    );
    // Linkerd names a service only in its clients' outbound series, which count the requests that
    // failed before reaching api: the same 90% fails there.
    const service = await flagger({ kind: "services", resource: "payments-api", minSuccessRate: "90" });
    expect(service.status).toBe(412);
    expect(service.body.summary.side).toBe("client");
    expect(service.body.message).toMatch(
      /^services\/payments-api in payments over 5m \(measured at the client: includes requests that never reached the server\) failed: .*\(minSuccessRate\)$/,
    );
  });

  it("reports observed values without float noise", async () => {
    const { body } = await flagger({ minSuccessRate: "90" });
    const check = body.checks.find((c: { name: string }) => c.name === "minSuccessRate");
    expect(String(check.observed).replace(/^\d+\./, "").length).toBeLessThanOrEqual(9);
    expect(check.observed).toBe(Number(check.observed.toPrecision(9)));
  });

  it("measures the kind and resource the metadata names", async () => {
    const { status, body } = await flagger(
      { kind: "statefulsets", resource: "ledger", minRequests: "1" },
      { name: "primary" },
    );
    expect(status).toBe(200);
    expect(body.resource).toEqual({ kind: "statefulsets", namespace: "payments", name: "ledger" });
  });

  it("accepts the token in the query string, since Flagger cannot send headers", async () => {
    const noMetadataToken = await flagger(
      {},
      { metadata: { window: "5m", time: String(scenario.endS) } },
      `?token=${TOKEN}`,
    );
    expect(noMetadataToken.status).toBe(200);
  });

  it("answers 401 for a wrong token", async () => {
    const { status, body } = await flagger({ token: "wrong-token-wrong-token" });
    expect(status).toBe(401);
    expect(body).toMatchObject({ kind: "Status", reason: "Unauthorized" });
    expect(JSON.stringify(body)).not.toContain(TOKEN);
  });

  it.each([
    ["a body that is not JSON", "{not json"],
    [
      "a body without phase",
      JSON.stringify({ name: "api", namespace: "payments", metadata: { token: TOKEN } }),
    ],
    [
      "a non-numeric threshold",
      JSON.stringify({
        name: "api",
        namespace: "payments",
        phase: "x",
        metadata: { token: TOKEN, maxP99Ms: "fast" },
      }),
    ],
    [
      "an unknown metadata key",
      JSON.stringify({
        name: "api",
        namespace: "payments",
        phase: "x",
        metadata: { token: TOKEN, maxP95Ms: "5" },
      }),
    ],
    [
      "a bad window",
      JSON.stringify({
        name: "api",
        namespace: "payments",
        phase: "x",
        metadata: { token: TOKEN, window: "-1m" },
      }),
    ],
    [
      "an unserved kind",
      JSON.stringify({
        name: "api",
        namespace: "payments",
        phase: "x",
        metadata: { token: TOKEN, kind: "nodes" },
      }),
    ],
    [
      "a name with a quote",
      JSON.stringify({ name: 'a"b', namespace: "payments", phase: "x", metadata: { token: TOKEN } }),
    ],
  ])("answers 400 for %s, saying why", async (_what, body) => {
    const response = await api(httpEvent("POST", "/webhooks/flagger", { body }));
    const status = JSON.parse(response.body ?? "null");
    expect(response.statusCode).toBe(400);
    expect(status).toMatchObject({ kind: "Status", reason: "BadRequest" });
    expect(status.message.length).toBeGreaterThan(20);
  });
});

/** A number as the gate reports it: 9 significant digits, without float noise. */
const asReported = (value: number) => Number(value.toPrecision(9));
/** One unit in the 9th significant digit: the smallest step a threshold can take past a reported value. */
const lastDigitOf = (value: number) => 10 ** (Math.floor(Math.log10(value)) - 8);

/**
 * Every threshold with the value the gate observes for api, derived from the ground truth: at,
 * just below and just above it. `min` thresholds pass at or above the limit, `max` ones at or below.
 */
const BOUNDARIES = [
  { key: "minRequests", bound: "min", observed: apiTruth.success + apiTruth.failure, step: 1 },
  { key: "minSuccessRate", bound: "min", observed: asReported(apiSuccessRate) },
  { key: "maxP50Ms", bound: "max", observed: asReported(apiTruth.p50 as number) },
  { key: "maxP90Ms", bound: "max", observed: asReported(apiTruth.p90 as number) },
  { key: "maxP99Ms", bound: "max", observed: asReported(apiTruth.p99 as number) },
] as const;
const OFFSETS = [
  ["just below", -1],
  ["exactly at", 0],
  ["just above", 1],
] as const;

/** The threshold `offset` steps from the observed value, written as Flagger sends it. */
function limitAt({ observed, step }: { observed: number; step?: number }, offset: number): string {
  const unit = step ?? lastDigitOf(observed);
  return (observed + offset * unit).toFixed(Math.max(0, -Math.round(Math.log10(unit))));
}

/** The numbers a reason prints, in order (not the 99 of "p99"). */
const printedNumbers = (reason: string) =>
  [...reason.matchAll(/(?<![p\d.])\d+(?:\.\d+)?/g)].map((m) => Number(m[0]));

describe("the gate's percent field", () => {
  it.each([
    ["0.99", "99"],
    ["0.999", "99.9"],
    ["0.5", "50"],
  ])(
    "refuses minSuccessRate %s, a fraction, with a 400 that says the unit and suggests %s",
    async (value, meant) => {
      const { status, body } = await flagger({ minSuccessRate: value });
      expect(status).toBe(400);
      expect(body).toMatchObject({ kind: "Status", reason: "BadRequest" });
      expect(body.message).toContain(`minSuccessRate: a percentage from 0 to 100`);
      expect(body.message).toContain(`"${value}" is read as ${value}%; did you mean "${meant}"?`);
    },
  );

  it.each([
    ["0", 200],
    ["1", 200],
    ["99", 412],
  ])("reads minSuccessRate %s as percent and judges it", async (value, wanted) => {
    const { status, body } = await flagger({ minSuccessRate: value });
    expect(status).toBe(wanted);
    expect(body.checks.find((c: { name: string }) => c.name === "minSuccessRate")).toMatchObject({
      limit: Number(value),
      unit: "percent",
    });
  });

  it("refuses a percentage above 100, saying what is accepted", async () => {
    const { status, body } = await flagger({ minSuccessRate: "100.5" });
    expect(status).toBe(400);
    expect(body.message).toContain("minSuccessRate: a percentage from 0 to 100");
  });
});

describe("the gate's thresholds at their boundary, on a real Prometheus", () => {
  it.each(BOUNDARIES.flatMap((b) => OFFSETS.map(([where, offset]) => [b.key, where, b, offset] as const)))(
    "judges %s with a limit %s the observed value",
    async (key, _where, boundary, offset) => {
      const limit = limitAt(boundary, offset);
      // Equality passes: a minimum is met by the value itself, and so is a maximum.
      const passes = boundary.bound === "min" ? offset <= 0 : offset >= 0;
      const { status, body } = await flagger({ [key]: limit });
      const check = body.checks.find((c: { name: string }) => c.name === key);
      expect(check).toMatchObject({ observed: boundary.observed, limit: Number(limit), passed: passes });
      expect(status).toBe(passes ? 200 : 412);
      // The reason's printed numbers say the same as the verdict, however close they are.
      const [shown, shownLimit] = printedNumbers(check.reason) as [number, number];
      expect(shownLimit, check.reason).toBe(Number(limit));
      expect(boundary.bound === "min" ? shown >= shownLimit : shown <= shownLimit, check.reason).toBe(passes);
    },
  );
});

describe("plain-number summary on a real Prometheus", () => {
  const path = `/summary/namespaces/payments/deployments/api?t=5m&time=${scenario.endS}`;
  const withToken = { headers: { authorization: `Bearer ${API_TOKEN}` } };

  it("returns numbers equal to the ground truth", async () => {
    const response = await api(httpEvent("GET", path, withToken));
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body ?? "null");
    expect(body.requests).toBeCloseTo(900, 6);
    expect(body.successCount).toBeCloseTo(apiTruth.success, 6);
    expect(body.failureCount).toBeCloseTo(apiTruth.failure, 6);
    expect(body.successRate).toBeCloseTo(apiTruth.success / 900, 9);
    expect(body.requestRate).toBeCloseTo(3, 9);
    for (const q of ["p50", "p90", "p99"] as const) {
      const want = apiTruth[q] as number;
      expect(Math.abs(body[`${q}Ms`] - want) / want).toBeLessThanOrEqual(0.0002);
    }
    expect(body.window).toBe("5m");
    expect(body.timestamp).toBe("2025-11-24T16:15:00Z");
    expect(typeof body.p99Ms).toBe("number");
  });

  it("summarizes a namespace at /summary/namespaces/{name}, as the SMI path names it", async () => {
    const at = `t=5m&time=${scenario.endS}`;
    const response = await api(httpEvent("GET", `/summary/namespaces/payments?${at}`, withToken));
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body ?? "null");
    const truth = namespaceTruth(scenario, "payments", 300, "linkerd");
    expect(body.requests).toBeGreaterThan(0);
    expect(body.successCount).toBeCloseTo(truth.success, 6);
    expect(body.failureCount).toBeCloseTo(truth.failure, 6);
  });

  it("says which side measured the numbers", async () => {
    const response = await api(httpEvent("GET", path, withToken));
    expect(JSON.parse(response.body ?? "null")).toMatchObject({ requests: 900, side: "server" });
  });

  it("returns null rates and latencies without traffic", async () => {
    const response = await api(
      httpEvent("GET", `/summary/namespaces/shop/deployments/idle?time=${scenario.endS}`, withToken),
    );
    expect(JSON.parse(response.body ?? "null")).toMatchObject({
      requests: 0,
      successRate: null,
      requestRate: null,
      p50Ms: null,
      p90Ms: null,
      p99Ms: null,
    });
  });

  it("returns 401 without the token", async () => {
    const response = await api(httpEvent("GET", path));
    expect(response.statusCode).toBe(401);
    const wrong = await api(httpEvent("GET", path, { headers: { authorization: "Bearer nope" } }));
    expect(wrong.statusCode).toBe(401);
  });

  it("returns 400 for a bad name and 404 for an unserved kind", async () => {
    expect(
      (await api(httpEvent("GET", "/summary/namespaces/payments/deployments/a%22b", withToken))).statusCode,
    ).toBe(400);
    expect((await api(httpEvent("GET", "/summary/namespaces/payments/nodes/x", withToken))).statusCode).toBe(
      404,
    );
  });
});
