import axios, { type AxiosInstance, type AxiosResponse } from "axios";
import * as z from "zod";
import { BackendResponseError } from "../errors/backend-errors";
import { bodySnippet, displayUrl, transportError } from "../net/transport-error";

/** `GET /v1/catalog/services`: service name → tags. */
export const CatalogServicesSchema = z.record(z.string(), z.array(z.string()).nullable());
export type CatalogServices = z.infer<typeof CatalogServicesSchema>;

/** `GET /v1/catalog/service/{name}`: one entry per registered instance. */
export const CatalogServiceSchema = z.array(
  z.looseObject({
    ServiceName: z.string(),
    ServiceKind: z.string().optional(),
    ServiceMeta: z.record(z.string(), z.string()).nullable().optional(),
  }),
);
export type CatalogService = z.infer<typeof CatalogServiceSchema>;

/**
 * `GET /v1/config/service-splitter/{name}`: how requests to a service are split across services
 * and subsets. `Weight` is a percentage (float32; the weights sum to 100, in 0.01 steps);
 * `Service` defaults to the splitter's own name, `Namespace` and `Partition` (Enterprise) to its own.
 */
export const ServiceSplitterSchema = z.looseObject({
  Kind: z.literal("service-splitter"),
  Name: z.string().min(1),
  Namespace: z.string().optional(),
  Partition: z.string().optional(),
  Splits: z.array(
    z.looseObject({
      Weight: z.number().min(0).max(100),
      Service: z.string().optional(),
      ServiceSubset: z.string().optional(),
      Namespace: z.string().optional(),
      Partition: z.string().optional(),
    }),
  ),
});
export type ServiceSplitter = z.infer<typeof ServiceSplitterSchema>;

/** A mesh service as consul-k8s registers it: its Consul name and its Kubernetes namespace. */
export interface PlacedService {
  readonly name: string;
  readonly namespace: string;
}

/** The catalog as the token sees it. */
export interface Catalog {
  readonly services: readonly PlacedService[];
  /** Consul left out services the token may not read (`X-Consul-Results-Filtered-By-ACLs`). */
  readonly filteredByAcls: boolean;
}

export interface ConsulClientOptions {
  readonly address: string;
  readonly token?: string | undefined;
  readonly timeoutMs: number;
  /** How long a catalog read is reused in a warm container. */
  readonly catalogTtlMs?: number;
  /**
   * `CONSUL_DATACENTER`: the catalog and config entries are read there (`?dc=`), as the metrics
   * are pinned there; unset, the agent's own datacenter.
   */
  readonly datacenter?: string | undefined;
  readonly http?: AxiosInstance;
  readonly now?: () => number;
}

/** Consul's metrics proxy, relative to the agent address. */
export const METRICS_PROXY_QUERY_PATH = "v1/internal/ui/metrics-proxy/api/v1/query";

/**
 * Reads Consul's catalog. The token goes in `X-Consul-Token` (the `?token=` form leaks into access
 * logs). Services carry their Kubernetes namespace in the `k8s-namespace` meta that consul-k8s
 * writes; sidecar proxies and services without that meta are not mesh workloads we can place.
 */
export class ConsulClient {
  readonly #http: AxiosInstance;
  readonly #options: ConsulClientOptions;
  #cache: { at: number; catalog: Promise<Catalog> } | undefined;

  constructor(options: ConsulClientOptions) {
    this.#options = options;
    this.#http =
      options.http ??
      axios.create({
        baseURL: options.address,
        responseType: "text",
        transformResponse: (d: unknown) => d,
        // Redirects and environment proxies are not followed (and not in the bundle).
        maxRedirects: 0,
        proxy: false,
      });
  }

  /** Headers that authenticate a request to this agent; also used for the metrics proxy. */
  get authHeaders(): Record<string, string> {
    return this.#options.token ? { "X-Consul-Token": this.#options.token } : {};
  }

