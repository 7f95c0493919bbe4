import { Agent } from "node:https";
import axios, { type AxiosInstance, type AxiosResponse } from "axios";
import type * as z from "zod";
import { BackendResponseError, NotFoundError } from "../errors";
import { bodySnippet, displayUrl, transportError } from "../transport-error";
import { type APIGroup, APIGroupSchema, type ListMeta, StatusSchema } from "./meta";

const BACKEND = "Kubernetes API";

/** Where the bearer token comes from, and what to check when the cluster does not accept it. */
export interface KubernetesCredential {
  token(): Promise<string>;
  /** Names the setting or grant behind the token, for 401 messages (`KUBERNETES_TOKEN`, ...). */
  readonly hint: string;
}

export interface KubernetesClientOptions {
  /** The API server's URL, path prefix included when it sits behind a proxy. */
  readonly apiUrl: string;
  readonly credential: KubernetesCredential;
  /** Per request; a paged list makes one request per page. */
  readonly timeoutMs: number;
  /** PEM of the CA that signed the API server's certificate; absent: the system roots. */
  readonly caPem?: string | undefined;
  /** How long a discovery answer is reused in a warm container. */
  readonly discoveryTtlMs?: number;
  /** Items per page of a list (`limit`); the client follows `continue` to the end. */
  readonly pageSize?: number;
  readonly now?: () => number;
  readonly http?: AxiosInstance;
}

/** One read, as messages name it: `list trafficsplits.split.smi-spec.io in namespace shop`. */
export type ReadAction =
  | {
      readonly verb: "get" | "list";
      /** `<plural>.<group>`, as RBAC rules and kubectl name it. */
      readonly resource: string;
      /** Undefined: all namespaces. */
      readonly namespace: string | undefined;
      readonly name?: string;
      readonly version?: string;
    }
  | { readonly verb: "discover"; readonly group: string };

/** A read of objects, not of discovery. */
export type ObjectRead = Exclude<ReadAction, { verb: "discover" }>;

function describeAction(action: ReadAction): string {
  if (action.verb === "discover") return `read API group ${action.group} (GET /apis/${action.group})`;
  const object = action.name === undefined ? action.resource : `${action.resource} "${action.name}"`;
  const scope = action.namespace === undefined ? "in all namespaces" : `in namespace ${action.namespace}`;
  return `${action.verb} ${object} ${scope}`;
}

/**
 * A thin reader of the Kubernetes API on axios and zod: the api bundle cannot afford a client
 * library. It authenticates with a bearer token, trusts the configured CA, pages lists, and caches
 * API group discovery briefly. Its errors say which read failed and why: 401/403 name the
 * resource and the permission needed (the status mapper makes them 502s: the cluster is up, our
 * identity is refused), 404 is a `NotFoundError`, a wrong-shaped answer carries zod's issues.
 */
export class KubernetesClient {
  readonly #http: AxiosInstance;
  readonly #options: KubernetesClientOptions;
  readonly #groups = new Map<string, { at: number; group: Promise<APIGroup | undefined> }>();

  constructor(options: KubernetesClientOptions) {
    this.#options = options;
    this.#http =
      options.http ??
      axios.create({
        baseURL: options.apiUrl,
        // Redirects and environment proxies are not followed (and not in the bundle).
        maxRedirects: 0,
        proxy: false,
        ...(options.caPem === undefined
          ? {}
          : { httpsAgent: new Agent({ ca: options.caPem, keepAlive: true }) }),
      });
  }

