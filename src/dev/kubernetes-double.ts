/**
 * A TEST DOUBLE of the Kubernetes API server, not Kubernetes. No API server binary is available
 * from our package registries, so tests and the demo run this instead. It serves only the
 * documented endpoints this project (and kubectl, for reading these two resources) calls, with the
 * API server's paths, bodies, status codes and `Status` errors:
 *
 * - discovery: `GET /api`, `/api/v1`, `/apis` (APIGroupList), `/apis/{group}` (APIGroup, preferred version
 *   first, by Kubernetes' version priority), `/apis/{group}/{version}` (APIResourceList), for
 *   `split.smi-spec.io` (the versions configured) and `gateway.networking.k8s.io` (v1);
 * - `GET` list (namespaced and all namespaces) and get of `trafficsplits` and `httproutes`, with
 *   `limit`/`continue` paging, `metadata.resourceVersion` on lists and objects, and custom
 *   resources served at the requested version unchanged apart from `apiVersion` (CRD
 *   `conversion: None`, as linkerd-smi's CRD declares);
 * - authentication by bearer token (none or unknown: 401 `Unauthorized`) and RBAC per token
 *   (403 `Forbidden`, with the API server's message naming user, verb, resource and scope);
 *   discovery is open to every authenticated user (ClusterRole `system:discovery`);
 * - 404 `NotFound` for an unknown object (naming it) and for an unknown group, version or path;
 * - `GET /api/v1/namespaces/{name}`, which kubectl reads after a 404 (any authenticated user may).
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import {
  apiGroup,
  byVersionPriority,
  CORE_RESOURCES,
  forbiddenBody,
  GATEWAY_GROUP,
  type KubernetesObject,
  NOT_FOUND_PATH,
  namespaceObject,
  notFoundObject,
  RESOURCES,
  resourceList,
  SPLIT_GROUP,
  type SplitResource,
  statusBody,
} from "./kubernetes-api-bodies";

export { canaryObjects, type KubernetesObject } from "./kubernetes-api-bodies";

type Verb = "get" | "list";

interface RbacRule {
  readonly resource: SplitResource;
  readonly verbs: readonly Verb[];
  /** A Role's namespace; absent: a ClusterRole, every namespace and the cluster scope. */
  readonly namespace?: string;
}

interface TokenGrant {
  /** The user the token authenticates as, e.g. `system:serviceaccount:smi:metrics-api`. */
  readonly user: string;
  /** What RBAC allows this user; absent: everything (a cluster admin). */
  readonly rules?: readonly RbacRule[];
}

export interface KubernetesDoubleOptions {
  /** `split.smi-spec.io` versions served; empty: the TrafficSplit CRD is not installed. */
  readonly trafficSplitVersions?: readonly string[];
  /** Whether the Gateway API CRDs (HTTPRoute v1) are installed. Default true. */
  readonly gatewayApi?: boolean;
  readonly objects?: readonly KubernetesObject[];
  readonly tokens: Readonly<Record<string, TokenGrant>>;
  /** Serve HTTPS with this key and certificate (PEM), as every real API server does. */
  readonly tls?: { readonly key: string; readonly cert: string };
}

export interface KubernetesDouble {
  readonly url: string;
  /** Requests received, for assertions: path with query, and the bearer token sent. */
  readonly requests: { path: string; token: string | undefined }[];
  /** Creates or replaces an object, as `kubectl apply` does: a new resourceVersion. */
  apply(object: KubernetesObject): void;
  /** Changes the versions the TrafficSplit CRD serves, as applying an edited CRD does. */
  serveTrafficSplitVersions(versions: readonly string[]): void;
  close(): Promise<void>;
}

const RESOURCE_OF_KIND: Record<string, SplitResource> = {
  TrafficSplit: "trafficsplits",
  HTTPRoute: "httproutes",
};

interface Stored {
  object: KubernetesObject;
  resourceVersion: number;
  uid: string;
  created: string;
}

