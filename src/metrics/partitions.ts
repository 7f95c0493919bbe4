import type { PartitionSeen } from "./measure-fold";
import type { RequestStats } from "./request-stats";

/**
 * Says when an answer summed series of several clusters or datacenters: the partition labels rode in
 * the counts queries already, so this costs nothing. One Warning per setting, whichever of its
 * labels (a Consul edge reads `consul_destination_datacenter`) showed the values.
 */
export function notePartitions(partitions: readonly PartitionSeen[], stats: RequestStats): void {
  const bySetting = new Map<string, { noun: string; labels: Set<string>; values: Set<string> }>();
  for (const { label, setting, noun, values } of partitions) {
    const seen = bySetting.get(setting) ?? { noun, labels: new Set(), values: new Set() };
    seen.labels.add(label);
    for (const v of values) seen.values.add(v);
    bySetting.set(setting, seen);
  }
  for (const [setting, { noun, labels, values }] of bySetting) {
    if (values.size < 2) continue;
    const named = [...values]
      .sort()
      .map((v) => (v === "" ? "(none)" : v))
      .join(", ");
    stats.warnings.add(
      `this answer sums series from ${values.size} ${noun}s (label ${[...labels].join(", ")}: ${named}); set ${setting} to answer for one ${noun}`,
    );
  }
}
