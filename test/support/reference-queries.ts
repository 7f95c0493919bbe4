/**
 * The reference queries of each mesh profile: what an engine's own `query_range` is asked for an
 * object's numbers, written from each mesh's series as its proxies write them (the side a mesh reads,
 * the labels that name an object, the failure rule as label matchers, Istio's and Cilium's choice of
 * reporter), never read from the adapter. A range answer's every point must equal them.
 */
import type { L7Policy, Scenario, Stream, Workload } from "../../src/dev/scenario";
import { servesL7 } from "./ground-truth";

/** A metric and its label matchers, as PromQL text (`reporter!="source"`). */
interface Selector {
  readonly metric: string;
  readonly matchers: readonly string[];
}

/**
 * What one object's numbers are read from: the request counters and the latency buckets, each a
 * union of selectors (Istio and Cilium pick a reporter per pair of workloads, so an edge between
 * namespaces reads several).
 */
export interface Reference {
  readonly counters: readonly Selector[];
  readonly buckets: readonly Selector[];
}

type Side = "client" | "server";

/** One edge an answer must have: its direction, its peer as the API names it, its side and its reference. */
interface ExpectedEdge {
  readonly direction: "to" | "from";
  /** `namespace/name` of a workload or service peer, or the peer namespace for namespace edges. */
  readonly peer: string;
  readonly side: Side;
  readonly reference: Reference;
}

export interface MeshReferences {
  /** The failure rule: the matchers of a success, and disjoint matcher sets whose union is the failures. */
  readonly success: readonly string[];
  readonly failures: readonly (readonly string[])[];
  /** Multiply the buckets' `le` by this for milliseconds. */
  readonly unitMs: number;
  /** A workload's own traffic, under the kind the profile reads it as. */
  resource(s: Scenario, w: Workload): Reference;
  namespace(s: Scenario, ns: string): Reference;
  /** A workload's edges both ways, one per peer and side. */
  edges(s: Scenario, w: Workload): ExpectedEdge[];
  /** A namespace's edges both ways; none where the mesh does not serve them. */
  namespaceEdges(s: Scenario, ns: string): ExpectedEdge[];
}

const eq = (label: string, value: string) => `${label}="${value}"`;
const same = (a: Workload | undefined, b: Workload) =>
  a !== undefined && a.namespace === b.namespace && a.name === b.name;

/** A counter and its histogram read with the same matchers. */
const reading =
  (counter: string, histogram: string) =>
  (matchers: readonly string[]): Reference => ({
    counters: [{ metric: counter, matchers }],
    buckets: [{ metric: `${histogram}_bucket`, matchers }],
  });

/** Several references read as one object: their selectors a union. */
const union = (refs: readonly Reference[]): Reference => ({
  counters: refs.flatMap((r) => r.counters),
  buckets: refs.flatMap((r) => r.buckets),
});

/** The parts of one direction, peer and side joined into one edge, their selectors a union. */
function joinEdges(parts: readonly ExpectedEdge[]): ExpectedEdge[] {
  const joined = new Map<string, ExpectedEdge>();
  for (const part of parts) {
    const key = `${part.direction}|${part.peer}|${part.side}`;
    const held = joined.get(key);
    joined.set(
      key,
      held === undefined ? part : { ...held, reference: union([held.reference, part.reference]) },
    );
  }
  return [...joined.values()];
}

/** Streams sent by `w`, and streams a meshed client sent to `w`. */
const sentBy = (s: Scenario, w: Workload) => s.streams.filter((x) => same(x.from, w));
const meshedTo = (s: Scenario, w: Workload) => s.streams.filter((x) => x.from !== undefined && same(x.to, w));
const client = (x: Stream) => x.from as Workload;
const defined = <T>(items: readonly (T | undefined)[]): T[] => items.filter((i): i is T => i !== undefined);

/** How a mesh reads a stream: on which side, from which series. */
type Read = Pick<ExpectedEdge, "side" | "reference">;
/** How a mesh reads a stream for an edge (a namespace's, `ofNamespace`); undefined where it gives none. */
type EdgeRead = (x: Stream, direction: "to" | "from", ofNamespace: boolean) => Read | undefined;

/** Workload and namespace edges made of each meshed stream's read, joined by direction, peer and side. */
function readEdges(read: EdgeRead): Pick<MeshReferences, "edges" | "namespaceEdges"> {
  // One stream's part of an edge, before the parts of one peer and side are joined.
  const part = (x: Stream, direction: "to" | "from", ofNamespace: boolean): ExpectedEdge | undefined => {
    const end = direction === "to" ? x.to : client(x);
    const peer = ofNamespace ? end.namespace : `${end.namespace}/${end.name}`;
    const how = read(x, direction, ofNamespace);
    return how === undefined ? undefined : { direction, peer, ...how };
  };
  return {
    edges: (s, w) =>
      joinEdges(
        defined([
          ...sentBy(s, w).map((x) => part(x, "to", false)),
          ...meshedTo(s, w).map((x) => part(x, "from", false)),
        ]),
      ),
    namespaceEdges: (s, ns) => {
      const meshed = s.streams.filter((x) => x.from !== undefined);
      const to = meshed.filter((x) => client(x).namespace === ns).map((x) => part(x, "to", true));
      const from = meshed.filter((x) => x.to.namespace === ns).map((x) => part(x, "from", true));
      return joinEdges(defined([...to, ...from]));
    },
  };
}

