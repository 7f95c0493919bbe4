import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { createContext } from "../../src/config/context";
import { loadConfig } from "../../src/config/settings";
import { freePort } from "../../src/dev/prometheus-server";
import {
  BackendResponseError,
  BackendTimeoutError,
  BackendUnreachableError,
} from "../../src/errors/backend-errors";
import { createLinkerdAdapter } from "../../src/mesh/linkerd";
import { measure } from "../../src/metrics/measure";
import {
  PrometheusClient,
  type PrometheusClientOptions,
  type QueryOptions,
} from "../../src/prometheus/client";
import { parseSampleValue, VectorResultSchema } from "../../src/prometheus/envelope";
import { eq } from "../../src/prometheus/promql";
import { apiOver, call } from "../support/harness";
import { sendJson, stubServer, vector } from "../support/stub-server";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});
async function stub(handle: Parameters<typeof stubServer>[0]) {
  const server = await stubServer(handle);
  closers.push(server.close);
  return server;
}
const time = new Date("2026-11-25T20:00:00Z");
/** The error a query fails with; a query that succeeds fails the test. */
function queryError(
  baseUrl: string,
  options: Partial<PrometheusClientOptions> = {},
  query: QueryOptions = {},
): Promise<Error & Record<string, unknown>> {
  return new PrometheusClient({ baseUrl, timeoutMs: 2000, ...options }).instantQuery("x", time, query).then(
    (result) => {
      throw new Error(`expected the query to fail, it answered ${JSON.stringify(result)}`);
    },
    (error) => error,
  );
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("parseSampleValue", () => {
  it.each([
    ["NaN", Number.NaN],
    ["+Inf", Infinity],
    ["-Inf", -Infinity],
    ["1e-07", 1e-7],
    ["3.5E+2", 350],
    ["-0.25", -0.25],
    ["42", 42],
  ])("reads %s", (text, value) => {
    expect(parseSampleValue(text)).toEqual(value);
  });

  it.each(["", " ", "0x10", "1,5", "Infinity", "abc", "toString", "constructor"])(
    "rejects %j instead of reading it as a number",
    (text) => {
      expect(parseSampleValue(text)).toBeUndefined();
    },
  );
});

describe("PrometheusClient", () => {
  it("POSTs the query form-encoded to /api/v1/query with time and timeout", async () => {
    const server = await stub((_req, res) => sendJson(res, 200, vector([])));
    const client = new PrometheusClient({ baseUrl: `${server.url}/prefix/`, timeoutMs: 2000 });
    await client.instantQuery('up{job="a b"}', time);
    const [request] = server.requests;
    expect(request?.method).toBe("POST");
    expect(request?.url).toBe("/prefix/api/v1/query");
    expect(request?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    const form = new URLSearchParams(request?.body);
    expect(form.get("query")).toBe('up{job="a b"}');
    expect(form.get("time")).toBe("1795636800.000");
    expect(form.get("timeout")).toBe("2000ms");
  });

  it("maps NaN, +Inf and exponent sample strings and keeps warnings", async () => {
    const server = await stub((_req, res) =>
      sendJson(
        res,
        200,
        vector(
          [
            { metric: { a: "1" }, value: [1, "NaN"] },
            { metric: { a: "2" }, value: [1, "+Inf"] },
            { metric: { a: "3" }, value: [1, "-Inf"] },
            { metric: { a: "4" }, value: [1, "1e-07"] },
          ],
          ["partial response"],
        ),
      ),
    );
    const result = await new PrometheusClient({ baseUrl: server.url, timeoutMs: 2000 }).instantQuery(
      "x",
      time,
    );
    expect(result.samples.map((s) => s.value[1])).toEqual([Number.NaN, Infinity, -Infinity, 1e-7]);
    expect(result.warnings).toEqual(["partial response"]);
  });

  it("raises a response error with Prometheus' errorType for a 422", async () => {
    const server = await stub((_req, res) =>
      sendJson(res, 422, {
        status: "error",
        errorType: "execution",
        error: "many-to-many matching not allowed",
      }),
    );
    const error = await queryError(server.url);
    expect(error).toBeInstanceOf(BackendResponseError);
    expect(error).toMatchObject({ status: 422, errorType: "execution" });
    expect(error.message).toContain("many-to-many matching not allowed");
  });

  it("does not parse an HTML 502 from a proxy as JSON, and says what came back", async () => {
    const server = await stub((_req, res) => {
      res.writeHead(502, { "content-type": "text/html" });
      res.end("<html><body><h1>502 Bad Gateway</h1></body></html>");
    });
    const error = await queryError(server.url);
    expect(error).toBeInstanceOf(BackendResponseError);
    expect(error.status).toBe(502);
    expect(error.message).toMatch(/non-JSON body \(text\/html\): 502 Bad Gateway/);
  });

  it.each([
    ["a body that is not an envelope", { hello: "world" }],
    ["a sample value that is not a number", vector([{ metric: {}, value: [1, "fast"] }])],
    [
      "a matrix where a vector was expected",
      { status: "success", data: { resultType: "matrix", result: [] } },
    ],
  ])("raises a response error for %s", async (_what, body) => {
    const server = await stub((_req, res) => sendJson(res, 200, body));
    const error = await queryError(server.url);
    expect(error).toBeInstanceOf(BackendResponseError);
  });

  it("hands samples to onSample as their chunks arrive, before the body is complete", async () => {
    let finish: () => void = () => {};
    const server = await stub(async (_req, res) => {
      const item = (pod: string) => JSON.stringify({ metric: { pod }, value: [1, "2.5"] });
      res.writeHead(200, { "content-type": "application/json" });
      res.write(`{"status":"success","data":{"resultType":"vector","result":[${item("a")},`);
      await new Promise<void>((resolve) => {
        finish = resolve;
      });
      res.end(`${item("b")}]},"warnings":["late"]}`);
    });
    const seen: string[] = [];
    const result = await new PrometheusClient({ baseUrl: server.url, timeoutMs: 2000 }).instantQuery(
      "x",
      time,
      {
        onSample: (sample) => {
          seen.push(`${sample.metric.pod}=${sample.value[1]}`);
          finish();
        },
      },
    );
    expect(seen).toEqual(["a=2.5", "b=2.5"]);
    expect(result.samples).toEqual([]);
    expect(result.warnings).toEqual(["late"]);
  });

  it("raises the error onSample throws, not a transport or shape error", async () => {
    const server = await stub((_req, res) => sendJson(res, 200, vector([{ metric: {}, value: [1, "-1"] }])));
    const refusal = new Error("negative count");
    const error = await queryError(
      server.url,
      {},
      {
        onSample: () => {
          throw refusal;
        },
      },
    );
    expect(error).toBe(refusal);
  });

  it("names the first item of the result that is not a sample", async () => {
    const good = { metric: { pod: "a" }, value: [1, "1"] };
    const server = await stub((_req, res) =>
      sendJson(res, 200, {
        status: "success",
        data: { resultType: "vector", result: [good, good, { metric: {} }] },
      }),
    );
    const error = await queryError(server.url);
    expect(error).toBeInstanceOf(BackendResponseError);
    expect(error.message).toContain("data.result.2: expected {metric:");
  });

  it("says a scalar came back where a vector was expected", async () => {
    const server = await stub((_req, res) =>
      sendJson(res, 200, { status: "success", data: { resultType: "scalar", result: [1, "3"] } }),
    );
    const error = await queryError(server.url);
    expect(error).toBeInstanceOf(BackendResponseError);
    expect(error.message).toContain("answered a scalar where a vector was expected");
  });

  it("refuses a partial answer (a VictoriaMetrics cluster's isPartial), instant and range alike", async () => {
    const server = await stub((req, res) =>
      sendJson(res, 200, {
        ...(req.url.endsWith("/query_range")
          ? { status: "success", data: { resultType: "matrix", result: [] } }
          : vector([{ metric: { pod: "a" }, value: [1, "1"] }])),
        isPartial: true,
      }),
    );
    const partial =
      /^Prometheus answered a partial response \(isPartial: true\): some of its storage nodes did not answer/;
    const error = await queryError(server.url);
    expect(error).toBeInstanceOf(BackendResponseError);
    expect(error.message).toMatch(partial);
    const client = new PrometheusClient({ baseUrl: server.url, timeoutMs: 2000 });
    await expect(client.rangeQuery("x", { start: time, end: time, stepMs: 60_000 })).rejects.toThrow(partial);
  });

  it("asks for gzip and reads a gzip body sent in pieces, as a real Prometheus sends one", async () => {
    const result = Array.from({ length: 3000 }, (_, i) => ({
      metric: { pod: `app-${i >> 4}`, le: String(i % 16) },
      value: [1764000120, String(i / 8)] as [number, string],
    }));
    const gzipped = gzipSync(JSON.stringify(vector(result, ["w"])));
    const server = await stub(async (_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      for (let i = 0; i < gzipped.length; i += 997) {
        res.write(gzipped.subarray(i, i + 997));
        await sleep(0);
      }
      res.end();
    });
    const answer = await new PrometheusClient({ baseUrl: server.url, timeoutMs: 5000 }).instantQuery(
      "x",
      time,
    );
    expect(server.requests[0]?.headers["accept-encoding"]).toBe("gzip");
    expect(answer.samples).toEqual(
      result.map((r) => ({ metric: r.metric, value: [r.value[0], Number(r.value[1])] })),
    );
    expect(answer.warnings).toEqual(["w"]);
  });

  it("raises an unreachable error when a gzip body breaks off", async () => {
    const gzipped = gzipSync(JSON.stringify(vector([{ metric: { pod: "a" }, value: [1, "2"] }])));
    const server = await stub((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      res.write(gzipped.subarray(0, gzipped.length >> 1));
      setTimeout(() => res.socket?.destroy(), 20);
    });
    expect(await queryError(server.url)).toBeInstanceOf(BackendUnreachableError);
  });

  it("says a body that is not the gzip it claims to be is malformed, not a transport failure", async () => {
    const server = await stub((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      res.end('{"status":"success"}');
    });
    const error = await queryError(server.url);
    expect(error).toBeInstanceOf(BackendResponseError);
  });

  it("raises an unreachable error when the connection drops in the middle of the body", async () => {
    const server = await stub((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"status":"success","data":{"resultType":"vector","result":[{"metric":');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const error = await queryError(server.url);
    expect(error).toBeInstanceOf(BackendUnreachableError);
  });

  it("raises a timeout error when the body stops arriving past the timeout", async () => {
    const server = await stub((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"status":"success","data":{"resultType":"vector","result":[');
    });
    const error = await queryError(server.url, { timeoutMs: 300 });
    expect(error).toBeInstanceOf(BackendTimeoutError);
  });

  it("keeps to the deadline while reading the body of a 503 that stalls", async () => {
    const server = await stub((_req, res) => {
      res.writeHead(503, { "content-type": "text/plain", "content-length": "1000" });
      res.write("overloaded");
    });
    const error = await queryError(server.url, {
      timeoutMs: 300,
      retry: { attempts: 1, baseDelayMs: 1 },
    });
    // Without the deadline on the body, this read would hang past the test's own time-out.
    expect(error).toBeInstanceOf(BackendTimeoutError);
  });

  it("does not read an error body past 1 MiB", async () => {
    const server = await stub((_req, res) => {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end("x".repeat(2 * 1024 * 1024));
    });
    const error = await queryError(server.url);
    expect(error).toBeInstanceOf(BackendResponseError);
    expect(error.message).toContain("with a body over 1048576 bytes");
  });

  it("counts the samples of a result key written with escapes", async () => {
    const server = await stub((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        '{"status":"success","data":{"resultType":"vector","r\\u0065sult":[{"metric":{"pod":"a"},"value":[1,"5"]}]}}',
      );
    });
    const result = await new PrometheusClient({ baseUrl: server.url, timeoutMs: 2000 }).instantQuery(
      "x",
      time,
    );
    expect(result.samples).toEqual([{ metric: { pod: "a" }, value: [1, 5] }]);
  });

  it("passes on a SyntaxError thrown by onSample as the caller's, not as malformed JSON", async () => {
    const server = await stub((_req, res) => sendJson(res, 200, vector([{ metric: {}, value: [1, "1"] }])));
    const own = new SyntaxError("caller's own parse failed");
    const error = await queryError(
      server.url,
      {},
      {
        onSample: () => {
          throw own;
        },
      },
    );
    expect(error).toBe(own);
  });

  it("raises a response error for malformed JSON", async () => {
    const server = await stub((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"status": "succ');
    });
    const error = await queryError(server.url);
    expect(error).toBeInstanceOf(BackendResponseError);
    expect(error.message).toMatch(/malformed JSON/);
  });

  it.each([
    [503, BackendUnreachableError, /HTTP 503/],
    [504, BackendTimeoutError, /timed out: HTTP 504 .*\(the query had 2000 ms\)/],
  ] as const)(
    "lets a proxy's HTTP %i decide, even with a JSON content type and a body cut short",
    async (status, type, message) => {
      const server = await stub((_req, res) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end('{"status": "err');
      });
      const error = await queryError(server.url, { retry: { attempts: 1, baseDelayMs: 1 } });
      expect(error).toBeInstanceOf(type);
      expect(error.message).toMatch(message);
    },
  );

  it("says how long the query had, not the configured timeout, when it runs out of time", async () => {
    const server = await stub(() => new Promise(() => {}));
    const error = await queryError(server.url, { timeoutMs: 5000 }, { deadline: Date.now() + 300 });
    expect(error).toBeInstanceOf(BackendTimeoutError);
    expect(error.message).toMatch(/did not answer within (2\d\d|300) ms/);
    const gateway = await stub((_req, res) =>
      sendJson(res, 504, { status: "error", errorType: "timeout", error: "query timed out" }),
    );
    const late = await queryError(gateway.url, { timeoutMs: 5000 }, { deadline: Date.now() + 1500 });
    expect(late).toBeInstanceOf(BackendTimeoutError);
    expect(late.message).toMatch(/timed out: \(timeout\) query timed out \(the query had 1\d\d\d ms\)/);
  });

  it.each([
    ["1", 1, 503],
    ["3", 3, 200],
  ])(
    "retries a 503 from Consul's metrics proxy as PROMETHEUS_RETRY_ATTEMPTS=%s says",
    async (attempts, requests, outcome) => {
      const server = await stub((_req, res) =>
        server.requests.length < 3 ? sendJson(res, 503, {}) : sendJson(res, 200, vector([])),
      );
      const { engine } = createContext(
        loadConfig({ MESH: "consul", CONSUL_HTTP_ADDR: server.url, PROMETHEUS_RETRY_ATTEMPTS: attempts }),
      );
      const result = await engine.instantQuery("x", time).then(
        () => 200,
        (error: BackendUnreachableError) => (/HTTP 503/.test(error.message) ? 503 : 0),
      );
      expect(result).toBe(outcome);
      expect(server.requests).toHaveLength(requests);
      expect(server.requests[0]?.url).toBe("/v1/internal/ui/metrics-proxy/api/v1/query");
    },
  );

  it("raises an unreachable error when nothing listens", async () => {
    const port = await freePort();
    const error = await queryError(`http://127.0.0.1:${port}`);
    expect(error).toBeInstanceOf(BackendUnreachableError);
    expect(error.message).toContain("ECONNREFUSED");
  });

  it("raises a timeout error when the backend stays silent past the timeout", async () => {
    const server = await stub(() => new Promise(() => {}));
    const error = await queryError(server.url, { timeoutMs: 200 });
    expect(error).toBeInstanceOf(BackendTimeoutError);
  });

  it("never puts credentials from the URL into error messages", async () => {
    const port = await freePort();
    const error = await queryError(`http://user:s3cret@127.0.0.1:${port}`);
    expect(error.message).not.toContain("s3cret");
  });
});

describe("measure over two queries", () => {
  it("closes the other query's connection when one query fails, and raises the failure", async () => {
    let latencyClosed: () => void = () => {};
    const closed = new Promise<void>((resolve) => {
      latencyClosed = resolve;
    });
    const server = await stub((req, res) => {
      if (new URLSearchParams(req.body).get("query")?.includes("increase(")) {
        sendJson(res, 422, { status: "error", errorType: "execution", error: "counts failed" });
        return;
      }
      res.on("close", latencyClosed);
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"status":"success","data":{"resultType":"vector","result":[');
    });
    const view = createLinkerdAdapter().resourceView("pods");
    const error = await measure(new PrometheusClient({ baseUrl: server.url, timeoutMs: 60_000 }), {
      family: view.family,
      scope: [eq("namespace", "shop")],
      groupBy: { namespace: view.self.namespace, names: [view.self.name] },
      windowMs: 60_000,
      time,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(BackendResponseError);
    expect(error.message).toContain("counts failed");
    // Long before the query's own 60 s timeout: the stalled latency query was given up, not waited out.
    await expect(Promise.race([closed.then(() => "closed"), sleep(20_000).then(() => "open")])).resolves.toBe(
      "closed",
    );
  }, 30_000);
});

describe("backend failures as Status answers", () => {
  const path = "/apis/metrics.smi-spec.io/v1alpha1/namespaces/shop/deployments/web";

  type Handle = Parameters<typeof stubServer>[0];
  const cases: [number, string, string, Handle][] = [
    [
      502,
      "Prometheus answers 422",
      "BadGateway",
      (_req, res) => sendJson(res, 422, { status: "error", errorType: "execution", error: "boom" }),
    ],
    [
      502,
      "a proxy answers an HTML 502",
      "BadGateway",
      (_req, res) => {
        res.writeHead(502, { "content-type": "text/html" });
        res.end("<h1>Bad Gateway</h1>");
      },
    ],
    [504, "Prometheus is silent past the timeout", "Timeout", () => new Promise<void>(() => {})],
  ];
  it.each(cases)("returns a %i Status when %s", async (code, _what, reason, handle) => {
    const server = await stub(handle);
    const api = apiOver(
      new PrometheusClient({ baseUrl: server.url, timeoutMs: 300 }),
      createLinkerdAdapter(),
    );
    const { status, body } = await call(api, path);
    expect(status).toBe(code);
    expect(body).toMatchObject({ kind: "Status", code, reason });
    expect(body.metrics).toBeUndefined();
  });

  it("returns a 503 Status when Prometheus is down", async () => {
    const port = await freePort();
    const api = apiOver(
      new PrometheusClient({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 2000 }),
      createLinkerdAdapter(),
    );
    const { status, body } = await call(api, path);
    expect(status).toBe(503);
    expect(body).toMatchObject({ kind: "Status", reason: "ServiceUnavailable", code: 503 });
    expect(body.message).toMatch(/unreachable/);
  });

  it("passes backend warnings on as Warning headers", async () => {
    const server = await stub((_req, res) =>
      sendJson(res, 200, vector([], ["partial response: store-2 down"])),
    );
    const api = apiOver(
      new PrometheusClient({ baseUrl: server.url, timeoutMs: 2000 }),
      createLinkerdAdapter(),
    );
    const { status, headers } = await call(api, path);
    expect(status).toBe(200);
    // The backend's own first; then, since the stub answers nothing, why that zero may not mean idle.
    expect(headers.warning).toMatch(
      /^299 - "partial response: store-2 down", 299 - "test has no series of response_total/,
    );
  });
});

describe("query concurrency", () => {
  /**
   * The stub holds every answer until the expected number of queries are in flight at once (or a
   * safety limit passes). A client that queried one after another would never get there.
   */
  async function maxInFlight(path: string, expected: number) {
    let inFlight = 0;
    let max = 0;
    const waiting: (() => void)[] = [];
    const server = await stub(async (_req, res) => {
      inFlight += 1;
      max = Math.max(max, inFlight);
      if (inFlight >= expected) for (const release of waiting.splice(0)) release();
      else
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          setTimeout(resolve, 1500);
        });
      inFlight -= 1;
      sendJson(res, 200, vector([]));
    });
    const api = apiOver(
      new PrometheusClient({ baseUrl: server.url, timeoutMs: 5000 }),
      createLinkerdAdapter(),
    );
    const { status } = await call(api, path);
    expect(status).toBe(200);
    return { max, total: server.requests.length };
  }

  // The stub answers empty vectors: each answer is a zero, which spends one diagnosis query after.
  it("has both queries of a list in flight together", async () => {
    expect(await maxInFlight("/apis/metrics.smi-spec.io/v1alpha2/namespaces/shop/deployments", 2)).toEqual({
      max: 2,
      total: 3,
    });
  });

  it("answers one resource with a single joined query", async () => {
    expect(
      await maxInFlight("/apis/metrics.smi-spec.io/v1alpha2/namespaces/shop/deployments/web", 1),
    ).toEqual({
      max: 1,
      total: 2,
    });
  });

  it("has all four queries of an edges request in flight together", async () => {
    expect(
      await maxInFlight("/apis/metrics.smi-spec.io/v1alpha2/namespaces/shop/deployments/web/edges", 4),
    ).toEqual({
      max: 4,
      total: 5,
    });
  });
});

describe("VectorResultSchema", () => {
  it.each([
    ["a label with a number value", [{ metric: { a: 1 }, value: [1, "1"] }]],
    ["a missing value", [{ metric: {} }]],
    ["a value of three items", [{ metric: {}, value: [1, "1", "2"] }]],
    ["a string timestamp", [{ metric: {}, value: ["1", "1"] }]],
    ["a null sample", [null]],
    ["an array for a label set", [{ metric: ["a"], value: [1, "1"] }]],
  ])("rejects %s and says which sample", (_what, result) => {
    const parsed = VectorResultSchema.safeParse(result);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual([0]);
  });

  it("reads well-formed samples", () => {
    expect(VectorResultSchema.parse([{ metric: { a: "x" }, value: [1.5, "+Inf"] }])).toEqual([
      { metric: { a: "x" }, value: [1.5, Infinity] },
    ]);
  });
});
