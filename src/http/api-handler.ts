import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { BadRequestError, MethodNotAllowedError, NotFoundError } from "../errors";
import type { MeshAdapter } from "../mesh/adapter";
import type { QueryEngine } from "../prometheus/client";
import { NamespaceNameSchema, ResourceNameSchema } from "../smi/k8s-name";
import { isKindName } from "../smi/kinds";
import { decodeSegment, parseSmiPath } from "../smi/route";
import { answerMetrics, discoveryAnswer } from "../smi-answers";
import { summarize } from "../summary";
import { InstantSchema, parseTimeRange, type WindowBounds } from "../time-range";
import { measureResource, RequestStats, refOf } from "../traffic";
import { parseGateRequest, runFlaggerGate } from "../webhooks/flagger-gate";
import { AnswerCache, type CacheOutcome, cacheKey, type RenderedAnswer } from "./answer-cache";
import { bearerToken, requireToken } from "./auth";
import { jsonResponse, warningHeader } from "./response";
import { statusHeaders, statusOf } from "./status";

/** One structured line per request. */
export interface RequestLog {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly durationMs: number;
  readonly roundTrips: number;
  /** Whether the answer came from the cache or a request already in flight. */
  readonly cache?: CacheOutcome;
  readonly error?: string;
}

export interface ApiDeps {
  readonly engine: QueryEngine;
  readonly mesh: MeshAdapter;
  readonly window: WindowBounds;
  /** What `/healthz` may say about the backend; never a secret. */
  readonly backendDescription: string;
  /** Shared secret for the webhook and summary routes; unset means they are open. */
  readonly webhookToken?: string | undefined;
  /**
   * The function's own lock on the SMI and summary routes (`Authorization: Bearer`), for
   * deployments without a gateway authorizer, or local runs that want one.
   */
  readonly apiToken?: string | undefined;
  /** Coalescing cache kept at module scope; without one, identical in-flight requests still coalesce. */
  readonly cache?: AnswerCache;
  readonly now?: () => Date;
  readonly log?: (entry: RequestLog) => void;
}

/** What a route produced: a body, its status, and what the backend cost and said. */
interface Answer {
  readonly status?: number;
  readonly body: unknown;
  readonly warnings: readonly string[];
  readonly roundTrips: number;
}

