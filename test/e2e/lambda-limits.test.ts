/**
 * A 10,000-pod namespace through `npm start`, which enforces Lambda's and API Gateway's limits:
 * its list is 7 MB of JSON, over the 6,291,456 bytes a Lambda response may carry. Asked with
 * compression, page by page, and plainly, it must come whole and right, in pages that fit
 * together, or as a Status that says how to get it; never truncated, never the platform's 500.
 */
import { request } from "node:http";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkerdSeries } from "../../src/dev/linkerd-series";
import type { RunningPrometheus } from "../../src/dev/prometheus-server";
import { podTruth } from "../support/ground-truth";
import { scenarioPrometheus } from "../support/harness";
import { podsScenario } from "../support/pods-scenario";
import { startProcess } from "../support/process";
import { expectMatchesTruth } from "../support/smi-assert";

const LIMIT = 6_291_456;
const PODS = 10_000;
const scenario = podsScenario(PODS);
const list = `/apis/metrics.smi-spec.io/v1alpha2/namespaces/bench/pods?t=1m&time=${scenario.endS}`;
let prometheus: RunningPrometheus;
let server: ReturnType<typeof startProcess>;
let base: string;

beforeAll(async () => {
  prometheus = await scenarioPrometheus(scenario, linkerdSeries);
  server = startProcess("npm", ["start"], {
    PORT: "0",
    PROMETHEUS_URL: prometheus.url,
    CACHE_TTL: "0",
    // Two cores shared with other suites: give a 10,000-pod query the whole gateway budget.
    PROMETHEUS_TIMEOUT_MS: "28000",
  });
  [, base = ""] = await server.waitFor(/on (http:\/\/127\.0\.0\.1:\d+)/, 30_000);
}, 180_000);
afterAll(async () => {
  await server?.stop();
  await prometheus?.stop();
});

/** One GET as the wire carries it: status, headers and the raw (still encoded) bytes. */
function get(path: string, acceptEncoding: string) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; raw: Buffer }>(
    (resolve, reject) => {
      const req = request(`${base}${path}`, { headers: { "accept-encoding": acceptEncoding } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, raw: Buffer.concat(chunks) }),
        );
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end();
    },
  );
}

interface Item {
  metadata: { name: string };
  metrics: { name: string; unit?: string; value: string | null }[];
}

/** Every pod's numbers equal the generator's: each pod serves one app's traffic share. */
function expectEveryPodRight(items: Item[]) {
  expect(items).toHaveLength(PODS);
  const podOwner = new Map(scenario.workloads.flatMap((w) => w.pods.map((pod) => [pod, w] as const)));
  const names = new Set<string>();
  for (const item of items) {
    const owner = podOwner.get(item.metadata.name);
    expect(owner, item.metadata.name).toBeDefined();
    names.add(item.metadata.name);
    expectMatchesTruth(item, podTruth(scenario, owner as NonNullable<typeof owner>, 60), item.metadata.name);
  }
  expect(names.size).toBe(PODS);
}

let whole: Item[] = [];

describe(`a ${PODS.toLocaleString("en")}-pod list through Lambda's limits`, () => {
  it("comes whole and right with gzip, its encoded body well inside the limit", async () => {
    const response = await get(list, "gzip");
    expect(response.status).toBe(200);
    expect(response.headers["content-encoding"]).toBe("gzip");
    expect(response.headers.vary).toBe("accept, accept-encoding");
    // What Lambda carries is base64: four bytes for every three.
    expect(Math.ceil(response.raw.length / 3) * 4).toBeLessThan(LIMIT);
    const body = JSON.parse(gunzipSync(response.raw).toString("utf8"));
    expect(Buffer.byteLength(JSON.stringify(body))).toBeGreaterThan(LIMIT);
    expect(body.metadata.continue).toBeUndefined();
    whole = body.items;
    expectEveryPodRight(whole);
  }, 60_000);

  it("comes the same with brotli, when the client prefers it", async () => {
    const response = await get(list, "br;q=1.0, gzip;q=0.5");
    expect(response.headers["content-encoding"]).toBe("br");
    expect(JSON.parse(brotliDecompressSync(response.raw).toString("utf8")).items).toEqual(whole);
  }, 60_000);

  it("asked plainly, is a Status that says how to get it, not a truncated list or a bare 500", async () => {
    const response = await get(list, "identity");
    expect(response.status).toBe(406);
    const status = JSON.parse(response.raw.toString("utf8"));
    expect(status).toMatchObject({ kind: "Status", reason: "NotAcceptable", code: 406 });
    expect(status.message).toMatch(
      /^the answer is [\d,]+ characters of JSON, [\d,]+ bytes as the Lambda response that carries it \(escaped\), over the 6,291,456 bytes a Lambda response may carry/,
    );
    expect(status.message).toMatch(/send Accept-Encoding: gzip, or ask for pages with \?limit=\d+/);
    expect(status.items).toBeUndefined();
    // The refusal depends on Accept-Encoding as the answer would: caches must keep them apart.
    expect(response.headers.vary).toMatch(/accept-encoding/);
  }, 60_000);

  it("comes page by page with limit=1000, uncompressed, each page fitting and all of them the whole list", async () => {
    const pages: Item[][] = [];
    let next: string | undefined = `${list}&limit=1000`;
    while (next !== undefined) {
      const response = await get(next, "identity");
      expect(response.status, next).toBe(200);
      expect(response.raw.length).toBeLessThan(LIMIT);
      const body = JSON.parse(response.raw.toString("utf8"));
      pages.push(body.items);
      next =
        body.metadata.continue === undefined
          ? undefined
          : `${list}&limit=1000&continue=${body.metadata.continue}`;
    }
    expect(pages.map((p) => p.length)).toEqual(Array(10).fill(1000));
    expect(pages.flat()).toEqual(whole);
  }, 120_000);
});
