import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context as LambdaContext,
} from "aws-lambda";
import type { Context } from "../config/context";
import { ConfigError } from "../errors/config-error";
import { RequestStats } from "../metrics/request-stats";
import { InstantSchema } from "../metrics/time-range";
import { authorize } from "./auth";
import { errorLog } from "./error-log";
import { lambdaResponse } from "./lambda-response";
import { type RequestLog, requestLogWriter } from "./request-log";
import { jsonResponse } from "./response";
import { ResponseBody } from "./response-body";
import { type CacheOutcome, cacheKey, type RenderedResponse, ResponseCache } from "./response-cache";
import { matchRoute, type RouteName, type RouteResult } from "./route-table";
import { routeHandlers } from "./routes";
import { statusHeaders, statusOf } from "./status";
import type { UiSource } from "./ui-files";

/**
 * What a test or a local tool replaces: the clock and where request logs go (else as `LOG_FORMAT`
 * and `LOG_LEVEL` say); and where the web UI's files come from (without one, `/ui/` is a 404).
 */
export interface ApiOptions {
  readonly now?: () => Date;
  readonly log?: (entry: RequestLog) => void;
  readonly ui?: UiSource;
}

export type ApiHandler = (
  event: APIGatewayProxyEventV2,
  invocation?: Pick<LambdaContext, "getRemainingTimeInMillis"> & Partial<Pick<LambdaContext, "awsRequestId">>,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** Time kept back from the Lambda's remaining time to answer with a Status instead of being killed. */
const DEADLINE_MARGIN_MS = 500;

/** Answers for a `time` at least this far in the past no longer change as scrapes land. */
const SETTLED_MS = 60_000;

/** True until the container's first request is logged. */
let coldStart = true;

/**
 * The HTTP API over API Gateway v2 events. Each request is matched against the one route table,
 * authorized as its route says, answered (through the warm container's cache when the route
 * allows it) and logged. Everything comes from the context, so the same code runs in Lambda, in
 * the local server and in tests. A deployed api that nothing would lock refuses to be built.
 */
export function createApiHandler(context: Context, options: ApiOptions = {}): ApiHandler {
  refuseUnlocked(context);
  const now = options.now ?? (() => new Date());
  const log = options.log ?? requestLogWriter(context.config.log);
  const cache = new ResponseCache(context.config.cache);
  const handlers = routeHandlers(context, options.ui);
  /** Matches, authorizes and answers one request, through the cache when its route allows. */
  const answer = async (event: APIGatewayProxyEventV2, stats: RequestStats, served: Served) => {
    const method = event.requestContext.http.method.toUpperCase();
    const query = new URLSearchParams(event.rawQueryString ?? "");
    const { route, rest } = matchRoute(method, event.rawPath);
    served.route = `${route.method} ${route.path}`;
    const request = { method, path: event.rawPath, rest, query, event, stats, now: now() };
    authorize(route.auth, request, context.config);
    const handle = handlers[route.name as RouteName];
    if (route.cacheable) {
      const key = cacheKey(method, event.rawPath, query, event.headers?.accept);
      const compute = async () => render(await handle(request));
      served.result = await cache.get(key, isSettled(query.get("time"), request.now), compute);
    } else {
      const result = await handle(request);
      if (result.response !== undefined) return result.response;
      served.result = { answer: render(result) };
    }
    return lambdaResponse(served.result.answer, event.headers?.["accept-encoding"]);
  };

  return async (event, invocation) => {
    const started = performance.now();
    const deadline =
      invocation === undefined
        ? undefined
        : Date.now() + invocation.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS;
    // Outlives a failure, so the log counts the round trips answered before it.
    const stats = new RequestStats(deadline);
    const served: Served = { route: "unmatched" };
    let response: APIGatewayProxyStructuredResultV2;
    try {
      response = await answer(event, stats, served);
    } catch (error) {
      served.failure = error;
      const status = statusOf(error);
      response = jsonResponse(status.code, status, statusHeaders(error));
    }
    const requestId = invocation?.awsRequestId ?? event.requestContext.requestId;
    log(requestLogOf(event, response, served, { started, stats, requestId }));
    coldStart = false;
    return response;
  };
}

/** What the log says of how a request was served: its route, its answer, or what failed. */
interface Served {
  route: string;
  result?: { answer: RenderedResponse; outcome?: CacheOutcome };
  failure?: unknown;
}

function requestLogOf(
  event: APIGatewayProxyEventV2,
  response: APIGatewayProxyStructuredResultV2,
  { route, result, failure }: Served,
  { started, stats, requestId }: { started: number; stats: RequestStats; requestId: string | undefined },
): RequestLog {
  const status = response.statusCode ?? 200;
  const body = response.body ?? "";
  return {
    method: event.requestContext.http.method.toUpperCase(),
    path: event.rawPath,
    route,
    status,
    bytes: response.isBase64Encoded ? Buffer.byteLength(body, "base64") : Buffer.byteLength(body),
    coldStart,
    durationMs: Math.round(performance.now() - started),
    roundTrips: result?.answer.roundTrips ?? stats.roundTrips,
    ...(requestId === undefined ? {} : { requestId }),
    ...(result?.outcome === undefined ? {} : { cache: result.outcome }),
    ...(failure === undefined ? {} : { error: status === 500 ? errorLog(failure) : summary(failure) }),
  };
}

const summary = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

function isSettled(time: string | null, now: Date): boolean {
  if (time === null) return false;
  const parsed = InstantSchema.safeParse(time);
  return parsed.success && parsed.data.getTime() <= now.getTime() - SETTLED_MS;
}

function render(answer: RouteResult): RenderedResponse {
  return {
    status: answer.status ?? 200,
    body: ResponseBody.of(JSON.stringify(answer.body)),
    ...(answer.contentType === undefined ? {} : { contentType: answer.contentType }),
    warnings: answer.warnings,
    roundTrips: answer.roundTrips,
    ...(answer.items === undefined ? {} : { items: answer.items }),
  };
}

/** A deployed function with `API_AUTH=none` and no `API_TOKEN` would serve anyone: it refuses to start. */
function refuseUnlocked({ config }: Context): void {
  if (
    config.lambdaFunctionName !== undefined &&
    config.apiAuth.mode === "none" &&
    config.apiAuth.token === undefined
  ) {
    throw new ConfigError(
      "invalid configuration: API_TOKEN: refusing to serve: API_AUTH is none and API_TOKEN is unset, so nothing would lock this deployed API. Set API_TOKEN, or deploy with the iam or jwt authorizer (parameter apiAuth)",
      [],
    );
  }
}
