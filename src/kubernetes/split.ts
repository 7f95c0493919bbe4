/**
 * One model of a traffic split, whatever declared it: an SMI `TrafficSplit`, a Gateway API
 * `HTTPRoute` whose parent is a Service (GAMMA), or a Consul service-splitter. Per-backend
 * measurement and the HTTP layer read only this, never the objects it came from.
 */
import type { SplitKindName } from "../smi/kinds";

/** The Service whose traffic is split: callers address it, the mesh sends on to the backends. */
export interface SplitApex {
  readonly namespace: string;
  readonly name: string;
  /** Only this port of the apex is split (an HTTPRoute parentRef's `port`); absent: every port. */
  readonly port?: number;
  /** The apex's port name (an HTTPRoute parentRef's `sectionName`), when the route names one. */
  readonly portName?: string;
}

export interface SplitBackend {
  readonly namespace: string;
  /** The backend Service (for Consul, the service the split resolves to). */
  readonly name: string;
  /**
   * The configured weight as a whole number, the type SMI's `backend.weight` has. Weights are
   * relative within one split. When the object states fractions, every weight of that split is
   * scaled by the same power of ten so the ratios stay exact: SMI v1alpha1 `"900m"` / `"100m"`
   * become 900 / 100 (thousandths, as Linkerd's proxy and the SMI reference server read them),
   * Consul 33.33 / 66.67 become 3333 / 6667 (Consul's own 0.01% unit). Whole weights are kept
   * as written: 90 stays 90.
   */
  readonly weight: number;
  /** Consul `ServiceSubset`: a subset of the service, told apart by `consul_destination_service_subset`. */
  readonly subset?: string;
  /** Consul Enterprise namespace and admin partition, only when the splitter names them. */
  readonly consulNamespace?: string;
  readonly consulPartition?: string;
}

export interface Split {
  readonly kind: SplitKindName;
  /** The declaring object's namespace and name (for Consul, the apex's). */
  readonly namespace: string;
  readonly name: string;
  /** Where it was read, for messages: `split.smi-spec.io/v1alpha1`, `consul service-splitter`, ... */
  readonly source: string;
  readonly apex: SplitApex;
  /** In the object's order; each backend Service (and subset) once. */
  readonly backends: readonly SplitBackend[];
  /**
   * Set when the weights describe only part of the object, as for an HTTPRoute with several
   * rules: one sentence saying which rule they come from, fit for a `Warning` header.
   */
  readonly weightNote?: string;
}

/**
 * Reads the splits of one source. `get` returns a list because one HTTPRoute can name several
 * Service parents, each a split of its own traffic; a TrafficSplit or a splitter gives one.
 * Both throw `NotFoundError` when the object does not exist or declares no split.
 */
export interface SplitSource {
  /** The split kinds this source can read. */
  readonly kinds: readonly SplitKindName[];
  /** Every split of `kind` in `namespace`, or in all namespaces when it is undefined. */
  list(kind: SplitKindName, namespace: string | undefined): Promise<readonly Split[]>;
  get(kind: SplitKindName, namespace: string, name: string): Promise<readonly Split[]>;
}

/**
 * Whole-number weights from weights counted in `unitsPerWhole`ths (thousandths for Quantities,
 * hundredths for Consul): divided back to whole numbers when every one of them is whole, else
 * left in the fine unit, so one split never mixes units.
 */
export function wholeWeights(fine: readonly number[], unitsPerWhole: number): number[] {
  return fine.every((w) => w % unitsPerWhole === 0) ? fine.map((w) => w / unitsPerWhole) : [...fine];
}
