import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { MethodNotAllowedError, NotFoundError } from "../errors";
import type { MeshAdapter } from "../mesh/adapter";
import type { QueryEngine } from "../prometheus/client";
import { parseTimeRange, type WindowBounds } from "../smi/query-params";
import { parseSmiPath } from "../smi/route";
import { answerMetrics, discoveryAnswer, type SmiAnswer } from "../smi/service";
import { jsonResponse, warningHeader } from "./response";
import { statusOf } from "./status";

/** One structured line per request. */
export interface RequestLog {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly durationMs: number;
  readonly roundTrips: number;
  readonly error?: string;
}

export interface ApiDeps {
  readonly engine: QueryEngine;
  readonly mesh: MeshAdapter;
  readonly window: WindowBounds;
  /** What `/healthz` may say about the backend; never a secret. */
  readonly backendDescription: string;
  readonly now?: () => Date;
  readonly log?: (entry: RequestLog) => void;
}

export type ApiHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

const defaultLog = (entry: RequestLog) => console.log(JSON.stringify(entry));

/**
 * Builds the HTTP API over API Gateway v2 events. Everything it needs is passed in, so the same
 * code runs in Lambda, in the local server and in tests without AWS.
 */
export function createApiHandler(deps: ApiDeps): ApiHandler {
  const now = deps.now ?? (() => new Date());
  const log = deps.log ?? defaultLog;

  return async (event) => {
    const started = performance.now();
    const method = event.requestContext.http.method.toUpperCase();
    const path = event.rawPath;
    let roundTrips = 0;
    let response: APIGatewayProxyStructuredResultV2;
    let failure: unknown;
    try {
      const answer = await route(method, path, new URLSearchParams(event.rawQueryString ?? ""));
      roundTrips = answer.roundTrips;
      response = jsonResponse(200, answer.body, warningHeader(answer.warnings));
    } catch (error) {
      failure = error;
      const status = statusOf(error);
      response = jsonResponse(status.code, status);
    }
    log({
      method,
      path,
      status: response.statusCode ?? 200,
      durationMs: Math.round(performance.now() - started),
      roundTrips,
      ...(failure instanceof Error ? { error: `${failure.name}: ${failure.message}` } : {}),
    });
    return response;
  };

  async function route(method: string, path: string, query: URLSearchParams): Promise<SmiAnswer> {
    if (path === "/healthz") {
      requireGet(method);
      return {
        body: { status: "ok", mesh: deps.mesh.name, backend: deps.backendDescription },
        warnings: [],
        roundTrips: 0,
      };
    }
    if (path === "/apis" || path.startsWith("/apis/")) {
      const smiRoute = parseSmiPath(path, deps.mesh.kinds);
      requireGet(method);
      if (smiRoute.type === "group" || smiRoute.type === "resources")
        return discoveryAnswer(smiRoute, deps.mesh);
      const range = parseTimeRange(query, deps.window, now);
      return answerMetrics(deps, smiRoute, range);
    }
    throw new NotFoundError(
      `no such path: ${path}; this server answers /apis/metrics.smi-spec.io/... and /healthz`,
    );
  }
}

function requireGet(method: string): void {
  if (method !== "GET")
    throw new MethodNotAllowedError(`method ${method} is not allowed here; use GET`, ["GET"]);
}