  /** Every placeable mesh service the token sees, read once per TTL and shared by concurrent callers. */
  catalog(): Promise<Catalog> {
    const now = (this.#options.now ?? Date.now)();
    const ttl = this.#options.catalogTtlMs ?? 10_000;
    if (this.#cache === undefined || now - this.#cache.at > ttl) {
      const catalog = this.#readCatalog();
      this.#cache = { at: now, catalog };
      catalog.catch(() => {
        if (this.#cache?.catalog === catalog) this.#cache = undefined;
      });
    }
    return this.#cache.catalog;
  }

  async services(): Promise<readonly PlacedService[]> {
    return (await this.catalog()).services;
  }

  /** The service-splitter config entry for `apex`, or `undefined` when it has none (Consul's 404). */
  serviceSplitter(apex: string): Promise<ServiceSplitter | undefined> {
    return this.#get<ServiceSplitter | undefined>(
      `v1/config/service-splitter/${encodeURIComponent(apex)}`,
      ServiceSplitterSchema,
      () => undefined,
    );
  }

  /** Every service-splitter config entry the token may read (Consul filters the rest out). */
  serviceSplitters(): Promise<ServiceSplitter[]> {
    return this.#get("v1/config/service-splitter", z.array(ServiceSplitterSchema));
  }

  async #readCatalog(): Promise<Catalog> {
    let filteredByAcls = false;
    const listed = await this.#get("v1/catalog/services", CatalogServicesSchema, undefined, (headers) => {
      filteredByAcls = headers["x-consul-results-filtered-by-acls"] === "true";
    });
    const names = Object.keys(listed);
    const entries = await Promise.all(
      names.map((name) => this.#get(`v1/catalog/service/${encodeURIComponent(name)}`, CatalogServiceSchema)),
    );
    const placed: PlacedService[] = [];
    for (const instances of entries) {
      const first = instances.find((i) => (i.ServiceKind ?? "") === "" && i.ServiceMeta?.["k8s-namespace"]);
      const namespace = first?.ServiceMeta?.["k8s-namespace"];
      if (first !== undefined && namespace !== undefined) placed.push({ name: first.ServiceName, namespace });
    }
    return { services: placed, filteredByAcls };
  }

  /** `onNotFound` gives the answer for a 404, for endpoints where 404 means "there is none". */
  async #get<T>(
    path: string,
    schema: z.ZodType<T>,
    onNotFound?: () => T,
    onHeaders?: (headers: Readonly<Record<string, unknown>>) => void,
  ): Promise<T> {
    const url = displayUrl(this.#options.address, path);
    const signal = AbortSignal.timeout(this.#options.timeoutMs);
    let response: AxiosResponse<unknown>;
    try {
      response = await this.#http.get(path, {
        headers: { ...this.authHeaders, accept: "application/json" },
        ...(this.#options.datacenter === undefined ? {} : { params: { dc: this.#options.datacenter } }),
        signal,
        responseType: "text",
        transformResponse: (d: unknown) => d,
        validateStatus: () => true,
      });
    } catch (error) {
      throw transportError("Consul", url, this.#options.timeoutMs, error, signal);
    }
    const text = typeof response.data === "string" ? response.data : "";
    onHeaders?.(response.headers);
    if (response.status === 404 && onNotFound !== undefined) return onNotFound();
    if (response.status === 401 || response.status === 403) {
      throw new BackendResponseError(
        "Consul",
        `Consul refused the request (HTTP ${response.status}): ${bodySnippet(text)}. Check CONSUL_HTTP_TOKEN: it needs read access to the catalog (and service:read for config entries)`,
        { url, status: response.status },
      );
    }
    if (response.status < 200 || response.status > 299) {
      throw new BackendResponseError(
        "Consul",
        `Consul answered HTTP ${response.status}: ${bodySnippet(text)}`,
        {
          url,
          status: response.status,
        },
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (cause) {
      throw new BackendResponseError("Consul", "Consul answered with malformed JSON", {
        url,
        status: response.status,
        cause,
      });
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw new BackendResponseError(
        "Consul",
        `Consul answered an unexpected body: ${parsed.error.issues[0]?.message}`,
        {
          url,
          status: response.status,
          issues: parsed.error.issues,
        },
      );
    }
    return parsed.data;
  }
}
