import { parseQuantity, type TrafficNumbers, trafficNumbers } from "./metric-values";
import type { TrafficMetrics, TrafficMetricsList } from "./schemas";
import { servedObject } from "./served";
import type { PartialObjectMetadata, Table, TableColumnDefinition } from "./table-schemas";

/** What each row's `object` holds, as Kubernetes' `includeObject` query parameter names it. */
export const INCLUDE_OBJECT = ["Object", "Metadata", "None"] as const;
export type IncludeObject = (typeof INCLUDE_OBJECT)[number];

/**
 * Success rate with two decimals, rounded to the nearest (870 of 900 is `96.67%`), as reports and
 * the gate print it too; except that a rate with any failure never reads `100.00%`, which would
 * hide it, and says `99.99%`. Without traffic there is no rate, and `-` says so where `0%` would
 * claim every request failed.
 */
export function formatSuccessRate(n: Pick<TrafficNumbers, "successCount" | "requests">): string {
  if (n.requests <= 0) return "-";
  const hundredths = Math.round((n.successCount * 10_000) / n.requests);
  const shown = hundredths === 10_000 && n.successCount < n.requests ? 9_999 : hundredths;
  return `${(shown / 100).toFixed(2)}%`;
}

export const formatRps = (rps: number | null) => (rps === null ? "-" : `${rps.toFixed(2)}rps`);

/** Three significant digits at most, never fewer than the whole milliseconds: 0.75ms, 49.9ms, 2600ms. */
export function formatLatency(ms: number | null): string {
  if (ms === null) return "-";
  const digits = ms >= 100 ? 0 : ms >= 10 ? 1 : 2;
  return `${ms.toFixed(digits)}ms`;
}

/** A request count: increase() may give fractions, which two decimals keep (870, 12.5, 0.04). */
const formatCount = (count: number) => String(Number(count.toFixed(2)));

const column = (name: string, description: string, priority = 0, format = ""): TableColumnDefinition => ({
  name,
  type: "string",
  format,
  description,
  priority,
});

const NAME = column("Name", "name of the resource", 0, "name");
const NUMBERS = [
  column("Success", "share of requests that succeeded (4xx count as success); - without traffic"),
  column("RPS", "requests per second over the window; - without traffic"),
  column("Latency_P50", "median response latency; - when none was observed"),
  column("Latency_P90", "90th percentile response latency"),
  column("Latency_P99", "99th percentile response latency"),
];
const WIDE = [
  column("Success_Count", "successful requests in the window", 1),
  column("Failure_Count", "failed requests in the window (5xx, no response, gRPC errors)", 1),
  column("Window", "length of the window ending at the answer's timestamp", 1),
];
const EDGE = [
  column("Direction", "to: the resource sent the traffic to the peer; from: it received it from the peer"),
  column("Peer", "the other end of the edge"),
];
const SIDE = column(
  "Side",
  "whose proxy measured the numbers: client (includes requests that never reached the server) or server",
);

function numberCells(item: TrafficMetrics): string[] {
  const n = trafficNumbers(item);
  return [
    formatSuccessRate(n),
    formatRps(n.requestsPerSecond),
    formatLatency(n.p50Ms),
    formatLatency(n.p90Ms),
    formatLatency(n.p99Ms),
    formatCount(n.successCount),
    formatCount(n.failureCount),
    item.window,
  ];
}

function edgeCells(item: TrafficMetrics): string[] {
  const peer = item.edge.resource;
  const peerName =
    peer === null ? "-" : peer.namespace === undefined ? peer.name : `${peer.namespace}/${peer.name}`;
  return [item.edge.direction, peerName];
}

const BACKEND = [
  column("Backend", "the split's backend: a Service, or a subset of the apex"),
  column("Weight", "its configured weight, relative to the split's other backends"),
  column("Share", "the share of the split's requests it answered in the window; - without traffic"),
];

function backendCells(item: TrafficMetrics): string[] {
  const share = item.metrics.find((m) => m.name === "traffic_share")?.value ?? null;
  const shareText =
    share === null || trafficNumbers(item).requests <= 0
      ? "-"
      : `${(parseQuantity(share) * 100).toFixed(2)}%`;
  return [item.backend?.name ?? "-", String(item.backend?.weight ?? "-"), shareText];
}

function rowObject(
  item: TrafficMetrics,
  include: IncludeObject,
): TrafficMetrics | PartialObjectMetadata | null {
  if (include === "None") return null;
  if (include === "Metadata") {
    return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: item.metadata };
  }
  return servedObject(item);
}

/**
 * A `meta.k8s.io/v1` `Table` of an SMI answer, built from the answer itself so that every form
 * (`kubectl get`, JSON, the CLI) shows the same numbers. A list of edges (its `resource` names
 * one object) gets direction and peer columns, a split's backends theirs; every row says the side
 * that measured it, just before its success rate, since the client's and the server's differ.
 * Namespaces are not a column: kubectl adds NAMESPACE itself for `-A`, from each row object's
 * metadata.
 */
export function trafficTable(answer: TrafficMetrics | TrafficMetricsList, include: IncludeObject): Table {
  const list = answer.kind === "TrafficMetricsList" ? answer : undefined;
  const items = list === undefined ? [answer as TrafficMetrics] : list.items;
  const splits = items.some((item) => item.backend !== undefined);
  const edges = !splits && list?.resource.name !== undefined;
  const extra = splits ? BACKEND : edges ? EDGE : [];
  // A page of a list stays a page: kubectl follows `continue` for Tables as for lists.
  const { selfLink: _selfLink, ...page } = list?.metadata ?? { selfLink: "" };
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: page,
    columnDefinitions: [NAME, ...extra, SIDE, ...NUMBERS, ...WIDE],
    rows: items.map((item) => ({
      cells: [
        item.metadata.name,
        ...(splits ? backendCells(item) : edges ? edgeCells(item) : []),
        item.edge.side ?? "-",
        ...numberCells(item),
      ],
      object: rowObject(item, include),
    })),
  };
}
