import { eq, type Matcher } from "../prometheus/promql";
import type { PartitionLabel, SeriesFamily } from "./adapter";

/**
 * One label that separates independent deployments sharing a Prometheus, and the value it is
 * pinned to, if the operator chose one.
 */
export interface Partition extends PartitionLabel {
  readonly value?: string | undefined;
}

/** Where the cluster label is and which cluster to answer for (`LABEL_CLUSTER`, `CLUSTER`). */
export interface ClusterSetting {
  readonly label: string;
  readonly value?: string | undefined;
}

export const clusterPartition = ({ label, value }: ClusterSetting): Partition => ({
  label,
  value,
  setting: "CLUSTER",
  noun: "cluster",
});

/** Exact matchers for the partitions that have a value. */
export const pinsOf = (partitions: readonly Partition[]): Matcher[] =>
  partitions.flatMap(({ label, value }) => (value === undefined ? [] : [eq(label, value)]));

/**
 * A family restricted to the pinned partitions, with the unpinned ones left for the core to watch:
 * pinned values become exact matchers, so every query of the family carries them.
 */
export function partitioned(
  family: Omit<SeriesFamily, "partitionBy">,
  partitions: readonly Partition[],
): SeriesFamily {
  const partitionBy: PartitionLabel[] = partitions
    .filter((p) => p.value === undefined)
    .map(({ label, setting, noun }) => ({ label, setting, noun }));
  return { ...family, matchers: [...family.matchers, ...pinsOf(partitions)], partitionBy };
}
