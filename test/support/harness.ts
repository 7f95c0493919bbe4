import { brotliDecompressSync, gunzipSync } from "node:zlib";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { type Context, type ContextParts, createContext } from "../../src/config/context";
import { loadConfig } from "../../src/config/settings";
import type { OpenMetricsBuilder } from "../../src/dev/openmetrics";
import { type RunningPrometheus, startPrometheus } from "../../src/dev/prometheus-server";
import type { Scenario } from "../../src/dev/scenario";
import { startVictoriaMetrics } from "../../src/dev/victoria-metrics";
import { type ApiHandler, type ApiOptions, createApiHandler } from "../../src/http/api-handler";
import type { RequestLog } from "../../src/http/request-log";
import type { MeshAdapter } from "../../src/mesh/adapter";
import { createLinkerdAdapter } from "../../src/mesh/linkerd";
import { PrometheusClient, type QueryEngine } from "../../src/prometheus/client";
import { type RunIdentity, runReport, type SinkFactory } from "../../src/report/run-report";
import { Contract } from "./contract";

/** Starts a real Prometheus over a scenario written by one mesh's series writer. */
export function scenarioPrometheus(
  scenario: Scenario,
  write: (s: Scenario) => OpenMetricsBuilder,
  routePrefix?: string,
) {
  return startPrometheus({
    series: write(scenario),
    startS: scenario.startS,
    endS: scenario.endS,
    stepS: scenario.stepS,
    ...(routePrefix ? { routePrefix } : {}),
  });
}

/** The query engines the integration suites run against: each serves PROMETHEUS_URL's API. */
export const ENGINES = ["prometheus", "victoria-metrics"] as const;
export type EngineName = (typeof ENGINES)[number];

/** How an engine's name reads in a test title. */
export const ENGINE_TITLES: Record<EngineName, string> = {
  prometheus: "a real Prometheus",
  "victoria-metrics": "a real VictoriaMetrics",
};

