/**
 * The floor: what fetching exactly the PromQL our API sends for a request costs, without anything
 * we do with the answers. The queries are not written out here but recorded from our own code
 * answering the request in process, so the floor follows any change to what the API asks.
 */
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { createContext } from "../src/config/context";
import { loadConfig } from "../src/config/settings";
import { createApiHandler } from "../src/http/api-handler";
import type { QueryEngine } from "../src/prometheus/client";

/**
 * The queries of one request, in waves: a wave is what our code has in flight together (a list's
 * counts and bucket rates); the next wave starts only once the previous one answered (a zero
 * answer's diagnosis).
 */
export type QueryWaves = readonly (readonly string[])[];

/** Answers `path` with our code in process over `prometheusUrl`, recording every query it sends. */
export async function recordQueries(prometheusUrl: string, path: string, mesh: string): Promise<QueryWaves> {
  const config = loadConfig({
    MESH: mesh,
    PROMETHEUS_URL: prometheusUrl,
    PROMETHEUS_TIMEOUT_MS: "60000",
    CACHE_TTL: "0",
  });
  const real = createContext(config).engine;
  const waves: string[][] = [];
  let inFlight = 0;
  const recorded = async <T>(query: string, run: () => Promise<T>): Promise<T> => {
    if (inFlight === 0 || waves.length === 0) waves.push([]);
    waves[waves.length - 1]?.push(query);
    inFlight++;
    try {
      return await run();
    } finally {
      inFlight--;
    }
  };
  const engine: QueryEngine = {
    instantQuery: (query, time, options) => recorded(query, () => real.instantQuery(query, time, options)),
    rangeQuery: (query, range, options) => recorded(query, () => real.rangeQuery(query, range, options)),
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

/**
 * Sends the waves as our client does (form-encoded POSTs, asking for gzip as axios does, which
 * Prometheus honours) and reads every body to its end, decompressed but not parsed.
 */
export async function fetchFloor(prometheusUrl: string, waves: QueryWaves, time: number): Promise<void> {
  for (const wave of waves) {
    await Promise.all(
      wave.map(async (query) => {
        const response = await fetch(`${prometheusUrl}/api/v1/query`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", "accept-encoding": "gzip" },
          body: new URLSearchParams({ query, time: time.toFixed(3) }).toString(),
        });
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`floor query answered ${response.status}: ${query}`);
      }),
    );
  }
}
