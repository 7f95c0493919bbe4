/**
 * The floor: what fetching exactly the PromQL our API sends for a request costs, without anything
 * we do with the answers. The queries are not written out here but recorded from our own code
 * answering the request in process, so the floor follows any change to what the API asks; a range
 * answer's queries are recorded with their range and replayed as `query_range`.
 */
import { request } from "node:http";
import { gunzipSync } from "node:zlib";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { createContext } from "../src/config/context";
import { loadConfig } from "../src/config/settings";
import { createApiHandler } from "../src/http/api-handler";
import type { QueryEngine } from "../src/prometheus/client";

/** One query as our code sent it: at an instant, or over a range (Unix seconds). */
export interface FloorQuery {
  readonly query: string;
  readonly time?: number;
  readonly range?: { readonly startS: number; readonly endS: number; readonly stepS: number };
}

/**
 * The queries of one request, in waves: a wave is what our code has in flight together (a list's
 * counts and bucket rates); the next wave starts only once the previous one answered (a zero
 * answer's diagnosis).
 */
export type QueryWaves = readonly (readonly FloorQuery[])[];

/**
 * Answers `path` with our code in process over `prometheusUrl`, recording every query it sends.
 * `env` adds settings the server is given too (SCRAPE_INTERVAL for a range over sparse samples).
 */
export async function recordQueries(
  prometheusUrl: string,
  path: string,
  mesh: string,
  env: Readonly<Record<string, string>> = {},
): Promise<QueryWaves> {
  const config = loadConfig({
    MESH: mesh,
    PROMETHEUS_URL: prometheusUrl,
    PROMETHEUS_TIMEOUT_MS: "60000",
    CACHE_TTL: "0",
    ...env,
  });
  const real = createContext(config).engine;
  const waves: FloorQuery[][] = [];
  let inFlight = 0;
  const recorded = async <T>(query: FloorQuery, run: () => Promise<T>): Promise<T> => {
    if (inFlight === 0 || waves.length === 0) waves.push([]);
    waves[waves.length - 1]?.push(query);
    inFlight++;
    try {
      return await run();
    } finally {
      inFlight--;
    }
  };
  const s = (date: Date) => date.getTime() / 1000;
  const engine: QueryEngine = {
    instantQuery: (query, time, options) =>
      recorded({ query, time: s(time) }, () => real.instantQuery(query, time, options)),
    rangeQuery: (query, range, options) =>
      recorded(
        { query, range: { startS: s(range.start), endS: s(range.end), stepS: range.stepMs / 1000 } },
        () => real.rangeQuery(query, range, options),
      ),
  };
  const handler = createApiHandler(createContext(config, { engine }), { log: () => {} });
  const [rawPath = "", rawQueryString = ""] = path.split("?", 2);
  const response = await handler({
    version: "2.0",
    routeKey: "$default",
    rawPath,
    rawQueryString,
    headers: { "accept-encoding": "gzip" },
    isBase64Encoded: false,
    requestContext: { http: { method: "GET", path: rawPath }, requestId: "bench" },
  } as unknown as APIGatewayProxyEventV2);
  if (response.statusCode !== 200) throw new Error(`${path}: ${response.statusCode} ${response.body}`);
  return waves;
}

/** The same waves with each query's text changed by `change`. */
export const mapQueries = (waves: QueryWaves, change: (query: string) => string): QueryWaves =>
  waves.map((wave) => wave.map((q) => ({ ...q, query: change(q.query) })));

/** Where a query goes and its form fields, its instant or range moved by `shiftS` seconds. */
function formOf(q: FloorQuery, shiftS: number): { path: string; body: string } {
  if (q.range !== undefined) {
    const { startS, endS, stepS } = q.range;
    const fields = { query: q.query, start: (startS + shiftS).toFixed(3), end: (endS + shiftS).toFixed(3) };
    return {
      path: "/api/v1/query_range",
      body: new URLSearchParams({ ...fields, step: `${stepS}` }).toString(),
    };
  }
  const time = ((q.time ?? 0) + shiftS).toFixed(3);
  return { path: "/api/v1/query", body: new URLSearchParams({ query: q.query, time }).toString() };
}

const FORM = "application/x-www-form-urlencoded";

/**
 * Sends the waves as our client does (form-encoded POSTs, asking for gzip as axios does, which
 * Prometheus honours), every instant and range moved by `shiftS` seconds from where they were
 * recorded, and reads every body to its end, decompressed but not parsed.
 */
export async function fetchFloor(prometheusUrl: string, waves: QueryWaves, shiftS: number): Promise<void> {
  for (const wave of waves) {
    await Promise.all(
      wave.map(async (q) => {
        const { path, body } = formOf(q, shiftS);
        const response = await fetch(`${prometheusUrl}${path}`, {
          method: "POST",
          headers: { "content-type": FORM, "accept-encoding": "gzip" },
          body,
        });
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`floor query answered ${response.status}: ${q.query}`);
      }),
    );
  }
}

/** A response's size as it crossed the wire (gzip, as our client asks) and inflated: JSON bytes. */
export interface Bytes {
  readonly gzip: number;
  readonly raw: number;
}

/** The bytes of every answer to `queries`, sent one at a time, added up. */
export async function answerBytes(prometheusUrl: string, queries: readonly FloorQuery[]): Promise<Bytes> {
  let gzip = 0;
  let raw = 0;
  for (const q of queries) {
    const { path, body } = formOf(q, 0);
    const bytes = await wireBytes(`${prometheusUrl}${path}`, { "content-type": FORM }, body);
    gzip += bytes.gzip;
    raw += bytes.raw;
  }
  return { gzip, raw };
}

/**
 * Asks `url` for gzip (a POST of `body`, or a GET without) and counts the body as it crossed the
 * wire and inflated; a body not gzipped counts the same both ways.
 */
export async function wireBytes(
  url: string,
  headers: Readonly<Record<string, string>> = {},
  body?: string,
): Promise<Bytes> {
  const received = await new Promise<{ bytes: Buffer; gzipped: boolean }>((resolve, reject) => {
    const method = body === undefined ? "GET" : "POST";
    const sent = request(url, { method, headers: { ...headers, "accept-encoding": "gzip" } }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () =>
        resolve({ bytes: Buffer.concat(chunks), gzipped: response.headers["content-encoding"] === "gzip" }),
      );
      response.on("error", reject);
    });
    sent.on("error", reject);
    sent.end(body);
  });
  const { bytes, gzipped } = received;
  return { gzip: bytes.length, raw: gzipped ? gunzipSync(bytes).length : bytes.length };
}
