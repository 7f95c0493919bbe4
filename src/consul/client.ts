import * as z from "zod";
import { createJsonClient, type JsonClient } from "../net/json-client";

/** `GET /v1/catalog/services`: service name → tags. */
const CatalogServicesSchema = z.record(z.string(), z.array(z.string()).nullable());

/** `GET /v1/catalog/service/{name}`: one entry per registered instance. */
const CatalogServiceSchema = z.array(
  z.looseObject({
    ServiceName: z.string(),
    ServiceKind: z.string().optional(),
    ServiceMeta: z.record(z.string(), z.string()).nullable().optional(),
  }),
);

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
  readonly #json: JsonClient;
  readonly #options: ConsulClientOptions;
  #cache: { at: number; catalog: Promise<Catalog> } | undefined;

  constructor(options: ConsulClientOptions) {
    this.#options = options;
    this.#json = createJsonClient({
      baseUrl: options.address,
      backend: "Consul",
      timeoutMs: options.timeoutMs,
      credentialHint:
        "CONSUL_HTTP_TOKEN: it needs read access to the catalog (and service:read for config entries)",
      headers: this.authHeaders,
      query: options.datacenter === undefined ? undefined : { dc: options.datacenter },
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
    return this.#json.get(`v1/config/service-splitter/${encodeURIComponent(apex)}`, ServiceSplitterSchema, {
      notFound: () => undefined,
    });
  }

  /** Every service-splitter config entry the token may read (Consul filters the rest out). */
  serviceSplitters(): Promise<ServiceSplitter[]> {
    return this.#json.get("v1/config/service-splitter", z.array(ServiceSplitterSchema));
  }

  async #readCatalog(): Promise<Catalog> {
    let filteredByAcls = false;
    const listed = await this.#json.get("v1/catalog/services", CatalogServicesSchema, {
      onHeaders: (headers) => {
        filteredByAcls = headers["x-consul-results-filtered-by-acls"] === "true";
      },
    });
    const names = Object.keys(listed);
    const entries = await Promise.all(
      names.map((name) =>
        this.#json.get(`v1/catalog/service/${encodeURIComponent(name)}`, CatalogServiceSchema),
      ),
    );
    const placed: PlacedService[] = [];
    for (const instances of entries) {
      const first = instances.find((i) => (i.ServiceKind ?? "") === "" && i.ServiceMeta?.["k8s-namespace"]);
      const namespace = first?.ServiceMeta?.["k8s-namespace"];
      if (first !== undefined && namespace !== undefined) placed.push({ name: first.ServiceName, namespace });
    }
    return { services: placed, filteredByAcls };
  }
}
