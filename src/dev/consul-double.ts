/**
 * A TEST DOUBLE of Consul's HTTP API, not Consul. No Consul binary is available from our
 * package registries, so the demo and the tests run this instead. It implements only the
 * documented endpoints we call, with Consul's status codes and bodies:
 *
 * - `GET /v1/catalog/services` and `GET /v1/catalog/service/{name}`;
 * - `GET /v1/config/service-splitter` and `GET /v1/config/service-splitter/{name}` (404 "Config
 *   entry not found" when the service has none; reading needs service:read, as Consul's ACLs say);
 * - `GET|POST /v1/internal/ui/metrics-proxy/{path}`, forwarding to a real Prometheus
 *   (`ui_config.metrics_proxy.base_url`) when the path is on the allowlist;
 * - ACLs: `X-Consul-Token`; an unknown token is 403 "ACL not found"; the anonymous token sees a
 *   filtered (empty) catalog and may not use the metrics proxy; the proxy needs a token with
 *   wildcard read, else 403 "Permission denied"; the token is stripped before forwarding.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface CatalogEntry {
  readonly name: string;
  /** `connect-proxy` for sidecars; empty for ordinary services. */
  readonly kind?: string;
  readonly tags?: readonly string[];
  readonly meta?: Readonly<Record<string, string>>;
  readonly instances: number;
}

/** A service-splitter config entry as written (`consul config write`): weights in percent. */
export interface SplitterEntry {
  readonly name: string;
  readonly splits: readonly {
    readonly weight: number;
    readonly service?: string;
    readonly serviceSubset?: string;
  }[];
}

export interface ConsulDoubleOptions {
  readonly catalog: readonly CatalogEntry[];
  readonly splitters?: readonly SplitterEntry[];
  /** `ui_config.metrics_proxy.base_url`; without it the proxy answers 404, as Consul does. */
  readonly metricsProxyBaseUrl?: string;
  /** Defaults to Consul's: `/api/v1/query` and `/api/v1/query_range`. */
  readonly pathAllowlist?: readonly string[];
  /** ACL tokens and whether each may read everything. No tokens at all means ACLs are off. */
  readonly tokens?: Readonly<Record<string, { readonly wildcardRead: boolean }>>;
}

export interface ConsulDouble {
  readonly url: string;
  /** Requests the double received, for assertions. */
  readonly requests: { method: string; path: string; query: string; token: string | undefined }[];
  close(): Promise<void>;
}

const PROXY_PREFIX = "/v1/internal/ui/metrics-proxy";
const SPLITTER_PATH = "/v1/config/service-splitter";
const DEFAULT_ALLOWLIST = ["/api/v1/query", "/api/v1/query_range"];

