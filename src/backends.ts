import type { Config } from "./config";
import { ConsulClient, METRICS_PROXY_QUERY_PATH } from "./consul/client";
import type { MeshAdapter } from "./mesh/adapter";
import { selectMesh } from "./mesh/select";
import { PrometheusClient, type QueryEngine } from "./prometheus/client";

export interface Backends {
  readonly engine: QueryEngine;
  readonly mesh: MeshAdapter;
  /** What the backend is, for `/healthz` and logs: origin only, never credentials. */
  readonly backendDescription: string;
}

/**
 * Builds the clients a configuration asks for. Called once at module scope by each handler, so
 * a warm container reuses connections and the catalog cache.
 */
export function createBackends(config: Config): Backends {
  const consul =
    config.consul === undefined
      ? undefined
      : new ConsulClient({
          address: config.consul.address,
          token: config.consul.token,
          timeoutMs: config.prometheus.timeoutMs,
        });
  const engine =
    config.prometheus.via === "consul" && consul !== undefined
      ? new PrometheusClient({
          baseUrl: config.prometheus.url,
          timeoutMs: config.prometheus.timeoutMs,
          queryPath: METRICS_PROXY_QUERY_PATH,
          backendName: "Consul metrics proxy",
          headers: consul.authHeaders,
        })
      : new PrometheusClient({ baseUrl: config.prometheus.url, timeoutMs: config.prometheus.timeoutMs });
  const origin = new URL(config.prometheus.url).origin;
  return {
    engine,
    mesh: selectMesh({ mesh: config.mesh, labels: config.labels, consul }),
    backendDescription:
      config.prometheus.via === "consul" ? `consul metrics proxy at ${origin}` : `prometheus at ${origin}`,
  };
}
