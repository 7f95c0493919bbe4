import type { KindName } from "../smi/kinds";
import type { TrafficMetricsList } from "../smi/schemas";
import { buildTopology, type Topology } from "./graph";
import type { Thresholds } from "./levels";

/**
 * Where SMI answers come from: a running API over HTTP, or the core in-process. Either says why
 * a zero may not mean idle (the API's `Warning` headers) through the `warn` it was made with.
 */
export interface TrafficSource {
  /** Every resource of a kind, in one namespace or all. */
  list(kind: KindName, namespace: string | undefined): Promise<TrafficMetricsList>;
  /**
   * Every edge, both directions, of every resource of `kind` in `namespace` (one answer however
   * many resources); for `namespaces`, the edges of the namespace itself.
   */
  edges(kind: KindName, namespace: string): Promise<TrafficMetricsList>;
}

/** Edge requests in flight at once: enough to overlap round trips, few enough to spare the backend. */
const CONCURRENCY = 8;

/**
 * The SMI spec's topology: one list of a kind, then the edges of its resources. The spec asks for
 * the edges of each listed resource; one kind-wide edges answer per namespace gives the same edges
 * at 4 queries per namespace, not per resource.
 */
export async function collectTopology(
  source: TrafficSource,
  kind: KindName,
  namespace: string | undefined,
  thresholds?: Thresholds,
): Promise<Topology> {
  return topologyOf(source, kind, await source.list(kind, namespace), thresholds);
}

/**
 * The topology of a list already in hand: one edges answer per namespace its items are in (per
 * listed namespace, for the `namespaces` kind).
 */
export async function topologyOf(
  source: TrafficSource,
  kind: KindName,
  listed: TrafficMetricsList,
  thresholds?: Thresholds,
): Promise<Topology> {
  const scopes = new Set(
    listed.items.map((item) => (kind === "namespaces" ? item.resource.name : item.resource.namespace)),
  );
  const queue = [...scopes].filter((scope): scope is string => scope !== undefined);
  const edgeLists: TrafficMetricsList[] = [];
  const worker = async () => {
    for (let scope = queue.shift(); scope !== undefined; scope = queue.shift()) {
      edgeLists.push(await source.edges(kind, scope));
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
  return buildTopology(listed, edgeLists, thresholds);
}

/** Says each distinct warning once, however many answers carry it. */
export function warnOnce(say: (warning: string) => void): (warning: string) => void {
  const said = new Set<string>();
  return (warning) => {
    if (said.has(warning)) return;
    said.add(warning);
    say(warning);
  };
}

/** The texts of `Warning: 299 - "..."` header values, as the API writes them. */
export function warningTexts(header: string | null): string[] {
  if (header === null) return [];
  return [...header.matchAll(/299 - ("(?:[^"\\]|\\.)*")/g)].map((m) => JSON.parse(m[1] as string) as string);
}