export async function startKubernetesDouble(options: KubernetesDoubleOptions): Promise<KubernetesDouble> {
  const requests: KubernetesDouble["requests"] = [];
  const store = new Map<string, Stored>();
  let resourceVersion = 1000;
  const apply = (object: KubernetesObject) => {
    const resource = RESOURCE_OF_KIND[object.kind];
    if (resource === undefined)
      throw new Error(`the double stores TrafficSplits and HTTPRoutes, not ${object.kind}`);
    const key = `${resource}/${object.metadata.namespace}/${object.metadata.name}`;
    const previous = store.get(key);
    resourceVersion += 1;
    store.set(key, {
      object,
      resourceVersion,
      uid: previous?.uid ?? crypto.randomUUID(),
      created: previous?.created ?? new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    });
  };
  for (const object of options.objects ?? []) apply(object);

  const served: Record<string, readonly string[]> = {
    [SPLIT_GROUP]: [...(options.trafficSplitVersions ?? ["v1alpha4"])].sort(byVersionPriority),
    [GATEWAY_GROUP]: (options.gatewayApi ?? true) ? ["v1"] : [],
  };
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://kubernetes");
    const auth = req.headers.authorization;
    const token = auth?.startsWith("Bearer ") ? auth.slice(7) : undefined;
    requests.push({ path: `${url.pathname}${url.search}`, token });
    const grant = token === undefined ? undefined : options.tokens[token];
    if (grant === undefined) return status(res, 401, "Unauthorized", "Unauthorized");
    if (req.method !== "GET") return status(res, 405, "MethodNotAllowed", "the double serves GET only");
    const answer = route(url, grant, served, store, resourceVersion);
    return send(res, answer.code, answer.body);
  };
  const server = options.tls ? createHttpsServer(options.tls, handle) : createHttpServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? "https" : "http"}://127.0.0.1:${port}`,
    requests,
    apply,
    serveTrafficSplitVersions: (versions) => {
      served[SPLIT_GROUP] = [...versions].sort(byVersionPriority);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Answer {
  code: number;
  body: unknown;
}

function route(
  url: URL,
  grant: TokenGrant,
  served: Record<string, readonly string[]>,
  store: Map<string, Stored>,
  currentVersion: number,
): Answer {
  const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  if (url.pathname === "/api")
    return ok({ kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] });
  if (url.pathname === "/api/v1") return ok(CORE_RESOURCES);
  if (parts[0] === "api" && parts[1] === "v1" && parts[2] === "namespaces" && parts.length === 4) {
    return namespace(parts[3] as string, store);
  }
  if (parts[0] !== "apis") return notFoundPath();
  const [, group, version, ...rest] = parts;
  const groups = Object.entries(served).filter(([, versions]) => versions.length > 0);
  if (group === undefined) {
    return ok({
      kind: "APIGroupList",
      apiVersion: "v1",
      groups: groups.map(([name, v]) => apiGroup(name, v)),
    });
  }
  const versions = served[group] ?? [];
  if (version === undefined) return versions.length === 0 ? notFoundPath() : ok(apiGroup(group, versions));
  const resources = (Object.keys(RESOURCES) as SplitResource[]).filter((r) => RESOURCES[r].group === group);
  if (rest.length === 0)
    return versions.includes(version) ? ok(resourceList(`${group}/${version}`, resources)) : notFoundPath();

  // Authorization comes before the lookup, on the request's attributes alone, as in the API server.
  const target = parseTarget(rest);
  if (target === undefined || !resources.includes(target.resource)) return notFoundPath();
  const verb: Verb = target.name === undefined ? "list" : "get";
  if (!allowed(grant, verb, target.resource, target.namespace)) {
    return { code: 403, body: forbiddenBody({ user: grant.user, verb, ...target }) };
  }
  if (!versions.includes(version)) return notFoundPath();
  const apiVersion = `${group}/${version}`;
  if (target.name !== undefined) {
    const stored = store.get(`${target.resource}/${target.namespace}/${target.name}`);
    return stored === undefined
      ? { code: 404, body: notFoundObject(target.resource, target.name) }
      : ok(asServed(stored, apiVersion));
  }
  const prefix = `${target.resource}/${target.namespace === undefined ? "" : `${target.namespace}/`}`;
  const matching = [...store.entries()]
    .filter(([key]) => key.startsWith(prefix))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return page(url, matching, apiVersion, RESOURCES[target.resource].kind, currentVersion);
}