export async function startConsulDouble(options: ConsulDoubleOptions): Promise<ConsulDouble> {
  const requests: ConsulDouble["requests"] = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://consul");
    const tokenHeader = req.headers["x-consul-token"];
    const token = typeof tokenHeader === "string" && tokenHeader !== "" ? tokenHeader : undefined;
    requests.push({ method: req.method ?? "GET", path: url.pathname, query: url.search, token });
    const body = await readBody(req);
    try {
      // A throw while routing (a malformed %-escape) is a 500; the forward to Prometheus is returned,
      // not awaited, so its failure is not turned into one.
      return answer(options, { req, res, url, token, body });
    } catch (error) {
      return text(res, 500, String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One request to the double, its token and body already read. */
interface Call {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly token: string | undefined;
  readonly body: string;
}

/**
 * Consul's answer to one request: the token is resolved first, as Consul does for every endpoint,
 * then the path is routed. Synchronous on purpose: a throw reaches the caller's 500 at once.
 */
function answer(options: ConsulDoubleOptions, call: Call): void | Promise<void> {
  const { req, res, url, token } = call;
  const aclsOn = options.tokens !== undefined;
  const grant = token === undefined ? { wildcardRead: !aclsOn } : options.tokens?.[token];
  if (aclsOn && token !== undefined && grant === undefined) return text(res, 403, "ACL not found");
  const canRead = grant?.wildcardRead ?? !aclsOn;

  if (url.pathname === "/v1/catalog/services" && req.method === "GET") {
    const services: Record<string, string[]> = {};
    if (canRead) for (const e of options.catalog) services[e.name] = [...(e.tags ?? [])];
    return json(res, 200, services, canRead ? {} : { "X-Consul-Results-Filtered-By-ACLs": "true" });
  }
  const one = /^\/v1\/catalog\/service\/([^/]+)$/.exec(url.pathname);
  if (one && req.method === "GET") {
    const name = decodeURIComponent(one[1] as string);
    const entry = canRead ? options.catalog.find((e) => e.name === name) : undefined;
    return json(res, 200, entry ? instances(entry) : []);
  }
  if (url.pathname === SPLITTER_PATH && req.method === "GET") {
    return json(res, 200, canRead ? (options.splitters ?? []).map(splitterJson) : []);
  }
  if (url.pathname.startsWith(`${SPLITTER_PATH}/`) && req.method === "GET") {
    return splitter(options, res, decodeURIComponent(url.pathname.slice(SPLITTER_PATH.length + 1)), canRead);
  }
  if (url.pathname.startsWith(`${PROXY_PREFIX}/`) && (req.method === "GET" || req.method === "POST")) {
    return metricsProxy(options, call, canRead);
  }
  return text(res, 404, "Invalid URL path");
}

/** `GET /v1/config/service-splitter/{name}`: reading an entry needs service:read on it. */
function splitter(options: ConsulDoubleOptions, res: ServerResponse, name: string, canRead: boolean) {
  if (!canRead)
    return text(res, 403, `Permission denied: token lacks permission 'service:read' on "${name}"`);
  const entry = options.splitters?.find((e) => e.name === name);
  if (entry === undefined) return text(res, 404, `Config entry not found for "service-splitter" / "${name}"`);
  return json(res, 200, splitterJson(entry));
}

/**
 * The UI's metrics proxy: enabled by `ui_config.metrics_proxy.base_url`, for tokens with wildcard
 * read, on allowlisted paths only; the request goes on to Prometheus without the token.
 */
function metricsProxy(options: ConsulDoubleOptions, call: Call, canRead: boolean): void | Promise<void> {
  const { req, res, url, body } = call;
  if (options.metricsProxyBaseUrl === undefined) return text(res, 404, "Metrics proxy is not enabled");
  if (!canRead) return text(res, 403, "Permission denied: token lacks 'service:read' and 'node:read' on any");
  const subPath = url.pathname.slice(PROXY_PREFIX.length);
  if (!(options.pathAllowlist ?? DEFAULT_ALLOWLIST).includes(subPath)) {
    return text(
      res,
      403,
      `Permission denied: path ${JSON.stringify(subPath)} is not in the metrics proxy allowlist`,
    );
  }
  return forward(res, `${options.metricsProxyBaseUrl.replace(/\/+$/, "")}${subPath}${url.search}`, req, body);
}

function instances(entry: CatalogEntry) {
  return Array.from({ length: entry.instances }, (_, i) => ({
    ID: `node-${i}`,
    Node: `node-${i}`,
    Address: `10.1.0.${i + 1}`,
    Datacenter: "dc1",
    ServiceKind: entry.kind ?? "",
    ServiceID: `${entry.name}-${i}`,
    ServiceName: entry.name,
    ServiceTags: entry.tags ?? [],
    ServiceMeta: entry.meta ?? {},
    ServicePort: 20000,
    Namespace: "default",
    Partition: "default",
  }));
}

/** The entry as Consul's API answers it: Go field names, `omitempty` fields left out, raft indexes. */
function splitterJson(entry: SplitterEntry) {
  return {
    Kind: "service-splitter",
    Name: entry.name,
    Splits: entry.splits.map((s) => ({
      Weight: s.weight,
      ...(s.service ? { Service: s.service } : {}),
      ...(s.serviceSubset ? { ServiceSubset: s.serviceSubset } : {}),
    })),
    CreateIndex: 42,
    ModifyIndex: 42,
  };
}

async function forward(res: ServerResponse, target: string, req: IncomingMessage, body: string) {
  // The token is not forwarded: Consul strips it before calling the metrics backend.
  const headers: Record<string, string> = {};
  const contentType = req.headers["content-type"];
  if (contentType) headers["content-type"] = contentType;
  const upstream = await fetch(target, {
    method: req.method ?? "GET",
    headers,
    ...(req.method === "POST" ? { body } : {}),
  });
  res.writeHead(upstream.status, {
    "content-type": upstream.headers.get("content-type") ?? "application/json",
  });
  res.end(await upstream.text());
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

function text(res: ServerResponse, status: number, body: string) {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  res.end(body);
}
