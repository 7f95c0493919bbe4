import type { ConsulClient } from "../consul/client";
import type { Split } from "../kubernetes/split";
import type { QueryResult } from "../prometheus/client";
import { eq, renderSelector } from "../prometheus/promql";
import type { KindName } from "../smi/kinds";
import type {
  EdgeView,
  IdentityLabels,
  KnownResources,
  MeshAdapter,
  ResourceView,
  SeriesFamily,
  SplitPlan,
} from "./adapter";
import { LABEL_SETTINGS } from "./label-settings";
import { type ClusterSetting, clusterPartition, type Partition, partitioned } from "./partition";
import { relabeledIdentity } from "./relabeled-identity";

/** Scrape labels Prometheus' relabeling adds to the Envoy sidecar's series. */
interface ConsulLabels {
  readonly namespace: string;
  readonly pod: string;
}

export interface ConsulSettings {
  readonly labels?: ConsulLabels;
  readonly cluster?: ClusterSetting;
  /** `CONSUL_DATACENTER`: the datacenter to answer for, pinned as Consul's own UI pins it. */
  readonly datacenter?: string | undefined;
  /** Consul's catalog, when `CONSUL_HTTP_ADDR` is configured. */
  readonly catalog?: ConsulClient | undefined;
}

const KINDS = ["services", "namespaces", "pods"] as const satisfies readonly KindName[];

const SERVICE = "consul_source_service";
const DESTINATION = "consul_destination_service";

/**
 * Envoy's default stats carry the HTTP status class only, no gRPC status: a failure is a 5xx, or
 * no response (which Envoy counts as its own 503). A gRPC error travels in a 200's trailers, so
 * Consul counts it a success.
 */
const isFailure = (labels: Readonly<Record<string, string>>) => labels.envoy_response_code_class === "5";

/**
 * Inbound traffic at the server's Envoy: the `public_listener` only. The same metric names with
 * `envoy_http_conn_manager_prefix="upstream"` are the client's outbound listeners, still tagged
 * with the client's service; counting them as inbound would count requests twice.
 */
const inbound = (partitions: readonly Partition[]): SeriesFamily =>
  partitioned(
    {
      counter: "envoy_http_downstream_rq_xx",
      latencyHistogram: "envoy_http_downstream_rq_time",
      latencyUnitMs: 1,
      matchers: [eq("envoy_http_conn_manager_prefix", "public_listener")],
      outcomeLabels: ["envoy_response_code_class"],
      isFailure,
      side: "server",
    },
    partitions,
  );

/** Outbound traffic at the client's Envoy, per upstream cluster. */
const upstream = (partitions: readonly Partition[]): SeriesFamily =>
  partitioned(
    {
      counter: "envoy_cluster_upstream_rq_xx",
      latencyHistogram: "envoy_cluster_upstream_rq_time",
      latencyUnitMs: 1,
      matchers: [],
      outcomeLabels: ["envoy_response_code_class"],
      isFailure,
      side: "client",
    },
    partitions,
  );

/** The datacenter label of the side a query is about, as Consul's UI pins it. */
const datacenter = (label: string, value: string | undefined): Partition => ({
  label,
  value,
  setting: "CONSUL_DATACENTER",
  noun: "datacenter",
});

/**
 * Consul service mesh (Envoy sidecars, Consul ≥ 1.10 stats tags). Services are Consul service
 * names, which consul-k8s takes from Kubernetes services. Edges are read at the client in both
 * directions; an upstream series names its destination service but not its Kubernetes namespace,
 * so peers are placed through the catalog's `k8s-namespace` meta, or without a catalog through
 * the namespace label of the peer's own inbound series. With a catalog, lists also show
 * registered services that had no traffic, at zero. A service's own numbers and its `to` edges
 * are pinned to its datacenter by `consul_source_datacenter`, its `from` edges by
 * `consul_destination_datacenter`, as Consul's UI does (its callers may be in any datacenter).
 *
 * The adapter is a table of the functions below, each given the families `consulReadings` binds
 * to the configured labels, cluster and datacenter.
 */
export function createConsulAdapter(settings: ConsulSettings = {}): MeshAdapter {
  const readings = consulReadings(settings);
  const { catalog } = settings;
  return {
    name: "consul",
    kinds: KINDS,
    resourceView: (kind) => consulResourceView(readings, kind),
    edgeViews: (kind) => consulEdgeViews(readings, kind),
    splitPlans: (split) => consulSplitPlans(readings, split),
    // Without a catalog there is nothing to list at zero: Prometheus only knows what sent traffic.
    ...(catalog === undefined
      ? {}
      : { knownResources: (kind, namespace) => consulKnownResources(catalog, kind, namespace) }),
    placeNamespaces: (_kind, names, query) => consulPlaceNamespaces(readings, catalog, names, query),
  };
}

/** The series families every Consul view reads, bound to the configured labels, cluster and datacenter. */
interface ConsulReadings {
  readonly labels: ConsulLabels;
  /** What a server's Envoy answered, pinned to its datacenter. */
  readonly server: SeriesFamily;
  /** What a client's Envoy sent, pinned to the client's datacenter. */
  readonly sent: SeriesFamily;
  /** What clients' Envoys sent, pinned to the destination's datacenter (callers may be in any). */
  readonly received: SeriesFamily;
  /** A service as its own series name it. */
  readonly service: IdentityLabels;
}

