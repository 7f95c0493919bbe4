import type { Split, SplitBackend } from "../kubernetes/split";
import type { QueryResult } from "../prometheus/client";
import type { Matcher } from "../prometheus/promql";
import type { KindName, ResourceRef } from "../smi/kinds";

/** Labels of a result series. */
export type Labels = Readonly<Record<string, string>>;

export type Side = "client" | "server";

/**
 * Where an object's identity sits in a series: the label holding its name and, for namespaced
 * objects, the label holding its namespace. Absent `namespace` means the mesh's series do not
 * carry it; the adapter then places the object with `placeNamespaces`.
 */
export interface IdentityLabels {
  readonly name: string;
  readonly namespace?: string;
  /**
   * The setting that names `name` when it comes from Prometheus' relabeling (`LABEL_DEPLOYMENT`),
   * so a diagnosis can say which setting to check; absent for labels the proxy itself writes.
   */
  readonly setting?: string;
  /** The same for `namespace` (`LABEL_NAMESPACE`), when relabeling writes it. */
  readonly namespaceSetting?: string;
  /**
   * What a zero says when the counter has series but none carries `name`, where the proxy writes
   * the label only when configured to (Hubble's `labelsContext`). Read from the zero's census, at
   * no extra cost, before any other explanation.
   */
  readonly missing?: string;
}

/**
 * Labels that can name an edge's peer, each with the kind it names, in precedence order: a
 * series names its peer with the first of them that is non-empty. Meshes whose series say the
 * peer's kind (Linkerd's `dst_statefulset`) list one label per kind, so peers of every kind show.
 */
export interface PeerLabels {
  readonly namespace?: string;
  readonly names: readonly PeerName[];
}

/** One label that can name a peer, and the kind of peer it names. */
export interface PeerName {
  readonly label: string;
  readonly kind: KindName;
  /**
   * Only where these also hold (an absent label reads as ""): for a mesh that names every peer with
   * one label and says its kind in another (Hubble's `destination_workload_kind`), one entry per
   * kind. Absent: the label alone decides.
   */
  readonly when?: readonly Matcher[];
}

/**
 * A label that tells independent deployments apart (clusters in one Thanos, Consul datacenters).
 * The adapter pins it when its setting has a value; otherwise the core keeps it in the counts
 * query and says when an answer summed more than one value.
 */
export interface PartitionLabel {
  readonly label: string;
  /** The setting that pins it, named in the Warning. */
  readonly setting: string;
  /** What one value is, in the Warning: "cluster", "datacenter". */
  readonly noun: string;
}

/**
 * Proxies that may each report the same request (Istio: the client's sidecar, the server's sidecar
 * or its waypoint). For every pair of endpoints, named by `pair` on top of the object's own labels,
 * only the first reporter in `order` that has series is counted, and its side is the edge's side.
 */
export interface Observers {
  readonly label: string;
  readonly order: readonly { readonly value: string; readonly side: Side }[];
  readonly pair: readonly string[];
}

/**
 * One family of series, seen from one side of the connection: a request counter, a latency
 * histogram, the fixed matchers that pick the side, and the rule that calls a response a failure.
 */
export interface SeriesFamily {
  readonly counter: string;
  /**
   * Matchers only the counter takes, on a label its histogram does not carry: Hubble's `status`,
   * which tells the httpV2 handler's counter from the deprecated v1 handler's of the same name.
   * Every query and diagnosis of the counter adds them to `matchers` (`counterMatchersOf`).
   */
  readonly counterMatchers?: readonly Matcher[];
  /**
   * The latency histogram's base name, in whichever form the backend holds it: classic buckets
   * (`<name>_bucket`, by `le`) or a native histogram under the name itself (scraped natively, or
   * converted by Prometheus 3's `convert_classic_histograms_to_nhcb`). The core reads both.
   */
  readonly latencyHistogram: string;
  /** Multiply bucket bounds by this to get milliseconds (1 for *_ms histograms). */
  readonly latencyUnitMs: number;
  readonly matchers: readonly Matcher[];
  /** Labels the failure rule reads; the counter is summed by them. */
  readonly outcomeLabels: readonly string[];
  readonly isFailure: (labels: Labels) => boolean;
  /** Whose proxy observed these numbers; reported as `edge.side`. */
  readonly side: Side;
  /** Unpinned labels whose values must not be summed without saying so. */
  readonly partitionBy: readonly PartitionLabel[];
  readonly observers?: Observers;
  /**
   * Only series whose labels pass `test` count. For a condition no exact matcher can state (one of
   * several spellings of a host): `labels` ride in both queries' grouping, and `test` reads them.
   */
  readonly keep?: { readonly labels: readonly string[]; readonly test: (labels: Labels) => boolean };
}