/** Linkerd: inbound at the server for a workload, outbound at the client (`dst_*`) for every edge. */
const linkerdRead = reading("response_total", "response_latency_ms");
/** A Linkerd edge's read: the client's outbound series, its own labels and `dst_*` naming the pair or their namespaces. */
const linkerdEdge: EdgeRead = (x, _, ofNamespace) => {
  const [from, to] = [client(x), x.to];
  const pair = ofNamespace
    ? [eq("namespace", from.namespace), eq("dst_namespace", to.namespace)]
    : [
        eq("namespace", from.namespace),
        eq(from.kind, from.name),
        eq("dst_namespace", to.namespace),
        eq(`dst_${to.kind}`, to.name),
      ];
  return { side: "client", reference: linkerdRead(['direction="outbound"', ...pair]) };
};
const linkerd: MeshReferences = {
  success: ['classification!="failure"'],
  failures: [['classification="failure"']],
  unitMs: 1,
  resource: (_, w) => linkerdRead(['direction="inbound"', eq("namespace", w.namespace), eq(w.kind, w.name)]),
  namespace: (_, ns) => linkerdRead(['direction="inbound"', eq("namespace", ns)]),
  ...readEdges(linkerdEdge),
};

const ISTIO_FAILED_CODE = 'response_code=~"0|5.*"';
const ISTIO_ANSWERED_CODE = 'response_code!~"0|5.*"';
const ISTIO_GRPC_FAILURES = "2|4|12|13|14|15";
const istioRead = reading("istio_requests_total", "istio_request_duration_milliseconds");
const source = (x: Workload) => [eq("source_workload_namespace", x.namespace), eq("source_workload", x.name)];
const destination = (x: Workload) => [
  eq("destination_workload_namespace", x.namespace),
  eq("destination_workload", x.name),
];

/**
 * Who reports a stream for a `to` edge: the client's sidecar when it has one, else the server's
 * waypoint or sidecar; nobody at L7 for a server with ztunnel only.
 */
function istioReporter(x: Stream): { reporter: string; side: Side } | undefined {
  if (client(x).dataPlane === "sidecar") return { reporter: "source", side: "client" };
  if (x.to.dataPlane === "waypoint") return { reporter: "waypoint", side: "server" };
  return x.to.dataPlane === "sidecar" ? { reporter: "destination", side: "server" } : undefined;
}

/** An Istio edge's read: `to` at the chosen reporter, `from` at every server-side reporter. */
function istioEdge(x: Stream, direction: "to" | "from"): Read | undefined {
  const pair = [...source(client(x)), ...destination(x.to)];
  if (direction === "from") {
    if (!servesL7(x.to)) return undefined;
    const matchers = ['reporter!="source"', 'source_workload!="unknown"', ...pair];
    return { side: "server", reference: istioRead(matchers) };
  }
  const by = istioReporter(x);
  if (by === undefined) return undefined;
  const matchers = [eq("reporter", by.reporter), 'destination_workload!="unknown"', ...pair];
  return { side: by.side, reference: istioRead(matchers) };
}

/** Istio: what the server-side reporters saw for a workload; edges at the reporter Istio's adapter picks. */
const istio: MeshReferences = {
  success: [ISTIO_ANSWERED_CODE, `grpc_response_status!~"${ISTIO_GRPC_FAILURES}"`],
  failures: [[ISTIO_FAILED_CODE], [ISTIO_ANSWERED_CODE, `grpc_response_status=~"${ISTIO_GRPC_FAILURES}"`]],
  unitMs: 1,
  resource: (_, w) => istioRead(['reporter!="source"', ...destination(w)]),
  namespace: (_, ns) => istioRead(['reporter!="source"', eq("destination_workload_namespace", ns)]),
  ...readEdges(istioEdge),
};

