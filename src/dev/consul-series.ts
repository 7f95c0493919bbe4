import type { CatalogEntry } from "./consul-double";
import { ENVOY_BOUNDS_MS } from "./histogram-series";
import {
  OpenMetricsBuilder,
  type SeriesLabels,
  type SeriesSink,
  sinkFor,
  type WriterOptions,
} from "./openmetrics";
import { POD_TEMPLATE_HASH, type Scenario, type Stream, type Workload } from "./scenario";

/** The trust domain consul-k8s derives from its cluster id, as real series carry it. */
const TRUST_DOMAIN = "507b776e-1a6e-f754-c542-488c03a3b35f";

/**
 * A sidecar's stats tags and scrape labels, as a captured consul-dataplane series carries them
 * (Consul ≥ 1.10 tags, the `kubernetes-pods` job, the pod's labels).
 */
function sidecar(w: Workload, pod: string, dc: string): SeriesLabels {
  return {
    consul_source_service: w.service,
    consul_source_namespace: "default",
    consul_source_partition: "default",
    consul_source_datacenter: dc,
    local_cluster: w.service,
    namespace: w.namespace,
    pod,
    app: w.name,
    consul_hashicorp_com_connect_inject_managed_by: "consul-k8s-endpoints-controller",
    consul_hashicorp_com_connect_inject_status: "injected",
    ...(w.kind === "deployment" ? { pod_template_hash: POD_TEMPLATE_HASH } : {}),
    node: "kind-control-plane",
    job: "kubernetes-pods",
    instance: `10.44.${w.namespace.length}.${(w.pods.indexOf(pod) + 1) * 7 + w.name.length}:20200`,
  };
}

/**
 * Responses by status class. Envoy's default stats carry no gRPC status, and a gRPC error travels
 * in a 200's trailers: a gRPC stream is all class 2.
 */
function byClass(
  om: SeriesSink,
  name: string,
  labels: SeriesLabels,
  s: Stream,
  share: number,
  clientOnly: boolean,
) {
  const ok = s.rps * share * (1 - s.serverFailureShare - s.notFoundShare);
  om.counter(name, { ...labels, envoy_response_code_class: "2" }, ok);
  om.counter(name, { ...labels, envoy_response_code_class: "4" }, s.rps * share * s.notFoundShare);
  const failures = s.rps * share * s.serverFailureShare + (clientOnly ? s.clientOnlyFailureRps * share : 0);
  om.counter(name, { ...labels, envoy_response_code_class: "5" }, failures);
}

/**
 * Writes a scenario as Consul's Envoy sidecars would: the server's `public_listener` inbound series,
 * the client's `envoy_cluster_upstream_*` series per destination service, and the client's own
 * `upstream` listener series under the same `envoy_http_downstream_*` names, which must never be
 * read as inbound traffic.
 */
/** A subset's target is `<subset>.<service>...`: only when a splitter chose the subset of its own service. */
const subsetPrefix = (s: Stream) =>
  s.via !== undefined && s.to.service === s.via.apex ? `${s.to.version}.` : "";

export function consulSeries(scenario: Scenario): OpenMetricsBuilder;
export function consulSeries<S extends SeriesSink>(scenario: Scenario, om: S, options?: WriterOptions): S;
export function consulSeries(
  scenario: Scenario,
  om: SeriesSink = new OpenMetricsBuilder(),
  options: WriterOptions = {},
): SeriesSink {
  const sink = sinkFor(om, options);
  const dc = options.datacenter ?? "dc1";
  for (const s of scenario.streams) {
    for (const pod of s.to.pods) {
      const share = 1 / s.to.pods.length;
      const labels = { ...sidecar(s.to, pod, dc), envoy_http_conn_manager_prefix: "public_listener" };
      byClass(sink, "envoy_http_downstream_rq_xx", labels, s, share, false);
      sink.histogram("envoy_http_downstream_rq_time", labels, ENVOY_BOUNDS_MS, [
        [s.rps * share, s.serverLatency],
      ]);
    }
    const client = s.from;
    if (client === undefined) continue;
    for (const pod of client.pods) {
      const share = 1 / client.pods.length;
      const upstream = {
        ...sidecar(client, pod, dc),
        consul_destination_service: s.to.service,
        consul_destination_service_subset:
          s.via === undefined ? "" : s.to.service === s.via.apex ? s.to.version : "",
        consul_destination_namespace: "default",
        consul_destination_partition: "default",
        consul_destination_datacenter: dc,
        consul_destination_target: `${subsetPrefix(s)}${s.to.service}.default.${dc}`,
        consul_destination_full_target: `${subsetPrefix(s)}${s.to.service}.default.${dc}.internal.${TRUST_DOMAIN}`,
        consul_destination_routing_type: "internal",
        consul_destination_trust_domain: TRUST_DOMAIN,
        envoy_cluster_name: s.to.service,
      };
      const parts = [
        [s.rps * share, s.clientLatency],
        [s.clientOnlyFailureRps * share, s.clientOnlyFailureLatency],
      ] as const;
      byClass(sink, "envoy_cluster_upstream_rq_xx", upstream, s, share, true);
      sink.histogram("envoy_cluster_upstream_rq_time", upstream, ENVOY_BOUNDS_MS, parts);
      // The client's outbound listener: same metric names as inbound, tagged with the client's service.
      const listener = { ...sidecar(client, pod, dc), envoy_http_conn_manager_prefix: "upstream" };
      byClass(sink, "envoy_http_downstream_rq_xx", listener, s, share, true);
      sink.histogram("envoy_http_downstream_rq_time", listener, ENVOY_BOUNDS_MS, parts);
    }
  }
  return om;
}

/**
 * The catalog consul-k8s would register for a scenario: each workload's service with its
 * Kubernetes namespace in `k8s-namespace`, its sidecar proxy, and Consul's own service, which has
 * no Kubernetes namespace. `extra` adds services that are registered but never called.
 */
export function consulCatalog(scenario: Scenario, extra: readonly CatalogEntry[] = []): CatalogEntry[] {
  const entries: CatalogEntry[] = [{ name: "consul", instances: 1 }];
  for (const w of scenario.workloads) {
    const meta = {
      "k8s-namespace": w.namespace,
      "k8s-service-name": w.service,
      "managed-by": "consul-k8s-endpoints-controller",
    };
    entries.push({ name: w.service, meta, instances: w.pods.length });
    entries.push({
      name: `${w.service}-sidecar-proxy`,
      kind: "connect-proxy",
      meta,
      instances: w.pods.length,
    });
  }
  return [...entries, ...extra];
}

/** A service registered in the catalog that never receives traffic: it must list at zero. */
export const IDLE_CATALOG_SERVICE: CatalogEntry = {
  name: "reports",
  meta: {
    "k8s-namespace": "shop",
    "k8s-service-name": "reports",
    "managed-by": "consul-k8s-endpoints-controller",
  },
  instances: 1,
};
