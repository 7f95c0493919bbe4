import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import type { Answer } from "../answers/answer";
import { MethodNotAllowedError, NotFoundError } from "../errors/request-errors";
import type { RequestStats } from "../metrics/request-stats";
import { API_GROUP } from "../smi/kinds";
import { SMI_PREFIX } from "../smi/route";

/**
 * Who may call a route:
 * - `none`: anyone (liveness, readiness, discovery);
 * - `api`: the API's callers: the gateway's authorizer under `API_AUTH=iam|jwt`, or under `none`
 *   the function's own `Authorization: Bearer <API_TOKEN>`;
 * - `webhook`: the Flagger webhook's shared secret, in its metadata or `?token=` (Flagger can
 *   neither sign requests nor send headers).
 */
export type RouteAuth = "none" | "api" | "webhook";

/** One route: its method and path pattern, who may call it, and whether its answers may be cached. */
export interface RouteSpec {
  /** Names the function that answers it (`src/http/routes.ts`). */
  readonly name: string;
  readonly method: "GET" | "POST";
  /** A path pattern: `*` stands for one segment, a final `**` for any number of them. */
  readonly path: string;
  /**
   * The names of the pattern's `*` segments, in order. The deployed template's HTTP API route keys
   * (`src/bundle/http-api-routes.ts`) need a name for each, and one that says what it holds.
   */
  readonly params?: readonly string[];
  readonly auth: RouteAuth;
  /**
   * Whether an answer for an explicit, settled `time` may be served from the warm container's
   * cache. Routes whose answers can change (now-relative, health) are not.
   */
  readonly cacheable: boolean;
}

const open = <Name extends string>(name: Name, path: string) =>
  ({ name, method: "GET", path, auth: "none", cacheable: false }) as const;

/**
 * The api function's one route table: every path it serves, who may call it and whether its
 * answers may be cached. The dispatcher, the OpenAPI document and the deployed template's HTTP API
 * routes (`${apiRoutes:}` in serverless.yml) all read this list; nothing else lists routes.
 * Locally the first matching route wins; API Gateway picks the most specific one instead, so an
 * overlap must list the narrower route first (test/packaging.test.ts sends requests both ways).
 * Discovery needs no metrics and no credentials: it says only which kinds this mesh serves.
 */
export const ROUTES = [
  open("health", "/healthz"),
  open("readiness", "/readyz"),
  open("smiDiscovery", SMI_PREFIX),
  { ...open("smiDiscovery", `${SMI_PREFIX}/*`), params: ["version"] },
  {
    name: "smiMetrics",
    method: "GET",
    path: `${SMI_PREFIX}/*/**`,
    params: ["version"],
    auth: "api",
    cacheable: true,
  },
  { name: "summary", method: "GET", path: "/summary/**", auth: "api", cacheable: true },
  { name: "flaggerGate", method: "POST", path: "/webhooks/flagger", auth: "webhook", cacheable: false },
  // The Kubernetes API server's own paths that kubectl reads first, and the OpenAPI documents.
  open("version", "/version"),
  open("coreApi", "/api"),
  open("apiGroups", "/apis"),
  open("openapiV2", "/openapi/v2"),
  open("openapiV3", "/openapi/v3"),
  { ...open("openapiV3GroupVersion", `/openapi/v3/apis/${API_GROUP}/*`), params: ["version"] },
  open("openapiJson", "/openapi.json"),
  // The web UI: a page and its hashed files, which hold no data. Open under every apiAuth: the
  // page calls the locked routes above with whatever credentials the deployment takes.
  open("ui", "/ui/**"),
] as const satisfies readonly RouteSpec[];

export type RouteName = (typeof ROUTES)[number]["name"];

/** One request as a route sees it. */
export interface RouteRequest {
  readonly method: string;
  readonly path: string;
  /** The segments the route's wildcards matched, in order, still percent-encoded. */
  readonly rest: readonly string[];
  readonly query: URLSearchParams;
  readonly event: APIGatewayProxyEventV2;
  readonly stats: RequestStats;
  readonly now: Date;
}

/** What a route produced: a use case's answer, and its HTTP status and content type when not the defaults. */
export interface RouteResult extends Answer {
  readonly status?: number;
  /** Absent means `application/json`. */
  readonly contentType?: string;
  /**
   * A response the route made whole (the web UI's files: their own headers, bodies compressed at
   * build time): sent as it is, never cached; `body` is then unused.
   */
  readonly response?: APIGatewayProxyStructuredResultV2;
}

export type RouteHandler = (request: RouteRequest) => Promise<RouteResult>;

/**
 * The segments a pattern's wildcards matched, or undefined when it does not match. `*` matches
 * one segment and a final `**` any number (none included); a trailing slash on the path is
 * ignored, as kubectl and curl users write both.
 */
function wildcardsOf(pattern: string, path: string): string[] | undefined {
  const want = pattern.split("/");
  const have = (path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path).split("/");
  const matched: string[] = [];
  for (let i = 0; i < want.length; i++) {
    const segment = want[i] as string;
    if (segment === "**" && i === want.length - 1) return [...matched, ...have.slice(i)];
    const actual = have[i];
    if (actual === undefined) return undefined;
    if (segment === "*") {
      if (actual === "") return undefined;
      matched.push(actual);
    } else if (segment !== actual) return undefined;
  }
  return have.length === want.length ? matched : undefined;
}

/**
 * Finds the first route whose path and method match. A path served for other methods is a 405
 * that names them; a path served by no route is a 404 that lists what is served.
 */
export function matchRoute(
  method: string,
  path: string,
  table: readonly RouteSpec[] = ROUTES,
): { route: RouteSpec; rest: readonly string[] } {
  const allowed: string[] = [];
  for (const route of table) {
    const rest = wildcardsOf(route.path, path);
    if (rest === undefined) continue;
    if (route.method === method) return { route, rest };
    if (!allowed.includes(route.method)) allowed.push(route.method);
  }
  if (allowed.length > 0) {
    throw new MethodNotAllowedError(
      `method ${method} is not allowed here; use ${allowed.join(" or ")}`,
      allowed,
    );
  }
  const served = [...new Set(table.map((r) => r.path.replace(/\*\*?/g, "...")))];
  throw new NotFoundError(`no such path: ${path}; this server answers ${served.join(", ")}`);
}
