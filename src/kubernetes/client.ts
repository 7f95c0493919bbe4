import { Agent } from "node:https";
import axios, { type AxiosInstance, type AxiosResponse } from "axios";
import * as z from "zod";
import { BackendResponseError } from "../errors/backend-errors";
import { NotFoundError } from "../errors/request-errors";
import { bodySnippet, displayUrl, transportError } from "../net/transport-error";
import { type APIGroup, APIGroupListSchema, APIGroupSchema, type ListMeta, StatusSchema } from "./meta";

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
  | DiscoveryRead;

/** A 404 to a path, not to an object: the resource is not served there (at that version). */
export class NotServedError extends NotFoundError {}

/** A read of objects, not of discovery. */
export type ObjectRead = Exclude<ReadAction, { verb: "discover" }>;

/** A discovery read, done for an object read (which errors name: that is what the user asked). */
interface DiscoveryRead {
  readonly verb: "discover";
  readonly group: string;
  readonly path: string;
  readonly for: ObjectRead;
}

/**
 * How to find a group's version on a server that answers neither `/apis/{group}` nor `/apis` (a
 * proxy that forwards only resource paths, a minimal double): list one item at each candidate
 * version, in order, and take the first that is served.
 */
export interface VersionProbe {
  readonly versions: readonly string[];
  /** The collection to list at a version, without a query. */
  readonly path: (version: string) => string;
}

const ProbeListSchema = z.looseObject({ items: z.array(z.unknown()) });

function describeAction(action: ReadAction): string {
  if (action.verb === "discover")
    return `${describeAction(action.for)} (discovering its version: GET ${action.path})`;
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
   * The versions the cluster serves a group at, or `undefined` when it does not serve the group:
   * `GET /apis/{group}`, else the group's entry in `GET /apis`, else (no discovery at all) the
   * first version `probe` finds served. Shared by concurrent callers; a failure is not cached.
   */
  apiGroup(group: string, purpose: ObjectRead, probe?: VersionProbe): Promise<APIGroup | undefined> {
    const now = (this.#options.now ?? Date.now)();
    const cached = this.#groups.get(group);
    if (cached !== undefined && now - cached.at <= (this.#options.discoveryTtlMs ?? 60_000))
      return cached.group;
    const read = this.#discover(group, purpose, probe);
    this.#groups.set(group, { at: now, group: read });
    read.catch(() => {
      if (this.#groups.get(group)?.group === read) this.#groups.delete(group);
    });
    return read;
  }

  async #discover(
    group: string,
    purpose: ObjectRead,
    probe: VersionProbe | undefined,
  ): Promise<APIGroup | undefined> {
    const discovery = (path: string): DiscoveryRead => ({ verb: "discover", group, path, for: purpose });
    const own = await this.#request(`apis/${group}`, APIGroupSchema, discovery(`/apis/${group}`));
    if (own.found) return own.body;
    const all = await this.#request("apis", APIGroupListSchema, discovery("/apis"));
    if (all.found) return all.body.groups.find((g) => g.name === group);
    if (probe === undefined) return undefined;
    for (const version of probe.versions) {
      const listed = await this.#request(`${probe.path(version)}?limit=1`, ProbeListSchema, {
        verb: "list",
        resource: purpose.resource,
        namespace: purpose.namespace,
        version,
      });
      if (listed.found) {
        const served = { groupVersion: `${group}/${version}`, version };
        return { name: group, versions: [served], preferredVersion: served };
      }
    }
    return undefined;
  }

  /** Forgets discovery answers, after a read found the version it promised gone. */
  forgetDiscovery(): void {
    this.#groups.clear();
  }

  /**
   * One object; a 404 is a `NotFoundError` that names it. The API server's Status for a missing
   * object names it (`details.name`); a 404 without that is a path not served (a version the CRD
   * dropped), a `NotServedError`, and discovery is forgotten so the next look finds what is.
   */
  async get<T>(path: string, schema: z.ZodType<T>, action: ObjectRead): Promise<T> {
    const answer = await this.#request(path, schema, action);
    if (!answer.found) {
      const missing = `${action.resource} "${action.name}" not found in namespace ${action.namespace}`;
      if (answer.objectNamed)
        throw new NotFoundError(`${missing} (the Kubernetes API answered HTTP 404: ${answer.message})`);
      this.forgetDiscovery();
      throw new NotServedError(
        `${missing}${action.version ? ` at version ${action.version}` : ""} (the Kubernetes API answered HTTP 404, naming no object: ${answer.message})`,
      );
    }
    return answer.body;
  }

  /** Every item of a list, page by page; a 404 means the resource is not served at all. */
  async list<Item>(
    path: string,
    schema: z.ZodType<{ items: Item[]; metadata?: ListMeta | undefined }>,
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
        throw new NotServedError(
          `the Kubernetes API does not serve ${action.resource}${action.version ? ` at version ${action.version}` : ""} (HTTP 404 to ${describeAction(action)}: ${answer.message}); is its CRD installed?`,
        );
      }
      items.push(...answer.body.items);
      token = answer.body.metadata?.continue || undefined;
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
  ): Promise<{ found: true; body: T } | { found: false; message: string; objectNamed: boolean }> {
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
    if (response.status === 404) {
      return { found: false, message, objectNamed: Boolean(status.data?.details?.name) };
    }
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
