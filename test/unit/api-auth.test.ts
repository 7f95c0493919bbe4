import { describe, expect, it } from "vitest";
import { BackendTimeoutError } from "../../src/errors/backend-errors";
import { createApiHandler } from "../../src/http/api-handler";
import type { RequestLog } from "../../src/http/request-log";
import { createLinkerdAdapter } from "../../src/mesh/linkerd";
import { httpEvent, testContext } from "../support/harness";
import { RecordingEngine } from "../support/recording-engine";

const API_TOKEN = "api-token-0123456789abcdef";
const WEBHOOK_TOKEN = "webhook-token-0123456789ab";

function setup(
  apiAuth: { mode: "iam" | "jwt" | "none"; token?: string } = { mode: "none", token: API_TOKEN },
) {
  const logs: RequestLog[] = [];
  const engine = new RecordingEngine();
  const context = testContext(
    { engine, mesh: createLinkerdAdapter(), backendDescription: "prometheus at https://prometheus.example" },
    {
      API_AUTH: apiAuth.mode,
      ...(apiAuth.token === undefined ? {} : { API_TOKEN: apiAuth.token }),
      WEBHOOK_TOKEN,
    },
  );
  const api = createApiHandler(context, { log: (entry) => logs.push(entry) });
  return { api, engine, logs };
}

const smi = "/apis/metrics.smi-spec.io/v1alpha2/namespaces/shop/deployments/web";
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

describe("API authentication with API_TOKEN", () => {
  it("answers a 401 Status without the token and 200 with it", async () => {
    const { api, engine } = setup();
    const denied = await api(httpEvent("GET", smi));
    expect(denied.statusCode).toBe(401);
    expect(JSON.parse(denied.body ?? "")).toMatchObject({
      kind: "Status",
      reason: "Unauthorized",
      code: 401,
    });
    expect(engine.queries).toEqual([]);
    expect((await api(httpEvent("GET", smi, bearer("wrong-token-000000000000")))).statusCode).toBe(401);
    expect((await api(httpEvent("GET", smi, bearer(API_TOKEN)))).statusCode).toBe(200);
  });

  it("opens the summary with the API token only: one lock per route", async () => {
    const { api } = setup();
    const summary = "/summary/namespaces/shop/deployments/web";
    expect((await api(httpEvent("GET", summary))).statusCode).toBe(401);
    expect((await api(httpEvent("GET", summary, bearer(API_TOKEN)))).statusCode).toBe(200);
    expect((await api(httpEvent("GET", summary, bearer(WEBHOOK_TOKEN)))).statusCode).toBe(401);
  });

  it("serves discovery without a token: it names only the kinds the mesh serves", async () => {
    const { api, engine } = setup();
    for (const path of ["/apis/metrics.smi-spec.io", "/apis/metrics.smi-spec.io/v1alpha1/"]) {
      expect((await api(httpEvent("GET", path))).statusCode, path).toBe(200);
    }
    expect(engine.queries).toEqual([]);
  });

  it.each(["iam", "jwt"] as const)(
    "lets the gateway's %s authorizer alone decide, whatever the Authorization header carries",
    async (mode) => {
      const { api } = setup({ mode });
      const gatewayHeader =
        mode === "jwt"
          ? bearer("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")
          : {
              headers: {
                authorization:
                  "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261125/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc",
              },
            };
      expect((await api(httpEvent("GET", smi, gatewayHeader))).statusCode).toBe(200);
      expect(
        (await api(httpEvent("GET", "/summary/namespaces/shop/deployments/web", gatewayHeader))).statusCode,
      ).toBe(200);
      // The Flagger webhook keeps its own token under every mode.
      const gate = { body: JSON.stringify({ name: "web", namespace: "shop", phase: "Progressing" }) };
      expect((await api(httpEvent("POST", "/webhooks/flagger", gate))).statusCode).toBe(401);
      expect(
        (await api(httpEvent("POST", `/webhooks/flagger?token=${WEBHOOK_TOKEN}`, gate))).statusCode,
      ).toBe(412);
    },
  );

  it("turns a deployed Flagger webhook without WEBHOOK_TOKEN off with a 403, instead of leaving it open", async () => {
    const context = testContext(
      { engine: new RecordingEngine(), mesh: createLinkerdAdapter(), backendDescription: "test" },
      { API_AUTH: "iam", AWS_LAMBDA_FUNCTION_NAME: "smi-traffic-metrics-dev-api" },
    );
    const api = createApiHandler(context, { log: () => {} });
    const gate = { body: JSON.stringify({ name: "web", namespace: "shop", phase: "Progressing" }) };
    const response = await api(httpEvent("POST", "/webhooks/flagger", gate));
    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body ?? "")).toMatchObject({ reason: "Forbidden", code: 403 });
    expect(JSON.parse(response.body ?? "").message).toMatch(/set one to turn it on/i);
  });

  it("keeps /healthz open and free of secrets", async () => {
    const { api } = setup();
    const response = await api(httpEvent("GET", "/healthz"));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? "")).toEqual({
      status: "ok",
      mesh: "linkerd",
      backend: "prometheus at https://prometheus.example",
    });
  });

  it("logs one structured line per request, with no token in it", async () => {
    const { api, logs } = setup();
    await api(httpEvent("GET", `${smi}?t=5m`, bearer(API_TOKEN)));
    await api(httpEvent("GET", smi, bearer("a-guess-0000000000000000")));
    await api(httpEvent("POST", `/webhooks/flagger?token=${WEBHOOK_TOKEN}`, { body: "{}" }));
    expect(logs).toHaveLength(3);
    // The joined query, and the diagnosis of its zero (the recording engine answers nothing).
    expect(logs[0]).toMatchObject({ method: "GET", path: smi, status: 200, roundTrips: 2, cache: "miss" });
    expect(typeof logs[0]?.durationMs).toBe("number");
    expect(logs[1]).toMatchObject({ status: 401 });
    const text = JSON.stringify(logs);
    for (const secret of [API_TOKEN, WEBHOOK_TOKEN, "a-guess-0000000000000000"])
      expect(text).not.toContain(secret);
  });
});

describe("The request log", () => {
  it("counts the round trips Prometheus answered before a query timed out", async () => {
    const logs: RequestLog[] = [];
    const engine = new RecordingEngine();
    const answerOnce = engine.instantQuery.bind(engine);
    // The joined query answers nothing; the zero's diagnosis then times out.
    engine.instantQuery = async (query, time) => {
      if (engine.queries.length === 0) return answerOnce(query, time);
      throw new BackendTimeoutError("prometheus", "https://prometheus.example", 1000);
    };
    const context = testContext({
      engine,
      mesh: createLinkerdAdapter(),
      backendDescription: "prometheus at https://prometheus.example",
    });
    const api = createApiHandler(context, { log: (entry) => logs.push(entry) });
    expect((await api(httpEvent("GET", smi))).statusCode).toBe(504);
    expect(logs[0]).toMatchObject({ status: 504, roundTrips: 1 });
  });
});
