import type { Side } from "../mesh/adapter";
import { meets } from "../prometheus/promql";
import { type MeasureSpec, pinnedNamespace } from "./query-plan";

/** Identity of a measured object as the series name it. */
export interface MeasuredKey {
  readonly namespace?: string;
  readonly name: string;
  /** With a grouping's `owner`: the object this one is a peer of. */
  readonly owner?: string;
  /** Index, in the grouping's `names`, of the label that named the object. */
  readonly via: number;
}

/** Separates the parts of an accumulator id; label values cannot hold it. */
export const SEP = "\u0000";

/** What a series' labels name: the object, and whose numbers they are. */
export interface NamedSeries {
  readonly key: MeasuredKey;
  /**
   * Whose proxy the numbers come from: the family's side, or the reporter's; undefined for a
   * reporter the family does not rank.
   */
  readonly side: Side | undefined;
  /** With observers: the pair and the reporter's rank, the end of the accumulator's id; else "". */
  readonly reporter: string;
  /** The accumulator's id, built by the fold on first use and kept for the series' other points. */
  id?: string;
}

/**
 * Which object a series' labels name under a spec. The label set last asked about is remembered:
 * a range answer hands over every point of a series with one label set, each point to its own
 * point's fold, and those folds share one of these, so a series is named once, not once per point.
 */
export class ObjectIdentities {
  readonly #spec: MeasureSpec;
  readonly #pinned: string | undefined;
  #lastLabels: Readonly<Record<string, string>> | undefined;
  #lastNamed: NamedSeries | undefined;

  constructor(spec: MeasureSpec) {
    this.#spec = spec;
    this.#pinned = pinnedNamespace(spec);
  }

  /** What `labels` name, or undefined for a series that names no object (or fails the family's `keep`). */
  of(labels: Readonly<Record<string, string>>): NamedSeries | undefined {
    if (labels !== this.#lastLabels) {
      const key = this.#key(labels);
      this.#lastNamed = key === undefined ? undefined : { key, ...this.#reporter(labels) };
      this.#lastLabels = labels;
    }
    return this.#lastNamed;
  }

  /** The side and id tail of the series' reporter: the family's own side when it has no observers. */
  #reporter(labels: Readonly<Record<string, string>>): { side: Side | undefined; reporter: string } {
    const { family } = this.#spec;
    const { observers } = family;
    if (observers === undefined) return { side: family.side, reporter: "" };
    const rank = observers.order.findIndex((o) => o.value === labels[observers.label]);
    const pair = observers.pair.map((l) => labels[l] ?? "").join(SEP);
    return { side: observers.order[rank]?.side, reporter: `${SEP}${pair}${SEP}${rank}` };
  }

  #key(labels: Readonly<Record<string, string>>): MeasuredKey | undefined {
    const { groupBy, family } = this.#spec;
    if (family.keep !== undefined && !family.keep.test(labels)) return undefined;
    const via = groupBy.names.findIndex(
      (label, i) => !!labels[label] && (groupBy.when?.[i] ?? []).every((m) => meets(labels, m)),
    );
    const name = labels[groupBy.names[via] ?? ""];
    const namespace =
      groupBy.namespace === undefined ? undefined : (this.#pinned ?? labels[groupBy.namespace]);
    if (!name || (groupBy.namespace !== undefined && !namespace)) return undefined;
    const owner = groupBy.owner === undefined ? undefined : labels[groupBy.owner];
    if (groupBy.owner !== undefined && !owner) return undefined;
    return {
      ...(namespace === undefined ? {} : { namespace }),
      name,
      via,
      ...(owner === undefined ? {} : { owner }),
    };
  }
}
