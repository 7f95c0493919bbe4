import type { SeriesFamily } from "../mesh/adapter";
import type { RequestStats } from "./request-stats";

/**
 * What makes requests come with no latency histogram of either form: the settings and relabelings
 * that drop one form or both, for a Warning and `/readyz` alike.
 */
export function missingHistograms(family: SeriesFamily): string {
  const name = family.latencyHistogram;
  return `neither ${name}_bucket (classic) nor ${name} (native) has series`;
}

export const HISTOGRAM_SETTINGS =
  "check what Prometheus keeps: convert_classic_histograms_to_nhcb stores only the native form (dropping _bucket unless always_scrape_classic_histograms is set), and a relabeling that drops le or renames the family leaves neither";

/**
 * Says when measured objects have requests but null latencies: a `null` beside real requests reads
 * as "no traffic", so it is never given in silence. `subject` names them ("deployments shop/web",
 * or "3 deployments in namespace shop") and `count` says how many there are.
 */
export function noteMissingLatency(
  family: SeriesFamily,
  subject: string,
  count: number,
  stats: RequestStats,
): void {
  if (count === 0) return;
  const verb = count === 1 ? "has" : "have";
  const it = count === 1 ? "it" : "them";
  stats.warnings.add(
    `${subject} ${verb} requests but no latency histogram: ${missingHistograms(family)} for ${it} in the window; ${HISTOGRAM_SETTINGS}`,
  );
}
