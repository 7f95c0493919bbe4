import * as z from "zod";
import { BackendResponseError } from "../errors/backend-errors";
import { NotFoundError } from "../errors/request-errors";
import type { JsonAnswer } from "../net/json-answer";
import { createJsonClient, type JsonClient } from "../net/json-client";
import { type APIGroup, APIGroupListSchema, APIGroupSchema, type ListMeta } from "./meta";
import {
  type DiscoveryRead,
  describeAction,
  type ObjectRead,
  type ReadAction,
  readWording,
  statusOf,
} from "./read-action";

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
}

/** A 404 to a path, not to an object: the resource is not served there (at that version). */
export class NotServedError extends NotFoundError {}

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

/** A 404 to a read: the API server's words, and whether its Status named a missing object. */
class Missing {
  readonly message: string;
  readonly objectNamed: boolean;
  constructor(answer: JsonAnswer) {
    const status = statusOf(answer);
    this.message = status.message;
    this.objectNamed = status.named;
  }
}

/**
 * A thin reader of the Kubernetes API on axios and zod: the api bundle cannot afford a client
 * library. It authenticates with a bearer token, trusts the configured CA, pages lists, and caches
 * API group discovery briefly. Its errors say which read failed and why: 401/403 name the
 * resource and the permission needed (the status mapper makes them 502s: the cluster is up, our
 * identity is refused), 404 is a `NotFoundError`, a wrong-shaped answer carries zod's issues.
 */
export class KubernetesClient {
  readonly #json: JsonClient;
  readonly #options: KubernetesClientOptions;
  readonly #groups = new Map<string, { at: number; group: Promise<APIGroup | undefined> }>();

  constructor(options: KubernetesClientOptions) {
    this.#options = options;
    const { credential } = options;
    this.#json = createJsonClient({
      baseUrl: options.apiUrl,
      backend: BACKEND,
      timeoutMs: options.timeoutMs,
      credentialHint: credential.hint,
      // Asked per request: a token (an EKS one) expires, and its source caches it.
      headers: async () => ({ authorization: `Bearer ${await credential.token()}` }),
      caPem: options.caPem,
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
    if (!(own instanceof Missing)) return own;
    const all = await this.#request("apis", APIGroupListSchema, discovery("/apis"));
    if (!(all instanceof Missing)) return all.groups.find((g) => g.name === group);
    if (probe === undefined) return undefined;
    for (const version of probe.versions) {
      const listed = await this.#request(`${probe.path(version)}?limit=1`, ProbeListSchema, {
        verb: "list",
        resource: purpose.resource,
        namespace: purpose.namespace,
        version,
      });
      if (!(listed instanceof Missing)) {
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
    if (answer instanceof Missing) {
      const missing = `${action.resource} "${action.name}" not found in namespace ${action.namespace}`;
      if (answer.objectNamed)
        throw new NotFoundError(`${missing} (the Kubernetes API answered HTTP 404: ${answer.message})`);
      this.forgetDiscovery();
      throw new NotServedError(
        `${missing}${action.version ? ` at version ${action.version}` : ""} (the Kubernetes API answered HTTP 404, naming no object: ${answer.message})`,
      );
    }
    return answer;
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
      if (answer instanceof Missing) {
        this.forgetDiscovery();
        throw new NotServedError(
          `the Kubernetes API does not serve ${action.resource}${action.version ? ` at version ${action.version}` : ""} (HTTP 404 to ${describeAction(action)}: ${answer.message}); is its CRD installed?`,
        );
      }
      items.push(...answer.items);
      token = answer.metadata?.continue || undefined;
      if (token !== undefined && seen.has(token)) {
        throw new BackendResponseError(
          BACKEND,
          `the Kubernetes API repeated a continue token to ${describeAction(action)}`,
          {
            url: this.#json.displayUrl(path),
          },
        );
      }
      if (token !== undefined) seen.add(token);
    } while (token !== undefined);
    return items;
  }

  /** One read; a 404 is `Missing` (each caller says what it means), any other failure throws. */
  #request<T>(path: string, schema: z.ZodType<T>, action: ReadAction): Promise<T | Missing> {
    return this.#json.get(path, schema, {
      wording: readWording(action, this.#options.credential.hint),
      notFound: (answer) => new Missing(answer),
    });
  }
}