/** Consul: a service's own traffic at its Envoy's public listener; edges at the client's upstream. */
const consulServed = reading("envoy_http_downstream_rq_xx", "envoy_http_downstream_rq_time");
const consulUpstream = reading("envoy_cluster_upstream_rq_xx", "envoy_cluster_upstream_rq_time");
const PUBLIC_LISTENER = 'envoy_http_conn_manager_prefix="public_listener"';
const consul: MeshReferences = {
  success: ['envoy_response_code_class!="5"'],
  failures: [['envoy_response_code_class="5"']],
  unitMs: 1,
  resource: (_, w) =>
    consulServed([PUBLIC_LISTENER, eq("namespace", w.namespace), eq("consul_source_service", w.service)]),
  namespace: (_, ns) => consulServed([PUBLIC_LISTENER, eq("namespace", ns)]),
  edges: (s, w) => {
    const edge = (direction: "to" | "from", from: Workload, to: Workload): ExpectedEdge => {
      const peer = direction === "to" ? to : from;
      const matchers = [
        eq("namespace", from.namespace),
        eq("consul_source_service", from.service),
        eq("consul_destination_service", to.service),
      ];
      return {
        direction,
        peer: `${peer.namespace}/${peer.service}`,
        side: "client",
        reference: consulUpstream(matchers),
      };
    };
    return joinEdges([
      ...sentBy(s, w).map((x) => edge("to", w, x.to)),
      ...meshedTo(s, w).map((x) => edge("from", client(x), w)),
    ]);
  },
  // Consul's upstream series name no namespace of the destination: no namespace edges are served.
  namespaceEdges: () => [],
};

/**
 * Cilium (Hubble's httpV2): an agent reports the requests an L7 CiliumNetworkPolicy sends through
 * its node's proxy, `reporter="server"` under the server's ingress policy, `"client"` under the
 * client's egress one, so a pair under both is in Prometheus twice. Each pair of workloads is read
 * at one reporter: the server's when it has series of the pair (an ingress policy shows it all of
 * them), else the client's; none where no L7 policy covers it (L4 flows only).
 */
const hubbleRead = reading("hubble_http_requests_total", "hubble_http_request_duration_seconds");
const HUBBLE_KIND = { deployment: "Deployment", statefulset: "StatefulSet", daemonset: "DaemonSet" } as const;
/** Cilium's scenarios give every workload its policy: unset, none is assumed and the writer's differs. */
const underL7 = (w: Workload | undefined, way: keyof L7Policy) => w?.l7Policy?.[way] === true;

/** One end of a pair; traffic from outside the cluster has empty (absent) source labels. */
const hubbleEnd = (end: "source" | "destination", w: Workload | undefined) => [
  eq(`${end}_namespace`, w?.namespace ?? ""),
  eq(`${end}_workload`, w?.name ?? ""),
  eq(`${end}_workload_kind`, w === undefined ? "" : HUBBLE_KIND[w.kind]),
];

/** A stream's pair at the reporter that reads it, and that reporter's side; undefined without L7. */
function hubblePair(x: Stream): Read | undefined {
  const side = underL7(x.to, "ingress") ? "server" : underL7(x.from, "egress") ? "client" : undefined;
  if (side === undefined) return undefined;
  const matchers = [eq("reporter", side), ...hubbleEnd("source", x.from), ...hubbleEnd("destination", x.to)];
  return { side, reference: hubbleRead(matchers) };
}

/** The pairs of streams as one object's numbers, whichever side read each. */
const hubblePairs = (streams: readonly Stream[]) =>
  union(defined(streams.map((x) => hubblePair(x)?.reference)));

/** Cilium: a resource adds its pairs, traffic from outside included; an edge says its side, none from outside. */
const cilium: MeshReferences = {
  // httpV2 writes `status` always, the deprecated v1 handler's counter of the same name never: `""` is neither.
  success: ['status!~"0|5..|"'],
  failures: [['status=~"0|5.."']],
  unitMs: 1000,
  resource: (s, w) => hubblePairs(s.streams.filter((x) => same(x.to, w))),
  namespace: (s, ns) => hubblePairs(s.streams.filter((x) => x.to.namespace === ns)),
  ...readEdges(hubblePair),
};

/** Each mesh profile's reference queries, by profile name. */
export const REFERENCES: Readonly<Record<string, MeshReferences>> = {
  linkerd,
  istio,
  "istio-ambient": istio,
  consul,
  cilium,
};

const render = ({ metric, matchers }: Selector, extra: readonly string[] = []) =>
  `${metric}{${[...matchers, ...extra].join(",")}}`;

/** The QUANTILES every answer carries. */
const QUANTILES = [0.5, 0.9, 0.99] as const;

/**
 * The reference queries for one object over `window`: successes and failures as the engine's own
 * `sum(increase(...))` of the counters under the failure rule's matchers, and each quantile as its
 * own `histogram_quantile` of the summed bucket rates.
 */
export function referenceQueries(mesh: MeshReferences, ref: Reference, window: string) {
  const increases = (extra: readonly string[]) =>
    ref.counters.map((c) => `increase(${render(c, extra)}[${window}])`);
  const rates = ref.buckets.map((b) => `rate(${render(b)}[${window}])`).join(" or ");
  return {
    success: `sum(${increases(mesh.success).join(" or ")})`,
    failure: `sum(${mesh.failures.flatMap((f) => increases(f)).join(" or ")})`,
    quantiles: QUANTILES.map((q) => `histogram_quantile(${q}, sum by (le) (${rates}))`),
  };
}
