import { plainNumber } from "../answers/summary";
import type { TrafficNumbers } from "../smi/metric-values";

/** Success-rate thresholds in percent: at or above `green` an edge is green, at or above `amber` amber. */
export interface Thresholds {
  readonly green: number;
  readonly amber: number;
}

/** 99.9% and 99%: a 99% edge is not a 76% one, and neither is healthy. */
export const DEFAULT_THRESHOLDS: Thresholds = { green: 99.9, amber: 99 };

export type Level = "green" | "amber" | "red" | "grey";

/**
 * Okabe and Ito's palette, told apart with every common colour blindness; the level's word is in
 * every label and the legend too, so colour is never the only sign.
 */
export const COLOURS: Readonly<Record<Level, string>> = {
  green: "#009E73",
  amber: "#E69F00",
  red: "#D55E00",
  grey: "#999999",
};

/**
 * An edge's level: its success rate (to the 9 significant digits the gate compares) against the
 * thresholds, equality on the better side as in the gate; grey without traffic.
 */
export function levelOf(numbers: TrafficNumbers, thresholds: Thresholds): Level {
  if (numbers.requests <= 0) return "grey";
  const rate = plainNumber((100 * numbers.successCount) / numbers.requests);
  return rate >= thresholds.green ? "green" : rate >= thresholds.amber ? "amber" : "red";
}

/**
 * Why the thresholds cannot colour a graph, or undefined: amber above green leaves no amber. Each
 * is named as its caller spells it (`--amber`, `amber`).
 */
export function thresholdsProblem(
  thresholds: Thresholds,
  names: Readonly<Record<keyof Thresholds, string>>,
): string | undefined {
  const { green, amber } = thresholds;
  if (amber <= green) return undefined;
  return `${names.amber} ${amber} is above ${names.green} ${green}: an edge is amber from ${names.amber} up to ${names.green} (defaults ${DEFAULT_THRESHOLDS.amber} and ${DEFAULT_THRESHOLDS.green})`;
}

/** What each level means, in the words every legend uses; amber only when it has a range. */
export function legendEntries(thresholds: Thresholds): { level: Level; meaning: string }[] {
  const { green, amber } = thresholds;
  return [
    { level: "green", meaning: `success ≥ ${green}%` },
    ...(amber < green ? [{ level: "amber" as const, meaning: `success ≥ ${amber}%, below ${green}%` }] : []),
    { level: "red", meaning: `success below ${amber}%` },
    { level: "grey", meaning: "no traffic" },
  ];
}

/** What a dashed node is, in DOT and Mermaid. */
export const PEER_MEANING = "a peer of a listed resource, not listed itself";
