import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { createApiHandler } from "../../src/http/api-handler";
import { ResponseBody } from "../../src/http/response-body";
import { cacheKey, ResponseCache } from "../../src/http/response-cache";
import { createLinkerdAdapter } from "../../src/mesh/linkerd";
import type { QueryEngine, QueryResult } from "../../src/prometheus/client";
import { call, httpEvent, testContext } from "../support/harness";

/** An engine that counts queries and holds every answer until released. */
class GatedEngine implements QueryEngine {
  queries = 0;
  #release: (() => void)[] = [];
  #open = false;
  async instantQuery(): Promise<QueryResult> {
    this.queries += 1;
    if (!this.#open) await new Promise<void>((resolve) => this.#release.push(resolve));
    return { samples: [], warnings: [] };
  }
  rangeQuery(): Promise<QueryResult> {
    return this.instantQuery();
  }
  open() {
    this.#open = true;
    for (const release of this.#release.splice(0)) release();
  }
}

const NOW = new Date("2026-11-25T12:00:00Z");
/** The api with a 60 s answer cache of 100 entries and 1 MiB, as `CACHE_*` configure it. */
const api = (engine: QueryEngine, token?: string) =>
  createApiHandler(
    testContext(
      { engine, mesh: createLinkerdAdapter(), backendDescription: "test" },
      {
        CACHE_TTL: "60s",
        CACHE_MAX_ENTRIES: "100",
        CACHE_MAX_BYTES: String(1 << 20),
        ...(token === undefined ? {} : { API_TOKEN: token }),
      },
    ),
    { now: () => NOW, log: () => {} },
  );
const path = "/apis/metrics.smi-spec.io/v1alpha2/namespaces/shop/deployments/web";

describe("request coalescing and the short cache", () => {
  it("makes 50 identical concurrent requests cost the round trips of one", async () => {
    const engine = new GatedEngine();
    const handler = api(engine);
    const pending = Array.from({ length: 50 }, () => handler(httpEvent("GET", `${path}?t=5m`)));
    await new Promise((r) => setTimeout(r, 20));
    engine.open();
    const responses = await Promise.all(pending);
    expect(responses.every((r) => r.statusCode === 200)).toBe(true);
    expect(new Set(responses.map((r) => r.body)).size).toBe(1);
    // One resource costs one joined query, and its zero one diagnosis query; fifty at once cost the same.
    expect(engine.queries).toBe(2);
  });

  it("answers a repeated explicit past time from the cache", async () => {
    const engine = new GatedEngine();
    engine.open();
    const handler = api(engine);
    const first = await call(handler, `${path}?t=5m&time=2026-11-25T11:00:00Z`);
    const second = await call(handler, `${path}?time=2026-11-25T11:00:00Z&t=5m`);
    expect(second.body).toEqual(first.body);
    // The first answer's joined query and its zero's diagnosis; none for the second.
    expect(engine.queries).toBe(2);
  });

  it("does not cache answers for now, or for a time too recent to have settled", async () => {
    const engine = new GatedEngine();
    engine.open();
    const handler = api(engine);
    await call(handler, `${path}?t=5m`);
    await call(handler, `${path}?t=5m`);
    await call(handler, `${path}?t=5m&time=2026-11-25T11:59:30Z`);
    await call(handler, `${path}?t=5m&time=2026-11-25T11:59:30Z`);
    // Four answers, each a joined query and a zero's diagnosis.
    expect(engine.queries).toBe(8);
  });

  it("checks the API token before the cache, so a cached answer is not served without it", async () => {
    const engine = new GatedEngine();
    engine.open();
    const handler = api(engine, "summary-token-0123456789");
    const summary = "/summary/namespaces/shop/deployments/web?time=2026-11-25T11:00:00Z";
    const smi = `${path}?time=2026-11-25T11:00:00Z`;
    const bearer = { headers: { authorization: "Bearer summary-token-0123456789" } };
    expect((await handler(httpEvent("GET", smi, bearer))).statusCode).toBe(200);
    expect((await handler(httpEvent("GET", smi))).statusCode).toBe(401);
    const ok = await handler(
      httpEvent("GET", summary, { headers: { authorization: "Bearer summary-token-0123456789" } }),
    );
    expect(ok.statusCode).toBe(200);
    const denied = await handler(httpEvent("GET", summary));
    expect(denied.statusCode).toBe(401);
  });

  it("keeps the cache bounded by entries and by bytes", async () => {
    const answer = (json: string) => async () => ({
      status: 200,
      body: ResponseBody.of(json),
      warnings: [],
      roundTrips: 2,
    });
    const byEntries = new ResponseCache({ ttlMs: 60_000, maxEntries: 2, maxBytes: 1 << 20 });
    for (const key of ["a", "b", "c"]) await byEntries.get(key, true, answer("{}"));
    expect(byEntries.size.entries).toBe(2);
    expect((await byEntries.get("a", true, answer("{}"))).outcome).toBe("miss");

    const byBytes = new ResponseCache({ ttlMs: 60_000, maxEntries: 100, maxBytes: 1000 });
    await byBytes.get("small", true, answer("x".repeat(100)));
    await byBytes.get("large", true, answer("x".repeat(2000)));
    expect(byBytes.size.entries).toBe(1);
    expect(byBytes.size.bytes).toBeLessThanOrEqual(1000);
    expect((await byBytes.get("small", true, answer("{}"))).outcome).toBe("hit");
  });

  it("keeps a large answer gzipped, and gives it back whole", async () => {
    const items = Array.from({ length: 10_000 }, (_, i) => ({ name: `pod-${i}`, requests: i * 7 }));
    const json = JSON.stringify({ items });
    expect(json.length).toBeGreaterThan(256 * 1024);
    const cache = new ResponseCache({ ttlMs: 60_000, maxEntries: 10, maxBytes: 1 << 20 });
    const compute = async () => ({ status: 200, body: ResponseBody.of(json), warnings: [], roundTrips: 2 });
    await cache.get("list", true, compute);
    const kept = cache.size.bytes;
    expect(kept).toBeLessThan(json.length / 5);
    const hit = await cache.get("list", true, compute);
    expect(hit.outcome).toBe("hit");
    expect(gunzipSync(hit.answer.body.encoded("gzip")).toString()).toBe(json);
    expect(hit.answer.body.json).toBe(json);
    expect(hit.answer.body.length).toBe(json.length);
  });

  it("does not cache errors", async () => {
    const cache = new ResponseCache({ ttlMs: 60_000, maxEntries: 10, maxBytes: 1 << 20 });
    await expect(cache.get("k", true, async () => Promise.reject(new Error("down")))).rejects.toThrow("down");
    expect(
      (
        await cache.get("k", true, async () => ({
          status: 200,
          body: ResponseBody.of("{}"),
          warnings: [],
          roundTrips: 2,
        }))
      ).outcome,
    ).toBe("miss");
  });

  it("keys requests independently of parameter order", () => {
    expect(cacheKey("GET", "/p", new URLSearchParams("t=5m&time=1"))).toBe(
      cacheKey("GET", "/p", new URLSearchParams("time=1&t=5m")),
    );
  });
});
