import { type TrafficNumbers, trafficNumbers } from "../smi/metric-values";
import type { ObjectReference, TrafficMetrics, TrafficMetricsList } from "../smi/schemas";
import { formatRps, formatSuccessRate } from "../smi/table";
import { DEFAULT_THRESHOLDS, type Level, levelOf, type Thresholds } from "./levels";

/** A workload (or namespace, or service) on the graph. */
interface TopologyNode {
  /** `namespace/name`, or `name` for namespaces: unique on the graph. */
  readonly id: string;
  readonly name: string;
  readonly namespace?: string;
  /** Whether the node is one of the listed resources, not only a peer of one. */
  readonly listed: boolean;
}

/** Traffic one workload sent another over the window. */
interface TopologyEdge {
  readonly from: string;
  readonly to: string;
  readonly numbers: TrafficNumbers;
  /** Whose proxy measured it. */
  readonly side: "client" | "server" | undefined;
  /** Any failed request. */
  readonly failing: boolean;
  /** Its success rate against the graph's thresholds: the colour it is drawn in, and a word. */
  readonly level: Level;
  /** `4.00rps 98.00%`. */
  readonly label: string;
}

export interface Topology {
  readonly nodes: readonly TopologyNode[];
  readonly edges: readonly TopologyEdge[];
  /** The success rates (percent) its levels start at, which its legend says. */
  readonly thresholds: Thresholds;
}

const nodeIdOf = (ref: Pick<ObjectReference, "namespace" | "name">) =>
  ref.namespace === undefined ? ref.name : `${ref.namespace}/${ref.name}`;

/**
 * The graph of listed resources and the traffic between them, from a kind's list and the edges of
 * its resources. Each edge is taken once: from its sender's `to` edges when the sender is
 * listed, else from the receiver's `from` edges (a sender outside the namespace asked for).
 */
export function buildTopology(
  listed: TrafficMetricsList,
  edgeLists: readonly TrafficMetricsList[],
  thresholds: Thresholds = DEFAULT_THRESHOLDS,
): Topology {
  const nodes = new Map<string, TopologyNode>();
  for (const item of listed.items)
    nodes.set(nodeIdOf(item.resource), {
      id: nodeIdOf(item.resource),
      ...refFields(item.resource),
      listed: true,
    });
  const isListed = (id: string) => nodes.get(id)?.listed === true;
  const edges: TopologyEdge[] = [];
  for (const list of edgeLists) {
    for (const item of list.items) {
      // No peer: a resource's own numbers (null), or a split backend's ({}).
      const peer = isReference(item.edge.resource) ? item.edge.resource : undefined;
      if (peer === undefined) continue;
      const self = nodeIdOf(item.resource);
      const other = nodeIdOf(peer);
      // A kind's edges hold those of resources the list leaves out (clients that serve nothing):
      // their traffic is drawn from the listed receiver's side, once.
      if (!isListed(self)) continue;
      if (item.edge.direction === "from" && isListed(other)) continue;
      if (!nodes.has(other)) nodes.set(other, { id: other, ...refFields(peer), listed: false });
      const numbers = trafficNumbers(item);
      edges.push({
        from: item.edge.direction === "to" ? self : other,
        to: item.edge.direction === "to" ? other : self,
        numbers,
        side: item.edge.side,
        failing: numbers.failureCount > 0,
        level: levelOf(numbers, thresholds),
        label: `${formatRps(numbers.requestsPerSecond)} ${formatSuccessRate(numbers)}`,
      });
    }
  }
  const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
  const byEnds = (a: TopologyEdge, b: TopologyEdge) =>
    a.from.localeCompare(b.from) || a.to.localeCompare(b.to);
  return { nodes: [...nodes.values()].sort(byId), edges: edges.sort(byEnds), thresholds };
}

function refFields(ref: Pick<ObjectReference, "namespace" | "name">) {
  return ref.namespace === undefined ? { name: ref.name } : { name: ref.name, namespace: ref.namespace };
}

function isReference(peer: TrafficMetrics["edge"]["resource"]): peer is ObjectReference {
  return peer !== null && typeof (peer as { name?: unknown }).name === "string";
}
