import type { InstantVector } from "../prometheus/client";
import type { Matcher } from "../prometheus/promql";
import type { KindName, ResourceRef } from "../smi/kinds";

/** Labels of a result series. */
export type Labels = Readonly<Record<string, string>>;

/**
 * Where an object's identity sits in a series: the label holding its name and, for namespaced
 * objects, the label holding its namespace. Absent `namespace` means the mesh's series do not
 * carry it; the adapter then places the object with `placeNamespaces`.
 */
export interface IdentityLabels {
  readonly name: string;
  readonly namespace?: string;
}

/**
 * One family of series, seen from one side of the connection: a request counter, a latency
 * histogram, the fixed matchers that pick the side, and the rule that calls a response a failure.
 */
export interface SeriesFamily {
  readonly counter: string;
  readonly latencyBucket: string;
  /** Multiply bucket bounds by this to get milliseconds (1 for *_ms histograms). */
  readonly latencyUnitMs: number;
  readonly matchers: readonly Matcher[];
  /** Labels the failure rule reads; the counter is summed by them. */
  readonly outcomeLabels: readonly string[];
  readonly isFailure: (labels: Labels) => boolean;
  /** Whose proxy observed these numbers; reported as `edge.side`. */
  readonly side: "client" | "server";
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
  /** Labels naming the peer; the peer has the same kind as the resource. */
  readonly peer: IdentityLabels;
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
  /**
   * Objects that exist even without traffic (a service catalog), so lists can show them at zero.
   * Meshes without a catalog leave this out: Prometheus only knows what sent traffic.
   */
  knownResources?(kind: KindName, namespace: string | undefined): Promise<readonly ResourceRef[]>;
  /**
   * Namespaces of peers whose series do not carry one, keyed by name. `query` runs an instant
   * query at the request's time, counted as one of the request's round trips.
   */
  placeNamespaces?(
    kind: KindName,
    names: readonly string[],
    query: (promql: string) => Promise<InstantVector>,
  ): Promise<ReadonlyMap<string, string>>;
}
