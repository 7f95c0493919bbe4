/**
 * The reference queries of each mesh profile: what an engine's own `query_range` is asked for an
 * object's numbers, written from each mesh's series as its proxies write them (the side a mesh reads,
 * the labels that name an object, the failure rule as label matchers, Istio's choice of reporter),
 * never read from the adapter. A range answer's every point must equal them.
 */
import type { Scenario, Stream, Workload } from "../../src/dev/scenario";
import { servesL7 } from "./ground-truth";

/** A metric and its label matchers, as PromQL text (`reporter!="source"`). */
interface Selector {
  readonly metric: string;
  readonly matchers: readonly string[];
}

/**
 * What one object's numbers are read from: the request counters and the latency buckets, each a
 * union of selectors (Istio picks a reporter per pair of workloads, so an edge between namespaces
 * reads several).
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
  resource(w: Workload): Reference;
  namespace(ns: string): Reference;
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

/** One stream's part of an edge, before the parts of one peer and side are joined. */
interface EdgePart {
  readonly direction: "to" | "from";
  readonly peer: string;
  readonly side: Side;
  readonly reference: Reference;
}

/** The parts of one direction, peer and side joined into one edge, their selectors a union. */
function joinEdges(parts: readonly EdgePart[]): ExpectedEdge[] {
  const joined = new Map<string, ExpectedEdge>();
  for (const part of parts) {
    const key = `${part.direction}|${part.peer}|${part.side}`;
    const held = joined.get(key);
    joined.set(
      key,
      held === undefined
        ? part
        : {
            ...held,
            reference: {
              counters: [...held.reference.counters, ...part.reference.counters],
              buckets: [...held.reference.buckets, ...part.reference.buckets],
            },
          },
    );
  }
  return [...joined.values()];
}

/** Streams sent by `w`, and streams a meshed client sent to `w`. */
const sentBy = (s: Scenario, w: Workload) => s.streams.filter((x) => same(x.from, w));
const meshedTo = (s: Scenario, w: Workload) => s.streams.filter((x) => x.from !== undefined && same(x.to, w));
const client = (x: Stream) => x.from as Workload;

/** Linkerd: inbound at the server for a workload, outbound at the client (`dst_*`) for every edge. */
const linkerdRead = reading("response_total", "response_latency_ms");
const linkerd: MeshReferences = {
  success: ['classification!="failure"'],
  failures: [['classification="failure"']],
  unitMs: 1,
  resource: (w) => linkerdRead(['direction="inbound"', eq("namespace", w.namespace), eq(w.kind, w.name)]),
  namespace: (ns) => linkerdRead(['direction="inbound"', eq("namespace", ns)]),
  edges: (s, w) => {
    const own = (x: Workload) => [eq("namespace", x.namespace), eq(x.kind, x.name)];
    const dst = (x: Workload) => [eq("dst_namespace", x.namespace), eq(`dst_${x.kind}`, x.name)];
    const edge = (direction: "to" | "from", peer: Workload, from: Workload, to: Workload) => ({
      direction,
      peer: `${peer.namespace}/${peer.name}`,
      side: "client" as const,
      reference: linkerdRead(['direction="outbound"', ...own(from), ...dst(to)]),
    });
    return joinEdges([
      ...sentBy(s, w).map((x) => edge("to", x.to, w, x.to)),
      ...meshedTo(s, w).map((x) => edge("from", client(x), client(x), w)),
    ]);
  },
  namespaceEdges: (s, ns) => {
    const meshed = s.streams.filter((x) => x.from !== undefined);
    const edge = (direction: "to" | "from", x: Stream) => {
      const peer = direction === "to" ? x.to.namespace : client(x).namespace;
      const [own, dst] = direction === "to" ? [ns, peer] : [peer, ns];
      const matchers = ['direction="outbound"', eq("namespace", own), eq("dst_namespace", dst)];
      return { direction, peer, side: "client" as const, reference: linkerdRead(matchers) };
    };
    return joinEdges([
      ...meshed.filter((x) => client(x).namespace === ns).map((x) => edge("to", x)),
      ...meshed.filter((x) => x.to.namespace === ns).map((x) => edge("from", x)),
    ]);
  },
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

/** An Istio edge part: `to` at the chosen reporter, `from` at every server-side reporter. */
function istioEdge(direction: "to" | "from", x: Stream, peer: string): EdgePart | undefined {
  const pair = [...source(client(x)), ...destination(x.to)];
  if (direction === "from") {
    if (!servesL7(x.to)) return undefined;
    const matchers = ['reporter!="source"', 'source_workload!="unknown"', ...pair];
    return { direction, peer, side: "server", reference: istioRead(matchers) };
  }
  const by = istioReporter(x);
  if (by === undefined) return undefined;
  const matchers = [eq("reporter", by.reporter), 'destination_workload!="unknown"', ...pair];
  return { direction, peer, side: by.side, reference: istioRead(matchers) };
}

const defined = <T>(items: readonly (T | undefined)[]): T[] => items.filter((i): i is T => i !== undefined);

/** Istio: what the server-side reporters saw for a workload; edges at the reporter Istio's adapter picks. */
const istio: MeshReferences = {
  success: [ISTIO_ANSWERED_CODE, `grpc_response_status!~"${ISTIO_GRPC_FAILURES}"`],
  failures: [[ISTIO_FAILED_CODE], [ISTIO_ANSWERED_CODE, `grpc_response_status=~"${ISTIO_GRPC_FAILURES}"`]],
  unitMs: 1,
  resource: (w) => istioRead(['reporter!="source"', ...destination(w)]),
  namespace: (ns) => istioRead(['reporter!="source"', eq("destination_workload_namespace", ns)]),
  edges: (s, w) =>
    joinEdges(
      defined([
        ...sentBy(s, w).map((x) => istioEdge("to", x, `${x.to.namespace}/${x.to.name}`)),
        ...meshedTo(s, w).map((x) => istioEdge("from", x, `${client(x).namespace}/${client(x).name}`)),
      ]),
    ),
  namespaceEdges: (s, ns) => {
    const meshed = s.streams.filter((x) => x.from !== undefined);
    return joinEdges(
      defined([
        ...meshed.filter((x) => client(x).namespace === ns).map((x) => istioEdge("to", x, x.to.namespace)),
        ...meshed.filter((x) => x.to.namespace === ns).map((x) => istioEdge("from", x, client(x).namespace)),
      ]),
    );
  },
};

/** Consul: a service's own traffic at its Envoy's public listener; edges at the client's upstream. */
const consulServed = reading("envoy_http_downstream_rq_xx", "envoy_http_downstream_rq_time");
const consulUpstream = reading("envoy_cluster_upstream_rq_xx", "envoy_cluster_upstream_rq_time");
const PUBLIC_LISTENER = 'envoy_http_conn_manager_prefix="public_listener"';
const consul: MeshReferences = {
  success: ['envoy_response_code_class!="5"'],
  failures: [['envoy_response_code_class="5"']],
  unitMs: 1,
  resource: (w) =>
    consulServed([PUBLIC_LISTENER, eq("namespace", w.namespace), eq("consul_source_service", w.service)]),
  namespace: (ns) => consulServed([PUBLIC_LISTENER, eq("namespace", ns)]),
  edges: (s, w) => {
    const edge = (direction: "to" | "from", from: Workload, to: Workload): EdgePart => {
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

/** Each mesh profile's reference queries, by profile name. */
export const REFERENCES: Readonly<Record<string, MeshReferences>> = {
  linkerd,
  istio,
  "istio-ambient": istio,
  consul,
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
