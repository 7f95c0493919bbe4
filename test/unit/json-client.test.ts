import { readdirSync, readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import * as z from "zod";
import { BackendResponseError, BackendTimeoutError } from "../../src/errors/backend-errors";
import { createHttpInstance } from "../../src/net/http-instance";
import { createJsonClient } from "../../src/net/json-client";
import { sendJson, stubServer } from "../support/stub-server";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function backend(status: number, body: string, contentType = "application/json") {
  const server = await stubServer((_req, res) => {
    res.writeHead(status, { "content-type": contentType, "x-extra": "seen" });
    res.end(body);
  });
  closers.push(server.close);
  return server;
}

const Shape = z.object({ name: z.string() });

describe("the axios instance factory", () => {
  it("turns redirects and proxies off, which the bundle's stubs of those modules depend on", () => {
    const http = createHttpInstance({ baseURL: "http://127.0.0.1:1", caPem: undefined });
    expect(http.defaults.maxRedirects).toBe(0);
    expect(http.defaults.proxy).toBe(false);
  });

  it("is the only place in src/ that makes an axios instance", () => {
    const files = readdirSync("src", { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
    const creating = files.filter((file) => /axios\.create\(/.test(readFileSync(`src/${file}`, "utf8")));
    expect(creating).toEqual(["net/http-instance.ts"]);
  });
});

describe("the JSON client", () => {
  it("sends its headers and query, and parses the body with the schema", async () => {
    const server = await backend(200, JSON.stringify({ name: "web" }));
    let headers: Readonly<Record<string, unknown>> = {};
    const client = createJsonClient({
      baseUrl: `${server.url}/prefix`,
      backend: "Thing",
      timeoutMs: 2000,
      headers: async () => ({ "x-token": "t" }),
      query: { dc: "east" },
    });
    const body = await client.get("v1/item", Shape, { query: { q: "1" }, onHeaders: (h) => (headers = h) });
    expect(body).toEqual({ name: "web" });
    expect(server.requests[0]?.url).toBe("/prefix/v1/item?dc=east&q=1");
    expect(server.requests[0]?.headers["x-token"]).toBe("t");
    expect(headers["x-extra"]).toBe("seen");
  });

  it("maps refusals, error statuses, bad JSON and wrong shapes to BackendResponseError", async () => {
    const cases: [number, string, string][] = [
      [403, "no", "Thing refused the request (HTTP 403): no. Check THING_TOKEN"],
      [500, "boom", "Thing answered HTTP 500: boom"],
      [200, "{", "Thing answered with malformed JSON"],
      [200, "{}", "Thing answered an unexpected body: Invalid input: expected string, received undefined"],
    ];
    for (const [status, body, message] of cases) {
      const server = await backend(status, body);
      const client = createJsonClient({
        baseUrl: server.url,
        backend: "Thing",
        timeoutMs: 2000,
        credentialHint: "THING_TOKEN",
      });
      const error = await client.get("x", Shape).catch((e) => e);
      expect(error).toBeInstanceOf(BackendResponseError);
      expect(error).toMatchObject({ message, status, url: `${server.url}/x` });
    }
  });

  it("gives a read's own answer to a 404 when it takes 404 as none", async () => {
    const server = await backend(404, "");
    const client = createJsonClient({ baseUrl: server.url, backend: "Thing", timeoutMs: 2000 });
    await expect(client.get("x", Shape, { notFound: () => "none" })).resolves.toBe("none");
  });

  it("does not send a read whose deadline has passed", async () => {
    const server = await backend(200, "{}");
    const client = createJsonClient({ baseUrl: server.url, backend: "Thing", timeoutMs: 2000 });
    const error = await client.get("x", Shape, { deadline: Date.now() - 1 }).catch((e) => e);
    expect(error).toBeInstanceOf(BackendTimeoutError);
    expect(server.requests).toHaveLength(0);
  });

  it("posts a body with signed headers and says how many attempts it took", async () => {
    let calls = 0;
    const server = await stubServer((_req, res) => sendJson(res, ++calls === 1 ? 503 : 200, {}));
    closers.push(server.close);
    const client = createJsonClient({ baseUrl: `${server.url}/hook`, backend: "hook", timeoutMs: 2000 });
    const result = await client.post("", "hello", {
      headers: { "content-type": "text/plain" },
      sign: (body) => ({ "x-sig": `signed ${body.length}` }),
      retry: { attempts: 3, baseDelayMs: 1, maxRetryAfterMs: 1000 },
    });
    expect(result).toEqual({ status: 200, attempts: 2 });
    expect(server.requests.map((r) => [r.url, r.body, r.headers["x-sig"]])).toEqual([
      ["/hook", "hello", "signed 5"],
      ["/hook", "hello", "signed 5"],
    ]);
  });
});
