import type { ConsulClient } from "../consul/client";
import { eq, renderSelector } from "../prometheus/promql";
import type { KindName, ResourceRef } from "../smi/kinds";
import type { MeshAdapter, ResourceView, SeriesFamily } from "./adapter";

/** Scrape labels Prometheus' relabeling adds to the Envoy sidecar's series. */
export interface ConsulLabels {
  readonly namespace: string;
  readonly pod: string;
}

const KINDS = ["services", "namespaces", "pods"] as const satisfies readonly KindName[];

const SERVICE = "consul_source_service";
const DESTINATION = "consul_destination_service";

const isFailure = (labels: Readonly<Record<string, string>>) => labels.envoy_response_code_class === "5";

/**
 * Inbound traffic at the server's Envoy: the `public_listener` only. The same metric names with
 * `envoy_http_conn_manager_prefix="upstream"` are the client's outbound listeners, still tagged
 * with the client's service; counting them as inbound would count requests twice.
 */
const inbound: SeriesFamily = {
  counter: "envoy_http_downstream_rq_xx",
  latencyBucket: "envoy_http_downstream_rq_time_bucket",
  latencyUnitMs: 1,
  matchers: [eq("envoy_http_conn_manager_prefix", "public_listener")],
  outcomeLabels: ["envoy_response_code_class"],
  isFailure,
  side: "server",
};

/** Outbound traffic at the client's Envoy, per upstream cluster. */
const upstream: SeriesFamily = {
  counter: "envoy_cluster_upstream_rq_xx",
  latencyBucket: "envoy_cluster_upstream_rq_time_bucket",
  latencyUnitMs: 1,
  matchers: [],
  outcomeLabels: ["envoy_response_code_class"],
  isFailure,
  side: "client",
};

/**
 * Consul service mesh (Envoy sidecars, Consul ≥ 1.10 stats tags). Services are Consul service
 * names, which consul-k8s takes from Kubernetes services. Edges are read at the client in both
 * directions; an upstream series names its destination service but not its Kubernetes namespace,
 * so peers are placed through the catalog's `k8s-namespace` meta, or without a catalog through
 * the namespace label of the peer's own inbound series. With a catalog, lists also show
 * registered services that had no traffic, at zero.
 */
export function createConsulAdapter(labels: ConsulLabels, catalog?: ConsulClient): MeshAdapter {
  const service = { namespace: labels.namespace, name: SERVICE };
  return {
    name: "consul",
    kinds: KINDS,
    resourceView(kind): ResourceView {
      if (kind === "namespaces") return { family: inbound, self: { name: labels.namespace } };
      if (kind === "pods")
        return { family: inbound, self: { namespace: labels.namespace, name: labels.pod } };
      return { family: inbound, self: service };
    },
    edgeViews(kind) {
      // Upstream series name peer services only: pods and namespaces have no peers to read.
      if (kind !== "services") return [];
      return [
        { direction: "to", family: upstream, self: service, peer: { name: DESTINATION } },
        { direction: "from", family: upstream, self: { name: DESTINATION }, peer: service },
      ];
    },
    ...(catalog === undefined
      ? {}
      : {
          async knownResources(
            kind: KindName,
            namespace: string | undefined,
          ): Promise<readonly ResourceRef[]> {
            if (kind !== "services") return [];
            const services = await catalog.services();
            return services
              .filter((s) => namespace === undefined || s.namespace === namespace)
              .map((s) => ({ kind, namespace: s.namespace, name: s.name }));
          },
        }),
    async placeNamespaces(_kind, names, query) {
      if (catalog !== undefined) {
        const services = await catalog.services();
        return new Map(services.filter((s) => names.includes(s.name)).map((s) => [s.name, s.namespace]));
      }
      const result = await query(
        `group by (${labels.namespace}, ${SERVICE}) (${renderSelector(inbound.counter, inbound.matchers)})`,
      );
      const placed = new Map<string, string>();
      for (const { metric } of result.samples) {
        const name = metric[SERVICE];
        const namespace = metric[labels.namespace];
        if (name && namespace && names.includes(name)) placed.set(name, namespace);
      }
      return placed;
    },
  };
}
