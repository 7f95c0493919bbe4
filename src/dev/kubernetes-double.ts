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
  byVersionPriority,
  GATEWAY_GROUP,
  type KubernetesObject,
  SPLIT_GROUP,
  type SplitResource,
  statusBody,
} from "./kubernetes-api-bodies";
import { route, type Stored, type TokenGrant } from "./kubernetes-double-routes";

export { canaryObjects, type KubernetesObject } from "./kubernetes-api-bodies";

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

/**
 * Starts the double on a free 127.0.0.1 port (HTTPS with `tls`), holding `objects`. Every request
 * is authenticated first (401), then only GETs are served, as {@link route} answers them.
 */
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

function status(res: ServerResponse, code: number, reason: string, message: string) {
  send(res, code, statusBody(code, reason, message));
}

function send(res: ServerResponse, code: number, body: unknown) {
  res.writeHead(code, { "content-type": "application/json", "cache-control": "no-cache, private" });
  res.end(JSON.stringify(body));
}
