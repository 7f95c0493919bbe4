import { matchRoute, type RouteSpec } from "../../src/http/route-table";

/**
 * What the route table implies for the deployed HTTP API, worked out here on its own rather than
 * with src/bundle/http-api-routes.ts, so a mistake there shows as a difference instead of being
 * copied into the expectation; and API Gateway's route selection, to send sample requests
 * through a packaged template's routes.
 */

export type ApiAuthMode = "iam" | "jwt" | "none";

/** A route's lock as CloudFormation states it; an absent AuthorizationType is NONE. */
export interface GatewayLock {
  readonly AuthorizationType: string;
  readonly AuthorizerId?: unknown;
}

/** The lock a deployed route has under `mode` when it serves a table route with this `auth`. */
export function lockFor(auth: RouteSpec["auth"], mode: ApiAuthMode): GatewayLock {
  if (auth !== "api" || mode === "none") return { AuthorizationType: "NONE" };
  return mode === "iam"
    ? { AuthorizationType: "AWS_IAM" }
    : { AuthorizationType: "JWT", AuthorizerId: { Ref: "HttpApiAuthorizerJwt" } };
}

/**
 * Every route key the table implies, with its lock: `*` is the path parameter the route names, a
 * final `**` both nothing (it matches no segment too) and `{proxy+}`. Where two table routes give
 * the same key, the first is the one the local matcher would pick, so its lock is the one expected.
 */
export function expectedRoutes(routes: readonly RouteSpec[], mode: ApiAuthMode): Map<string, GatewayLock> {
  const expected = new Map<string, GatewayLock>();
  for (const route of routes) {
    let named = 0;
    const path = route.path.replace(/\/\*(?=\/|$)/g, () => `/{${route.params?.[named++]}}`);
    const paths = path.endsWith("/**") ? [path.slice(0, -3) || "/", `${path.slice(0, -3)}/{proxy+}`] : [path];
    for (const p of paths) {
      const key = `${route.method} ${p}`;
      if (!expected.has(key)) expected.set(key, lockFor(route.auth, mode));
    }
  }
  return expected;
}

/**
 * How well a route key's path matches a request path, segment by segment (0 literal, 1 path
 * parameter, 2 greedy), or undefined if it does not. A path parameter and `{proxy+}` need a
 * non-empty segment; `{proxy+}` takes one or more.
 */
function rankOf(pattern: readonly string[], path: readonly string[]): number[] | undefined {
  const rank: number[] = [];
  for (const [i, want] of pattern.entries()) {
    const have = path[i];
    if (have === undefined || have === "") return undefined;
    if (want.endsWith("+}")) return [...rank, 2];
    if (want.startsWith("{")) rank.push(1);
    else if (want === have) rank.push(0);
    else return undefined;
  }
  return pattern.length === path.length ? rank : undefined;
}

/**
 * The route key API Gateway (HTTP API) picks for a request, or undefined (its 404): the most
 * specific match, an exact segment before a path parameter before a greedy `{proxy+}`, compared
 * from the left, as in AWS's example (`/pets/dog/{id}` wins over `/pets/{proxy+}` for
 * `/pets/dog/2`). This template has no `ANY` route and no `$default`.
 */
export function gatewayRouteFor(keys: Iterable<string>, method: string, path: string): string | undefined {
  const segments = path.split("/").slice(1);
  let best: { key: string; rank: number[] } | undefined;
  for (const key of keys) {
    const [keyMethod, keyPath = ""] = key.split(" ");
    if (keyMethod !== method) continue;
    const rank = rankOf(keyPath.split("/").slice(1), segments);
    if (rank === undefined) continue;
    const better = best === undefined || compareRanks(rank, best.rank) < 0;
    if (better) best = { key, rank };
  }
  return best?.key;
}

function compareRanks(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return (a[i] ?? 0) - (b[i] ?? 0);
  return a.length - b.length;
}

/** The table route the local server answers a request with, or undefined when it serves none. */
export function localRouteFor(routes: readonly RouteSpec[], method: string, path: string) {
  try {
    return matchRoute(method, path, routes).route;
  } catch {
    return undefined;
  }
}

/**
 * Requests to send both ways: each table pattern with `*` filled in and `**` as nothing, one
 * segment and several, plus paths a client really asks for and paths neither side serves.
 */
export function samplePaths(routes: readonly RouteSpec[]): [string, string][] {
  const fromTable = routes.flatMap((route) => {
    const filled = route.path.replace(/\/\*(?=\/|$)/g, "/v1alpha2");
    const paths = filled.endsWith("/**")
      ? ["", "/namespaces", "/namespaces/shop/deployments/web"].map((rest) => `${filled.slice(0, -3)}${rest}`)
      : [filled];
    return paths.map((path): [string, string] => [route.method, path]);
  });
  const get = (path: string): [string, string] => ["GET", path];
  return [
    ...fromTable,
    get("/apis/metrics.smi-spec.io/v1alpha2"),
    get("/apis/metrics.smi-spec.io/v1alpha2/namespaces/shop/deployments/web"),
    get("/apis/metrics.smi-spec.io/v1alpha2/namespaces/shop/deployments/web/edges"),
    get("/apis/metrics.smi-spec.io/v1alpha1/deployments"),
    get("/summary/namespaces/shop/deployments/web"),
    get("/summary/namespaces/shop"),
    get("/openapi/v3/apis/metrics.smi-spec.io/v1alpha2"),
    get("/apis/split.smi-spec.io/v1alpha4"),
    get("/metrics"),
    get("/openapi/v3/apis/split.smi-spec.io/v1alpha4"),
  ];
}