  /**
   * `GET /apis/{group}`: the versions the cluster serves, or `undefined` when it does not serve
   * the group at all. Shared by concurrent callers; a failure is not cached.
   */
  apiGroup(group: string): Promise<APIGroup | undefined> {
    const now = (this.#options.now ?? Date.now)();
    const cached = this.#groups.get(group);
    if (cached !== undefined && now - cached.at <= (this.#options.discoveryTtlMs ?? 60_000))
      return cached.group;
    const read = this.#request(`apis/${group}`, APIGroupSchema, { verb: "discover", group }).then((r) =>
      r.found ? r.body : undefined,
    );
    this.#groups.set(group, { at: now, group: read });
    read.catch(() => {
      if (this.#groups.get(group)?.group === read) this.#groups.delete(group);
    });
    return read;
  }

  /** Forgets discovery answers, after a read found the version it promised gone. */
  forgetDiscovery(): void {
    this.#groups.clear();
  }

  /** One object; a 404 is a `NotFoundError` that names it. */
  async get<T>(path: string, schema: z.ZodType<T>, action: ObjectRead): Promise<T> {
    const answer = await this.#request(path, schema, action);
    if (!answer.found) {
      this.forgetDiscovery();
      throw new NotFoundError(
        `${action.resource} "${action.name}" not found in namespace ${action.namespace} (the Kubernetes API answered HTTP 404: ${answer.message})`,
      );
    }
    return answer.body;
  }

  /** Every item of a list, page by page; a 404 means the resource is not served at all. */
  async list<Item>(
    path: string,
    schema: z.ZodType<{ items: Item[]; metadata: ListMeta }>,
    action: ObjectRead,
  ): Promise<Item[]> {
    const items: Item[] = [];
    const seen = new Set<string>();
    let token: string | undefined;
    do {
      const query = new URLSearchParams({ limit: String(this.#options.pageSize ?? 500) });
      if (token !== undefined) query.set("continue", token);
      const answer = await this.#request(`${path}?${query}`, schema, action);
      if (!answer.found) {
        this.forgetDiscovery();
        throw new NotFoundError(
          `the Kubernetes API does not serve ${action.resource}${action.version ? ` at version ${action.version}` : ""} (HTTP 404 to ${describeAction(action)}: ${answer.message}); is its CRD installed?`,
        );
      }
      items.push(...answer.body.items);
      token = answer.body.metadata.continue || undefined;
      if (token !== undefined && seen.has(token)) {
        throw new BackendResponseError(
          BACKEND,
          `the Kubernetes API repeated a continue token to ${describeAction(action)}`,
          {
            url: displayUrl(this.#options.apiUrl, path),
          },
        );
      }
      if (token !== undefined) seen.add(token);
    } while (token !== undefined);
    return items;
  }

  async #request<T>(
    path: string,
    schema: z.ZodType<T>,
    action: ReadAction,
  ): Promise<{ found: true; body: T } | { found: false; message: string }> {
    const url = displayUrl(this.#options.apiUrl, path);
    const { timeoutMs, credential } = this.#options;
    const token = await credential.token();
    const signal = AbortSignal.timeout(timeoutMs);
    let response: AxiosResponse<unknown>;
    try {
      response = await this.#http.get(path, {
        headers: { authorization: `Bearer ${token}`, accept: "application/json" },
        signal,
        responseType: "text",
        transformResponse: (d: unknown) => d,
        validateStatus: () => true,
      });
    } catch (error) {
      throw transportError(BACKEND, url, timeoutMs, error, signal);
    }
    const text = typeof response.data === "string" ? response.data : "";
    const json = parseJson(text);
    const status = StatusSchema.safeParse(json);
    const message = status.success ? (status.data.message ?? status.data.reason ?? "") : bodySnippet(text);
    if (response.status === 404) return { found: false, message };
    if (response.status === 401 || response.status === 403) {
      throw refused(action, response.status, message, credential.hint, url, status.data?.reason);
    }
    if (response.status < 200 || response.status > 299) {
      throw new BackendResponseError(
        BACKEND,
        `the Kubernetes API answered HTTP ${response.status} to ${describeAction(action)}: ${message}`,
        { url, status: response.status, ...(status.data?.reason ? { errorType: status.data.reason } : {}) },
      );
    }
    if (json === undefined) {
      throw new BackendResponseError(
        BACKEND,
        `the Kubernetes API answered ${describeAction(action)} with a body that is not JSON: ${bodySnippet(text)}`,
        { url, status: response.status },
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      const where = first?.path.length ? `${first.path.join(".")}: ` : "";
      throw new BackendResponseError(
        BACKEND,
        `the Kubernetes API answered ${describeAction(action)} with an unexpected body: ${where}${first?.message}`,
        { url, status: response.status, issues: parsed.error.issues },
      );
    }
    return { found: true, body: parsed.data };
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** 401: the cluster does not know the token; 403: it knows who we are, and RBAC says no. */
function refused(
  action: ReadAction,
  status: 401 | 403,
  message: string,
  hint: string,
  url: string,
  reason: string | undefined,
): BackendResponseError {
  const advice =
    status === 401
      ? `the cluster did not accept the function's credentials; check ${hint}`
      : action.verb === "discover"
        ? "API discovery is open to every authenticated identity (ClusterRole system:discovery) unless the cluster removed that grant"
        : `the function's identity needs get and list on ${action.resource} (a Role or ClusterRole and its binding; see "Traffic splits and canaries" in the README)`;
  return new BackendResponseError(
    BACKEND,
    `the Kubernetes API refused to ${describeAction(action)} (HTTP ${status}): ${message}; ${advice}`,
    { url, status, ...(reason === undefined ? {} : { errorType: reason }) },
  );
}
