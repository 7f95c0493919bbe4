import { createServer, request, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkerdSeries } from "../../src/dev/linkerd-series";
import { freePort, type RunningPrometheus } from "../../src/dev/prometheus-server";
import { defaultScenario } from "../../src/dev/scenario";
import type { ApiHandler } from "../../src/http/api-handler";
import { READINESS_BUDGET_MS } from "../../src/metrics/readiness";
import { findWorkload, workloadTruth } from "../support/ground-truth";
import { apiFor, call, httpEvent, scenarioPrometheus } from "../support/harness";
import { expectMatchesTruth } from "../support/smi-assert";

const scenario = defaultScenario();
const TENANT = "team-a";
const TOKEN = "gateway-bearer-token-42";
let prometheus: RunningPrometheus;
const servers: Server[] = [];

/**
 * A gateway in front of the real Prometheus, like Mimir's or a corporate proxy: it demands a
 * tenant header and credentials, and can drop the first connection it sees.
 */
async function gateway(options: {
  require: (headers: Record<string, string | string[] | undefined>) => boolean;
  dropFirst?: boolean;
}) {
  let dropped = false;
  const target = new URL(prometheus.url);
  const server = createServer((req, res) => {
    if (options.dropFirst && !dropped) {
      dropped = true;
      (req.socket as Socket).destroy();
      return;
    }
    if (!options.require(req.headers)) {
      res.writeHead(401, { "content-type": "text/plain" });
      res.end("missing tenant or credentials");
      return;
    }
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        path: req.url,
        method: req.method,
        headers: { "content-type": req.headers["content-type"] ?? "" },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The api a deployment with `env` runs, with its answer cache off so each request reaches the backend. */
const apiOf = (env: Record<string, string>): ApiHandler =>
  apiFor({ CACHE_TTL: "0", ...env }, { log: () => {} });

beforeAll(async () => {
  // A real Prometheus that lives under /prometheus, as Mimir's API does.
  prometheus = await scenarioPrometheus(scenario, linkerdSeries, "/prometheus");
}, 60_000);
afterAll(async () => {
  for (const server of servers) server.close();
  await prometheus?.stop();
});

const path = `/apis/metrics.smi-spec.io/v1alpha2/namespaces/payments/deployments/api?t=5m&time=${scenario.endS}`;
const truth = () => workloadTruth(scenario, findWorkload(scenario, "payments", "api"), 300);

describe("Prometheus-compatible backends", () => {
  it("serves correct numbers through a path prefix, a tenant header and a bearer token", async () => {
    const url = await gateway({
      require: (h) => h["x-scope-orgid"] === TENANT && h.authorization === `Bearer ${TOKEN}`,
    });
    const api = apiOf({
      PROMETHEUS_URL: `${url}/prometheus`,
      PROMETHEUS_HEADERS: JSON.stringify({ "X-Scope-OrgID": TENANT }),
      PROMETHEUS_BEARER_TOKEN: TOKEN,
    });
    const { status, body } = await call(api, path);
    expect(status).toBe(200);
    expectMatchesTruth(body, truth(), "through the gateway");
  });

  it("turns user:pass@ in PROMETHEUS_URL into basic auth, and keeps it out of messages", async () => {
    const basic = `Basic ${Buffer.from("reader:s3cret pass").toString("base64")}`;
    const url = await gateway({ require: (h) => h.authorization === basic });
    const { status, body } = await call(
      apiOf({ PROMETHEUS_URL: `${url.replace("//", "//reader:s3cret%20pass@")}/prometheus` }),
      path,
    );
    expect(status).toBe(200);
    expectMatchesTruth(body, truth(), "basic auth");
    const refused = await call(
      apiOf({ PROMETHEUS_URL: `${url.replace("//", "//reader:wrong@")}/prometheus` }),
      path,
    );
    expect(refused.status).toBe(502);
    expect(refused.body.message).toMatch(/refused the request \(HTTP 401\)/);
    expect(JSON.stringify(refused.body)).not.toContain("wrong");
  });

  it("signs queries with SigV4 for AMP, credentials from the default provider chain", async () => {
    const signed =
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/aps\/aws4_request, SignedHeaders=[a-z0-9;-]*content-type;host;x-amz-date[a-z0-9;-]*, Signature=[0-9a-f]{64}$/;
    const url = await gateway({
      require: (h) => signed.test(String(h.authorization)) && typeof h["x-amz-date"] === "string",
    });
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    // The default chain reads the environment first, as it does in Lambda.
    process.env.AWS_ACCESS_KEY_ID = "AKIDEXAMPLE";
    process.env.AWS_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    try {
      const { status, body } = await call(
        apiOf({ PROMETHEUS_URL: `${url}/prometheus`, PROMETHEUS_SIGV4_REGION: "eu-west-1" }),
        path,
      );
      expect(status).toBe(200);
      expectMatchesTruth(body, truth(), "SigV4");
    } finally {
      for (const [key, value] of [
        ["AWS_ACCESS_KEY_ID", saved.id],
        ["AWS_SECRET_ACCESS_KEY", saved.secret],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  it("answers a clear 502 Status when the gateway refuses missing credentials", async () => {
    const url = await gateway({ require: (h) => h.authorization === `Bearer ${TOKEN}` });
    const { status, body } = await call(apiOf({ PROMETHEUS_URL: `${url}/prometheus` }), path);
    expect(status).toBe(502);
    expect(body.message).toMatch(
      /Prometheus refused the request \(HTTP 401\): missing tenant or credentials/,
    );
  });
});

describe("faults", () => {
  it("retries a dropped connection and still answers correctly", async () => {
    const url = await gateway({ require: () => true, dropFirst: true });
    const { status, body } = await call(apiOf({ PROMETHEUS_URL: `${url}/prometheus` }), path);
    expect(status).toBe(200);
    expectMatchesTruth(body, truth(), "after a dropped connection");
  });

  it("answers a 503 Status before the Lambda deadline when the backend is down", async () => {
    const port = await freePort();
    const api = apiOf({ PROMETHEUS_URL: `http://127.0.0.1:${port}`, PROMETHEUS_RETRY_ATTEMPTS: "4" });
    const started = Date.now();
    const remaining = 3_000;
    const response = await api(httpEvent("GET", path), {
      getRemainingTimeInMillis: () => remaining - (Date.now() - started),
    });
    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body ?? "")).toMatchObject({ kind: "Status", reason: "ServiceUnavailable" });
    expect(Date.now() - started).toBeLessThan(remaining);
  });

  it("answers a 504 Status inside the deadline when the backend hangs", async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    servers.push(silent);
    const api = apiOf({ PROMETHEUS_URL: `http://127.0.0.1:${(silent.address() as AddressInfo).port}` });
    const started = Date.now();
    const response = await api(httpEvent("GET", path), { getRemainingTimeInMillis: () => 1_500 });
    expect(response.statusCode).toBe(504);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it("answers /readyz within its own short budget when the backend hangs, whatever the query timeout", async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    servers.push(silent);
    const api = apiOf({
      PROMETHEUS_URL: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
      PROMETHEUS_TIMEOUT_MS: "300000",
    });
    const started = Date.now();
    const response = await api(httpEvent("GET", "/readyz"), { getRemainingTimeInMillis: () => 28_500 });
    const elapsed = Date.now() - started;
    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body ?? "").message).toMatch(/did not answer within \d+ ms/);
    // A probe's answer, not the 28.5 s the request could have had.
    expect(elapsed).toBeGreaterThanOrEqual(READINESS_BUDGET_MS - 50);
    expect(elapsed).toBeLessThan(READINESS_BUDGET_MS + 2_000);
  }, 10_000);
});