function consulReadings(settings: ConsulSettings): ConsulReadings {
  const labels = settings.labels ?? { namespace: "namespace", pod: "pod" };
  const cluster = clusterPartition(settings.cluster ?? { label: "cluster" });
  const source = datacenter("consul_source_datacenter", settings.datacenter);
  return {
    labels,
    server: inbound([cluster, source]),
    sent: upstream([cluster, source]),
    received: upstream([cluster, datacenter("consul_destination_datacenter", settings.datacenter)]),
    service: { namespace: labels.namespace, name: SERVICE, namespaceSetting: LABEL_SETTINGS.namespace[0] },
  };
}

function consulResourceView({ labels, server, service }: ConsulReadings, kind: KindName): ResourceView {
  if (kind === "namespaces")
    return { family: server, self: { name: labels.namespace, setting: LABEL_SETTINGS.namespace[0] } };
  if (kind === "pods")
    return { family: server, self: relabeledIdentity(labels.namespace, "pod", labels.pod) };
  return { family: server, self: service };
}

function consulEdgeViews(
  { labels, sent, received, service }: ConsulReadings,
  kind: KindName,
): readonly EdgeView[] {
  // Upstream series name peer services only: pods and namespaces have no peers to read.
  if (kind !== "services") return [];
  return [
    { direction: "to", family: sent, self: service, peer: { names: [{ label: DESTINATION, kind }] } },
    {
      direction: "from",
      family: received,
      self: { name: DESTINATION },
      peer: { namespace: labels.namespace, names: [{ label: SERVICE, kind }] },
    },
  ];
}

/** Services registered in the catalog, with or without traffic, and whether an ACL hid some. */
async function consulKnownResources(
  catalog: ConsulClient,
  kind: KindName,
  namespace: string | undefined,
): Promise<KnownResources> {
  const listedBy = "Consul's catalog";
  if (kind !== "services") return { refs: [], warnings: [], listedBy };
  const { services, filteredByAcls } = await catalog.catalog();
  return {
    listedBy,
    refs: services
      .filter((s) => namespace === undefined || s.namespace === namespace)
      .map((s) => ({ kind, namespace: s.namespace, name: s.name })),
    warnings: filteredByAcls
      ? [
          'Consul\'s catalog left out the services CONSUL_HTTP_TOKEN may not read (X-Consul-Results-Filtered-By-ACLs), so this list may miss idle ones; give the token service:read on every service (service_prefix "" { policy = "read" })',
        ]
      : [],
  };
}

/**
 * Kubernetes namespaces of peer services, which upstream series do not carry: the catalog's
 * `k8s-namespace` meta, or without a catalog the namespace label of each service's own inbound series.
 */
async function consulPlaceNamespaces(
  { labels, server }: ConsulReadings,
  catalog: ConsulClient | undefined,
  names: readonly string[],
  query: (promql: string) => Promise<QueryResult>,
): Promise<ReadonlyMap<string, string>> {
  if (catalog !== undefined) {
    const services = await catalog.services();
    return new Map(services.filter((s) => names.includes(s.name)).map((s) => [s.name, s.namespace]));
  }
  const result = await query(
    `group by (${labels.namespace}, ${SERVICE}) (${renderSelector(server.counter, server.matchers)})`,
  );
  const placed = new Map<string, string>();
  for (const { metric } of result.samples) {
    const name = metric[SERVICE];
    const namespace = metric[labels.namespace];
    if (name && namespace && names.includes(name)) placed.set(name, namespace);
  }
  return placed;
}

/**
 * A service-splitter's backends, read at the callers' Envoys: each resolved target is an upstream
 * cluster tagged with its service and, for a subset of the apex, its subset. Upstream series do not
 * name the caller's upstream (the apex), so a backend Service's numbers include requests addressed
 * to it directly; a subset exists only behind its service's resolver, so a subset's are the apex's.
 */
function consulSplitPlans({ received }: ConsulReadings, split: Split): SplitPlan[] {
  const { apex } = split;
  const wholeServices = split.backends.some((b) => b.subset === undefined);
  return [
    {
      // A splitter target's upstream cluster is the target's, shared with callers that address the
      // backend service directly: only a subset of the apex itself is the apex's traffic alone.
      ...(wholeServices
        ? {
            caveat: `Consul's upstream series name the service that answered, not the apex ${apex.namespace}/${apex.name} the caller addressed, so each backend service's numbers are all meshed requests to it; split by ServiceSubset of ${apex.name} to count only the apex's requests`,
          }
        : {}),
      readings: [
        {
          family: received,
          scope: [],
          backend: { name: DESTINATION },
          nameOf: (b) => (b.subset === undefined ? b.name : undefined),
        },
        {
          family: received,
          scope: [eq(DESTINATION, split.apex.name)],
          backend: { name: "consul_destination_service_subset" },
          nameOf: (b) => b.subset,
        },
      ],
    },
  ];
}