interface Target {
  resource: SplitResource;
  namespace: string | undefined;
  name: string | undefined;
}

/** `{resource}` | `namespaces/{ns}/{resource}` | `namespaces/{ns}/{resource}/{name}`. */
function parseTarget(rest: string[]): Target | undefined {
  if (rest.length === 1) return { resource: rest[0] as SplitResource, namespace: undefined, name: undefined };
  if (rest[0] !== "namespaces" || rest.length < 3 || rest.length > 4) return undefined;
  return { resource: rest[2] as SplitResource, namespace: rest[1], name: rest[3] };
}

function allowed(
  grant: TokenGrant,
  verb: Verb,
  resource: SplitResource,
  namespace: string | undefined,
): boolean {
  if (grant.rules === undefined) return true;
  return grant.rules.some(
    (r) =>
      r.resource === resource &&
      r.verbs.includes(verb) &&
      (r.namespace === undefined || (namespace !== undefined && r.namespace === namespace)),
  );
}

/** A list page: items in key order, `continue` while more remain, as the API server encodes it. */
function page(url: URL, matching: [string, Stored][], apiVersion: string, kind: string, rv: number): Answer {
  const limit = Number(url.searchParams.get("limit") ?? "0");
  const cont = url.searchParams.get("continue");
  let start = 0;
  if (cont) {
    const decoded = decodeContinue(cont);
    if (decoded === undefined) {
      return {
        code: 400,
        body: statusBody(
          400,
          "BadRequest",
          "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
        ),
      };
    }
    start = matching.findIndex(([key]) => key > decoded);
    if (start < 0) start = matching.length;
  }
  const slice = limit > 0 ? matching.slice(start, start + limit) : matching.slice(start);
  const remaining = matching.length - start - slice.length;
  const last = slice.at(-1)?.[0];
  const metadata: Record<string, unknown> = { continue: "", resourceVersion: String(rv) };
  if (remaining > 0 && last !== undefined) {
    metadata.continue = Buffer.from(
      JSON.stringify({ v: "meta.k8s.io/v1", rv, start: `${last}\u0000` }),
    ).toString("base64");
    metadata.remainingItemCount = remaining;
  }
  return ok({
    apiVersion,
    items: slice.map(([, s]) => asServed(s, apiVersion)),
    kind: `${kind}List`,
    metadata,
  });
}

function decodeContinue(token: string): string | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64").toString()) as { v?: string; start?: string };
    return parsed.v === "meta.k8s.io/v1" && typeof parsed.start === "string" ? parsed.start : undefined;
  } catch {
    return undefined;
  }
}

/** The stored object at the requested version: only `apiVersion` changes (conversion None). */
function asServed(stored: Stored, apiVersion: string): unknown {
  return {
    ...stored.object,
    apiVersion,
    metadata: {
      ...stored.object.metadata,
      creationTimestamp: stored.created,
      generation: 1,
      resourceVersion: String(stored.resourceVersion),
      uid: stored.uid,
    },
  };
}

const ok = (body: unknown): Answer => ({ code: 200, body });

function namespace(name: string, store: Map<string, Stored>): Answer {
  const exists = [...store.values()].some((s) => s.object.metadata.namespace === name);
  return exists
    ? ok(namespaceObject(name))
    : {
        code: 404,
        body: statusBody(404, "NotFound", `namespaces "${name}" not found`, { name, kind: "namespaces" }),
      };
}

const notFoundPath = (): Answer => ({ code: 404, body: NOT_FOUND_PATH });

function status(res: ServerResponse, code: number, reason: string, message: string) {
  send(res, code, statusBody(code, reason, message));
}

function send(res: ServerResponse, code: number, body: unknown) {
  res.writeHead(code, { "content-type": "application/json", "cache-control": "no-cache, private" });
  res.end(JSON.stringify(body));
}
