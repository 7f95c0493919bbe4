import { ConsulClient, METRICS_PROXY_QUERY_PATH } from "../consul/client";
import { ConsulSplitSource } from "../consul/splitter";
import { createKubernetesSplitSource } from "../kubernetes/settings";
import type { SplitSource } from "../kubernetes/split";
import type { MeshAdapter } from "../mesh/adapter";
import { selectMesh } from "../mesh/select";
import { PrometheusClient, type QueryEngine } from "../prometheus/client";
import type { RequestSigner } from "../prometheus/sigv4";
import { lazyDefaultCredentials } from "./aws-credentials";
import type { Config } from "./settings";

/** SigV4 for Amazon Managed Service for Prometheus, loaded on first use. */
function lazySigV4(region: string): RequestSigner {
  let signer: Promise<RequestSigner> | undefined;
  return async (request) => {
    signer ??= import("../prometheus/sigv4").then(({ sigV4Signer }) =>
      sigV4Signer({ region, credentials: lazyDefaultCredentials() }),
    );
    return (await signer)(request);
  };
}

export interface Backends {
  readonly engine: QueryEngine;
  readonly mesh: MeshAdapter;
  /** What the backend is, for `/healthz` and logs: origin only, never credentials. */
  readonly backendDescription: string;
  /** Where split objects are read: the Kubernetes API, or Consul's service-splitters. */
  readonly splits: SplitSource | undefined;
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
          datacenter: config.consulDatacenter,
        });
  const retry = { attempts: config.prometheus.retryAttempts, baseDelayMs: 100 };
  const engine =
    config.prometheus.via === "consul" && consul !== undefined
      ? new PrometheusClient({
          baseUrl: config.prometheus.url,
          timeoutMs: config.prometheus.timeoutMs,
          queryPath: METRICS_PROXY_QUERY_PATH,
          backendName: "Consul metrics proxy",
          credentialHint:
            "CONSUL_HTTP_TOKEN: the metrics proxy needs a token with read access (service:read on the services, or the metrics proxy's own ACL)",
          headers: consul.authHeaders,
          retry,
        })
      : new PrometheusClient({
          baseUrl: config.prometheus.url,
          timeoutMs: config.prometheus.timeoutMs,
          headers: config.prometheus.headers,
          bearerToken: config.prometheus.bearerToken,
          signer:
            config.prometheus.sigv4Region === undefined
              ? undefined
              : lazySigV4(config.prometheus.sigv4Region),
          retry,
        });
  const origin = new URL(config.prometheus.url).origin;
  const splits =
    config.kubernetes !== undefined
      ? createKubernetesSplitSource(config.kubernetes, lazyDefaultCredentials())
      : consul !== undefined
        ? new ConsulSplitSource(consul)
        : undefined;
  return {
    engine,
    splits,
    mesh: selectMesh({
      mesh: config.mesh,
      labels: config.labels,
      cluster: config.cluster,
      consulDatacenter: config.consulDatacenter,
      istioRequestHostLabel: config.istioRequestHostLabel,
      consul,
    }),
    backendDescription:
      config.prometheus.via === "consul" ? `consul metrics proxy at ${origin}` : `prometheus at ${origin}`,
  };
}
