import { ROUTES, type RouteSpec } from "../http/route-table";

/** The `apiAuth` stage parameter's values (src/bundle/stage-params.ts). */
export type ApiAuthMode = "iam" | "jwt" | "none";

/** One `httpApi` event of the api function, as serverless.yml would list it by hand. */
export interface HttpApiEvent {
  readonly httpApi: {
    readonly method: RouteSpec["method"];
    readonly path: string;
    readonly authorizer?: { readonly type: "aws_iam" } | { readonly name: "jwt" };
  };
}

/**
 * The gateway authorizer of an `api` route under each mode. `none` has none: the function checks
 * `Authorization: Bearer <API_TOKEN>` itself. `webhook` and open routes never get one.
 */
const AUTHORIZERS = {
  iam: { type: "aws_iam" },
  jwt: { name: "jwt" },
  none: undefined,
} as const satisfies Record<ApiAuthMode, HttpApiEvent["httpApi"]["authorizer"]>;

/**
 * The API Gateway paths a route pattern needs: `*` becomes the path parameter its `params` names,
 * and a final `**` becomes `{proxy+}`. As `**` also matches no segment at all (the local matcher
 * serves `/summary` with the summary route) and `{proxy+}` needs at least one, a final `**`
 * yields the path without it too. A pattern the gateway could not express is an error, so a new
 * route cannot be deployed differently from how it is served locally without anyone noticing.
 */
function gatewayPaths(route: RouteSpec): string[] {
  const segments = route.path.split("/");
  const names = route.params ?? [];
  const wildcards = segments.filter((s) => s === "*").length;
  if (wildcards !== names.length) {
    throw new Error(
      `route ${route.name} (${route.path}) has ${wildcards} "*" segments but names ${names.length} in params`,
    );
  }
  let named = 0;
  const gateway = segments.map((segment, i) => {
    if (segment === "*") return `{${names[named++]}}`;
    if (segment !== "**") return segment;
    if (i !== segments.length - 1) throw new Error(`route ${route.name} (${route.path}): "**" must be last`);
    return "{proxy+}";
  });
  if (segments.at(-1) !== "**") return [gateway.join("/")];
  return [gateway.slice(0, -1).join("/") || "/", gateway.join("/")];
}

/**
 * The api function's `httpApi` events for an `apiAuth` mode, from the route table: what
 * `${apiRoutes:}` gives serverless.yml, so the deployed routes and their authorizers are the table's
 * and nothing else lists them. Two patterns giving the same route (a version's discovery, and its
 * metrics route with nothing after the version) keep the first, as the local matcher does: its
 * first match wins. Path parameter names do not tell routes apart: API Gateway ignores them too.
 */
export function httpApiEvents(mode: ApiAuthMode, routes: readonly RouteSpec[] = ROUTES): HttpApiEvent[] {
  const seen = new Set<string>();
  const events: HttpApiEvent[] = [];
  for (const route of routes) {
    const authorizer = route.auth === "api" ? AUTHORIZERS[mode] : undefined;
    for (const path of gatewayPaths(route)) {
      const key = `${route.method} ${path.replace(/\{[^}+]+\}/g, "{}")}`;
      if (seen.has(key)) continue;
      seen.add(key);
      events.push({ httpApi: { method: route.method, path, ...(authorizer && { authorizer }) } });
    }
  }
  return events;
}
