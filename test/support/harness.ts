import { brotliDecompressSync, gunzipSync } from "node:zlib";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import type { OpenMetricsBuilder } from "../../src/dev/openmetrics";
import { type RunningPrometheus, startPrometheus } from "../../src/dev/prometheus-server";
import type { Scenario } from "../../src/dev/scenario";
import { type ApiHandler, createApiHandler } from "../../src/http/api-handler";
import type { MeshAdapter } from "../../src/mesh/adapter";
import { PrometheusClient, type QueryEngine } from "../../src/prometheus/client";
import { Contract } from "./contract";

export const WINDOW = { defaultMs: 30_000, minMs: 10_000, maxMs: 86_400_000 };

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

export function apiOver(engine: QueryEngine, mesh: MeshAdapter, backendDescription = "test"): ApiHandler {
  return withContract(
    createApiHandler({ engine, mesh, window: WINDOW, backendDescription, log: () => {} }),
    `${mesh.name} ${mesh.kinds}`,
  );
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
    (await contract).check({
      method: event.requestContext.http.method,
      path: event.rawPath,
      status: response.statusCode ?? 200,
      contentType: response.headers?.["content-type"] as string | undefined,
      body: JSON.parse(plainBody(response)),
    });
    return response;
  };
}

/** A response's body as text, undoing the compression and base64 a Lambda answer may carry. */
function plainBody(response: APIGatewayProxyStructuredResultV2): string {
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