/** How to read the traffic a resource of one kind served. */
export interface ResourceView {
  readonly family: SeriesFamily;
  readonly self: IdentityLabels;
}

/** How to read one direction of a resource's edges. */
export interface EdgeView {
  readonly direction: "to" | "from";
  readonly family: SeriesFamily;
  /** Labels naming the resource whose edges are asked for. */
  readonly self: IdentityLabels;
  readonly peer: PeerLabels;
}

/**
 * One way to read the backends of a split: a family, the matchers that pick the split's traffic,
 * and the labels that name a backend in the results.
 */
export interface BackendReading {
  readonly family: SeriesFamily;
  readonly scope: readonly Matcher[];
  readonly backend: { readonly namespace?: string; readonly name: string };
  /** A backend's name in this reading's results; undefined when this reading does not read it. */
  readonly nameOf: (backend: SplitBackend) => string | undefined;
}

/**
 * A way to read a whole split. The adapter gives its plans in order of preference; the first whose
 * readings find any backend is the answer.
 */
export interface SplitPlan {
  readonly readings: readonly BackendReading[];
  /** Said with the numbers when they are all traffic each backend served, not only the apex's. */
  readonly caveat?: string;
}

/** What a zero answer is asked about: one object, or the objects of a kind in a namespace or all. */
export interface ZeroTarget {
  readonly kind: KindName;
  readonly namespace?: string;
  readonly name?: string;
}

/**
 * Mesh-specific reason a zero may not mean idle. `expr` is an instant-vector PromQL expression,
 * narrow enough to run on every zero answer; when it has series, `warning` is said. `object`
 * explanations hold when the asked object has no request series; `mesh` ones when the mesh's
 * request counter has none at all.
 */
export interface ZeroExplanation {
  readonly when: "object" | "mesh";
  readonly expr: string;
  readonly warning: string;
}

/** What a catalog lists, and what the answer must say about it (an ACL that hid some). */
export interface KnownResources {
  readonly refs: readonly ResourceRef[];
  readonly warnings: readonly string[];
  /** What lists them, as a zero answer names it ("Consul's catalog"). */
  readonly listedBy: string;
}

/**
 * Everything one mesh knows. Adding a mesh is one file implementing this: its metric names,
 * labels, failure rule and kinds. The core asks these questions and never names a mesh.
 */
export interface MeshAdapter {
  readonly name: string;
  /** Kinds this mesh's metrics can answer, in the order `APIResourceList` shows them. */
  readonly kinds: readonly KindName[];
  resourceView(kind: KindName): ResourceView;
  /** Both directions, or an empty list when the mesh's series cannot name peers of this kind. */
  edgeViews(kind: KindName): readonly EdgeView[];
  /** How to read the backends of a split; absent when the mesh's series cannot tell them apart. */
  splitPlans?(split: Split): readonly SplitPlan[];
  /** Other telemetry that explains a zero (Istio ambient: ztunnel's L4-only series). */
  explainZero?(target: ZeroTarget, maxWindow: string): readonly ZeroExplanation[];
  /**
   * Objects that exist even without traffic (a service catalog), so lists can show them at zero.
   * Meshes without a catalog leave this out: Prometheus only knows what sent traffic.
   */
  knownResources?(kind: KindName, namespace: string | undefined): Promise<KnownResources>;
  /**
   * Namespaces of peers whose series do not carry one, keyed by name. `query` runs an instant
   * query at the request's time, counted as one of the request's round trips.
   */
  placeNamespaces?(
    kind: KindName,
    names: readonly string[],
    query: (promql: string) => Promise<QueryResult>,
  ): Promise<ReadonlyMap<string, string>>;
}

/** The matchers a family's counter is selected by: its side's, then the counter's own. */
export const counterMatchersOf = (family: SeriesFamily): readonly Matcher[] =>
  family.counterMatchers === undefined ? family.matchers : [...family.matchers, ...family.counterMatchers];
