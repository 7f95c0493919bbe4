import type { APIGatewayProxyEventV2 } from "aws-lambda";
import type { OpenMetricsBuilder } from "../../src/dev/openmetrics";
import { type RunningPrometheus, startPrometheus } from "../../src/dev/prometheus-server";
import type { Scenario } from "../../src/dev/scenario";
import { type ApiHandler, createApiHandler } from "../../src/http/api-handler";
import type { MeshAdapter } from "../../src/mesh/adapter";
import { PrometheusClient, type QueryEngine } from "../../src/prometheus/client";

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
  return createApiHandler({ engine, mesh, window: WINDOW, backendDescription, log: () => {} });
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