/** A running engine: its query API's base URL, and how to stop it and remove its data. */
export interface RunningEngine {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts every engine over the same series, all at once: one builder, written once, backfilled into
 * Prometheus and imported into VictoriaMetrics, so the two answer over the very same samples.
 */
export async function startEngines(
  series: OpenMetricsBuilder,
  span: Pick<Scenario, "startS" | "endS" | "stepS">,
): Promise<Record<EngineName, RunningEngine>> {
  const { startS, endS, stepS } = span;
  const started = await Promise.allSettled([
    startPrometheus({ series, startS, endS, stepS }),
    startVictoriaMetrics({ series, startS, endS, stepS }),
  ]);
  const [prometheus, victoria] = started;
  if (prometheus.status === "fulfilled" && victoria.status === "fulfilled")
    return { prometheus: prometheus.value, "victoria-metrics": victoria.value };
  // One failed: stop the other, so a missing binary leaves no server behind.
  await Promise.all(started.map((s) => (s.status === "fulfilled" ? s.value.stop() : undefined)));
  throw started.find((s) => s.status === "rejected")?.reason;
}

/** A list store that keeps nothing: every page is measured again, as in a container that never saw the first. */
const EVERY_PAGE_COLD: Context["lists"] = { get: async (_key, measure) => measure() };

/**
 * A context as a deployment with these variables would build it, with the given parts (a fake
 * engine, a mesh adapter) in place of the ones it would build. Unless told otherwise, the answer
 * cache is off (`CACHE_TTL=0`) and no list is kept between pages, so every request is measured.
 */
export function testContext(parts: ContextParts = {}, env: Record<string, string> = {}): Context {
  return createContext(loadConfig({}, { CACHE_TTL: "0", ...env }), { lists: EVERY_PAGE_COLD, ...parts });
}

/** The api over an engine and a mesh adapter, every answer checked against its OpenAPI contract. */
export function apiOver(engine: QueryEngine, mesh: MeshAdapter, backendDescription = "test"): ApiHandler {
  return withContract(
    createApiHandler(testContext({ engine, mesh, backendDescription }), { log: () => {} }),
    `${mesh.name} ${mesh.kinds}`,
  );
}

/**
 * The api as a deployment with these variables builds it (`handlers/api.ts`), every answer checked
 * against its OpenAPI contract; `options` replace its clock or request log. Its request log prints
 * only failures (`LOG_LEVEL=warn`), so a test's output is not one line per request.
 */
export function apiFor(env: Record<string, string>, options: ApiOptions = {}): ApiHandler {
  return withContract(
    createApiHandler(createContext(loadConfig({}, { LOG_LEVEL: "warn", ...env })), options),
  );
}

/** An api and the round trips to the backend its last answer cost. */
export interface CountingApi {
  readonly api: ApiHandler;
  /** Round trips of the last answer given, as the api's request log counted them. */
  lastTrips(): number;
}

/**
 * The api as `apiFor` builds it with the answer cache off (`CACHE_TTL=0`), so an answer's round
 * trips are what it costs and not a warm container's cache hit. Answers must be asked one at a time
 * for `lastTrips` to be theirs.
 */
export function countingApiFor(env: Record<string, string>): CountingApi {
  let logged = 0;
  let last = 0;
  const inner = apiFor(
    { CACHE_TTL: "0", ...env },
    {
      log: (entry: RequestLog) => {
        // The contract check reads /openapi.json through the same handler after the first answer.
        if (entry.path !== "/openapi.json") logged = entry.roundTrips;
      },
    },
  );
  const api: ApiHandler = async (event, invocation) => {
    const response = await inner(event, invocation);
    last = logged;
    return response;
  };
  return { api, lastTrips: () => last };
}

/**
 * The handler, with every answer it gives checked against the OpenAPI document it serves at
 * `/openapi.json`: a response the published contract does not allow fails the test that got it.
 * Handlers built alike (same `sameDocumentAs` key) serve the same document, read once.
 */
export function withContract(handler: ApiHandler, sameDocumentAs?: string): ApiHandler {
  let contract: Promise<Contract> | undefined;
  return async (event, context) => {
    const response = await handler(event, context);
    contract ??= contractOf(handler, sameDocumentAs);
    const contentType = response.headers?.["content-type"] as string | undefined;
    const text = plainBody(response);
    (await contract).check({
      method: event.requestContext.http.method,
      path: event.rawPath,
      status: response.statusCode ?? 200,
      contentType,
      // The web UI's files are text, not JSON.
      body: contentType === undefined || /json/.test(contentType) ? JSON.parse(text) : text,
    });
    return response;
  };
}

/** A response's body as text, undoing the compression and base64 a Lambda answer may carry. */
export function plainBody(response: APIGatewayProxyStructuredResultV2): string {
  if (response.isBase64Encoded !== true) return response.body ?? "null";
  const bytes = Buffer.from(response.body ?? "", "base64");
  const coding = response.headers?.["content-encoding"];
  return (
    coding === "gzip" ? gunzipSync(bytes) : coding === "br" ? brotliDecompressSync(bytes) : bytes
  ).toString("utf8");
}

const contracts = new Map<string, Promise<Contract>>();
function contractOf(handler: ApiHandler, key: string | undefined): Promise<Contract> {
  const cached = key === undefined ? undefined : contracts.get(key);
  if (cached !== undefined) return cached;
  const contract = handler(httpEvent("GET", "/openapi.json")).then((doc) => {
    if (doc.statusCode !== 200) throw new Error(`/openapi.json answered ${doc.statusCode}: ${doc.body}`);
    return new Contract(JSON.parse(doc.body ?? ""));
  });
  if (key !== undefined) contracts.set(key, contract);
  return contract;
}

export function apiOverPrometheus(prometheus: RunningPrometheus, mesh: MeshAdapter): ApiHandler {
  return apiOver(new PrometheusClient({ baseUrl: prometheus.url, timeoutMs: 10_000 }), mesh, prometheus.url);
}

/** An API Gateway v2 event, as API Gateway would send it for `method path?query`. */
export function httpEvent(method: string, pathAndQuery: string, extra: Partial<APIGatewayProxyEventV2> = {}) {
  const [rawPath = "", rawQueryString = ""] = pathAndQuery.split("?", 2);
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath,
    rawQueryString,
    headers: {},
    isBase64Encoded: false,
    requestContext: { http: { method, path: rawPath }, requestId: "test" },
    ...extra,
  } as unknown as APIGatewayProxyEventV2;
}

/** Calls a handler and parses its JSON body. */
export async function call(handler: ApiHandler, pathAndQuery: string, method = "GET") {
  const response = await handler(httpEvent(method, pathAndQuery));
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are inspected field by field
  const body = JSON.parse(response.body ?? "null") as any;
  return { status: response.statusCode ?? 200, headers: response.headers ?? {}, body };
}

/**
 * What a report run needs to read linkerd's series in `prometheus`: no sinks, so a spec naming one
 * fails its test, and a clock stopped at 2026-11-25T09:00:00Z, so `generatedAt` is known. `engine`
 * stands in for the Prometheus client, to watch the queries a report asks.
 */
export function linkerdReportParts(
  prometheus: RunningPrometheus,
  engine: QueryEngine = new PrometheusClient({ baseUrl: prometheus.url, timeoutMs: 10_000 }),
) {
  return {
    engine,
    mesh: createLinkerdAdapter(),
    backendDescription: prometheus.url,
    sinkFor: (): never => {
      throw new Error("no sinks in these specs");
    },
    now: () => new Date("2026-11-25T09:00:00Z"),
  };
}

/** A report run over a test context: the given engine, mesh and sinks, and the given clock. */
export function runTestReport(
  parts: ContextParts & { readonly sinkFor: SinkFactory; readonly now?: () => Date },
  input: unknown,
  run: RunIdentity = {},
) {
  const { sinkFor, now, ...given } = parts;
  return runReport(testContext(given), sinkFor, input, { ...run, ...(now === undefined ? {} : { now }) });
}
