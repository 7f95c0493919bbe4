import { trafficNumbers } from "../smi/metric-values";
import type { TrafficMetrics, TrafficMetricsList } from "../smi/schemas";
import { trafficTable } from "../smi/table";
import type { SortKey } from "./args";
import { layoutTable } from "./layout";

/** Larger is listed first; resources without traffic (null) always last. */
const KEYS: Record<SortKey, (item: TrafficMetrics) => number | null> = {
  // Worst success rate first: the one to look at.
  success: (item) => {
    const rate = trafficNumbers(item).successRate;
    return rate === null ? null : -rate;
  },
  rps: (item) => trafficNumbers(item).requestsPerSecond,
  // Slowest first.
  p99: (item) => trafficNumbers(item).p99Ms,
};

function sorted(items: readonly TrafficMetrics[], key: SortKey | undefined): TrafficMetrics[] {
  if (key === undefined) return [...items];
  const value = KEYS[key];
  return [...items].sort((a, b) => {
    const [va, vb] = [value(a), value(b)];
    if (va === null || vb === null) return va === vb ? 0 : va === null ? 1 : -1;
    return vb - va;
  });
}

/**
 * The SMI spec's `kubectl traffic top`: the same columns as `kubectl get` prints from the API's
 * Table (the same function builds both), laid out as kubectl lays out a table. `-A` adds
 * NAMESPACE, as kubectl does.
 */
export function renderTop(
  list: TrafficMetricsList,
  options: { allNamespaces: boolean; sort?: SortKey },
): string {
  const items = sorted(list.items, options.sort);
  const table = trafficTable({ ...list, items }, "Object");
  const shown = table.columnDefinitions.flatMap((column, i) => (column.priority === 0 ? [i] : []));
  const header = shown.map((i) => (table.columnDefinitions[i]?.name ?? "").toUpperCase());
  const rows = table.rows.map((row, r) => [
    ...(options.allNamespaces ? [items[r]?.metadata.namespace ?? ""] : []),
    ...shown.map((i) => row.cells[i] ?? ""),
  ]);
  const lines = [[...(options.allNamespaces ? ["NAMESPACE"] : []), ...header], ...rows];
  if (rows.length === 0) return "No resources found.\n";
  return layoutTable(lines);
}