export type ApiHandler = (
  event: APIGatewayProxyEventV2,
  context?: Pick<Context, "getRemainingTimeInMillis">,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** Time kept back from the Lambda's remaining time to answer with a Status instead of being killed. */
const DEADLINE_MARGIN_MS = 500;

const defaultLog = (entry: RequestLog) => console.log(JSON.stringify(entry));

/**
 * Builds the HTTP API over API Gateway v2 events: the SMI API, the Flagger gate, the plain-number
 * summary and `/healthz`. Everything it needs is passed in, so the same code runs in Lambda, in the
 * local server and in tests without AWS.
 */
export function createApiHandler(deps: ApiDeps): ApiHandler {
  const now = deps.now ?? (() => new Date());
  const log = deps.log ?? defaultLog;

  const cache = deps.cache ?? new AnswerCache({ ttlMs: 0, maxEntries: 0, maxBytes: 0 });

  return async (event, context) => {
    const started = performance.now();
    const deadline =
      context === undefined
        ? undefined
        : Date.now() + context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS;
    const method = event.requestContext.http.method.toUpperCase();
    const path = event.rawPath;
    let roundTrips = 0;
    let outcome: CacheOutcome | undefined;
    let response: APIGatewayProxyStructuredResultV2;
    let failure: unknown;
    try {
      const result = await dispatch(
        method,
        path,
        new URLSearchParams(event.rawQueryString ?? ""),
        event,
        deadline,
      );
      ({ outcome } = result);
      roundTrips = result.answer.roundTrips;
      response = {
        statusCode: result.answer.status,
        headers: { "content-type": "application/json", ...warningHeader(result.answer.warnings) },
        body: result.answer.json,
      };
    } catch (error) {
      failure = error;
      const status = statusOf(error);
      response = jsonResponse(status.code, status, statusHeaders(error));
    }
    log({
      method,
      path,
      status: response.statusCode ?? 200,
      durationMs: Math.round(performance.now() - started),
      roundTrips,
      ...(outcome === undefined ? {} : { cache: outcome }),
      ...(failure instanceof Error ? { error: `${failure.name}: ${failure.message}` } : {}),
    });
    return response;
  };

  /**
   * Metric reads go through the coalescing cache; credentials are checked before it, so a cached
   * answer never reaches a caller who could not have fetched it.
   */
  async function dispatch(
    method: string,
    path: string,
    query: URLSearchParams,
    event: APIGatewayProxyEventV2,
    deadline: number | undefined,
  ): Promise<{ answer: RenderedAnswer; outcome?: CacheOutcome }> {
    const isRead =
      method === "GET" && (path === "/apis" || path.startsWith("/apis/") || path.startsWith("/summary/"));
    if (!isRead) return { answer: render(await route(method, path, query, event, deadline)) };
    // The summary serves Argo Rollouts and other tools that can send headers: the API token or
    // the webhook token opens it.
    const accepted = path.startsWith("/summary/") ? [deps.apiToken, deps.webhookToken] : [deps.apiToken];
    requireToken(bearerToken(event.headers ?? {}), accepted, "Authorization: Bearer <token>");
    return cache.get(cacheKey(method, path, query), isSettledPast(query.get("time"), now()), async () =>
      render(await route(method, path, query, event, deadline)),
    );
  }

  async function route(
    method: string,
    path: string,
    query: URLSearchParams,
    event: APIGatewayProxyEventV2,
    deadline: number | undefined,
  ): Promise<Answer> {
    const stats = new RequestStats(deadline);
    if (path === "/healthz") {
      requireMethod(method, "GET");
      return {
        body: { status: "ok", mesh: deps.mesh.name, backend: deps.backendDescription },
        warnings: [],
        roundTrips: 0,
      };
    }
    if (path === "/apis" || path.startsWith("/apis/")) {
      const smiRoute = parseSmiPath(path, deps.mesh.kinds);
      requireMethod(method, "GET");
      if (smiRoute.type === "group" || smiRoute.type === "resources")
        return discoveryAnswer(smiRoute, deps.mesh);
      return answerMetrics(deps, smiRoute, parseTimeRange(query, deps.window, now), stats);
    }
    if (path === "/webhooks/flagger") {
      requireMethod(method, "POST");
      return flaggerGate(query, event, stats);
    }
    if (path.startsWith("/summary/")) {
      requireMethod(method, "GET");
      return summary(path, query, stats);
    }
    throw new NotFoundError(
      `no such path: ${path}; this server answers /apis/metrics.smi-spec.io/..., /summary/namespaces/{ns}/{kind}/{name}, POST /webhooks/flagger and /healthz`,
    );
  }

  async function flaggerGate(
    query: URLSearchParams,
    event: APIGatewayProxyEventV2,
    stats: RequestStats,
  ): Promise<Answer> {
    const body = parseJsonBody(event);
    // Flagger cannot send headers: its secret travels in the metadata or the URL.
    const metadata = (body as { metadata?: Record<string, unknown> } | null)?.metadata;
    const presented =
      typeof metadata?.token === "string" ? metadata.token : (query.get("token") ?? undefined);
    requireToken(presented, deps.webhookToken, 'metadata "token" or the ?token= query parameter');
    const request = parseGateRequest(body, deps.mesh.kinds, deps.window, now);
    const verdict = await runFlaggerGate(deps, request, stats);
    // Flagger passes only 200-202; 412 fails the check and its body lands in Flagger's events.
    return {
      status: verdict.passed ? 200 : 412,
      body: verdict,
      warnings: [...stats.warnings],
      roundTrips: stats.roundTrips,
    };
  }

  async function summary(path: string, query: URLSearchParams, stats: RequestStats): Promise<Answer> {
    const [, , literal, nsSegment, kindText, nameSegment, ...rest] = path.split("/");
    if (literal !== "namespaces" || rest.length > 0 || kindText === undefined || nameSegment === undefined) {
      throw new NotFoundError(
        `no such path: ${path}; the summary path is /summary/namespaces/{ns}/{kind}/{name}`,
      );
    }
    if (!isKindName(kindText) || !deps.mesh.kinds.includes(kindText)) {
      throw new NotFoundError(
        `kind "${kindText}" is not served; served kinds are ${deps.mesh.kinds.join(", ")}`,
      );
    }
    const namespace = NamespaceNameSchema.safeParse(decodeSegment(nsSegment ?? ""));
    const name = ResourceNameSchema.safeParse(decodeSegment(nameSegment));
    if (!namespace.success || !name.success) {
      const issues = [...(namespace.error?.issues ?? []), ...(name.error?.issues ?? [])];
      throw new BadRequestError(`invalid namespace or name: ${issues.map((i) => i.message).join("; ")}`, {
        issues,
      });
    }
    const range = parseTimeRange(query, deps.window, now);
    const measurement = await measureResource(
      deps,
      refOf(kindText, { namespace: namespace.data, name: name.data }),
      range,
      stats,
    );
    return {
      body: summarize(measurement, range),
      warnings: [...stats.warnings],
      roundTrips: stats.roundTrips,
    };
  }
}

/** Answers for a `time` at least this far in the past no longer change as scrapes land. */
const SETTLED_MS = 60_000;

function isSettledPast(time: string | null, now: Date): boolean {
  if (time === null) return false;
  const parsed = InstantSchema.safeParse(time);
  return parsed.success && parsed.data.getTime() <= now.getTime() - SETTLED_MS;
}

function render(answer: Answer): RenderedAnswer {
  return {
    status: answer.status ?? 200,
    json: JSON.stringify(answer.body),
    warnings: answer.warnings,
    roundTrips: answer.roundTrips,
  };
}

function requireMethod(method: string, allowed: string): void {
  if (method !== allowed) {
    throw new MethodNotAllowedError(`method ${method} is not allowed here; use ${allowed}`, [allowed]);
  }
}

function parseJsonBody(event: APIGatewayProxyEventV2): unknown {
  const raw =
    event.body === undefined
      ? ""
      : event.isBase64Encoded
        ? Buffer.from(event.body, "base64").toString("utf8")
        : event.body;
  try {
    return JSON.parse(raw);
  } catch (cause) {
    throw new BadRequestError("the body is not JSON; send Flagger's webhook payload as application/json", {
      cause,
    });
  }
}
