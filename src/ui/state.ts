/**
 * What the page shows, kept in the URL's fragment so a link shares the view: which view, the
 * namespace (or all), the kind and name, the time range and the refresh interval. The fragment
 * never reaches a server or a log, and it never holds the token.
 */
export const VIEWS = ["namespace", "topology", "workload", "canary"] as const;
export type ViewName = (typeof VIEWS)[number];

export const RANGES = ["15m", "1h", "6h", "24h", "custom"] as const;
export type RangeName = (typeof RANGES)[number];

export const REFRESHES = ["off", "30s", "1m", "5m"] as const;
type RefreshName = (typeof REFRESHES)[number];

export interface ViewState {
  readonly view: ViewName;
  /** The namespace; empty with `all`. */
  readonly ns: string;
  /** All namespaces (`-A`): the namespace view only. */
  readonly all: boolean;
  readonly kind: string;
  /** The workload or split: the workload and canary views. */
  readonly name: string;
  readonly range: RangeName;
  /** A custom range's ends, RFC 3339 in UTC. */
  readonly start: string;
  readonly end: string;
  readonly refresh: RefreshName;
}

const oneOf = <T extends string>(values: readonly T[], text: string | null, fallback: T): T =>
  values.includes(text as T) ? (text as T) : fallback;

/** The state a fragment describes; anything missing or unknown takes its default. */
export function parseState(hash: string, defaultKind: string): ViewState {
  const q = new URLSearchParams(hash.replace(/^#/, ""));
  const ns = q.get("ns") ?? "";
  return {
    view: oneOf(VIEWS, q.get("view"), "namespace"),
    ns,
    all: q.get("all") === "1" || (ns === "" && q.get("view") !== "canary"),
    kind: q.get("kind") || defaultKind,
    name: q.get("name") ?? "",
    range: oneOf(RANGES, q.get("range"), "15m"),
    start: q.get("start") ?? "",
    end: q.get("end") ?? "",
    refresh: oneOf(REFRESHES, q.get("refresh"), "off"),
  };
}

/** The fragment of a state: only what differs from nothing, in a fixed order. */
export function stateHash(state: ViewState): string {
  const q = new URLSearchParams({ view: state.view });
  if (state.ns !== "") q.set("ns", state.ns);
  if (state.all) q.set("all", "1");
  q.set("kind", state.kind);
  if (state.name !== "") q.set("name", state.name);
  q.set("range", state.range);
  if (state.range === "custom") {
    q.set("start", state.start);
    q.set("end", state.end);
  }
  if (state.refresh !== "off") q.set("refresh", state.refresh);
  return `#${q.toString()}`;
}

/** A link to another view from this one: the range and refresh stay. */
export function linkTo(state: ViewState, change: Partial<ViewState>): string {
  return stateHash({ ...state, ...change });
}
