import type { LatencyName, TrafficMetrics } from "./schemas";
import { parseDurationMs } from "./time";

const SUFFIX_EXPONENT: Readonly<Record<string, bigint>> = {
  m: -3n,
  "": 0n,
  k: 3n,
  M: 6n,
  G: 9n,
  T: 12n,
  P: 15n,
  E: 18n,
};
const QUANTITY = /^(-?\d+)(m|k|M|G|T|P|E)?$/;

/**
 * Reads back a Quantity this API wrote (canonical DecimalSI, no fraction digits). Anything else
 * is an error: a client reading our answers over the network must not guess.
 */
export function parseQuantity(text: string): number {
  const match = QUANTITY.exec(text);
  if (match === null) throw new RangeError(`"${text}" is not a DecimalSI Quantity such as 1500m or 2k`);
  const exponent = SUFFIX_EXPONENT[match[2] ?? ""] ?? 0n;
  const mantissa = BigInt(match[1] as string);
  // One correctly rounded step each way: 73492m is 73.492, 48411889G is exactly 48411889e9.
  return exponent < 0n ? Number(mantissa) / 1000 : Number(mantissa * 10n ** exponent);
}

/** A TrafficMetrics' numbers, plus what a person reads off them; rates are null without traffic. */
export interface TrafficNumbers {
  readonly successCount: number;
  readonly failureCount: number;
  readonly requests: number;
  /** 0..1 */
  readonly successRate: number | null;
  readonly requestsPerSecond: number | null;
  readonly p50Ms: number | null;
  readonly p90Ms: number | null;
  readonly p99Ms: number | null;
}

/** Numbers out of one TrafficMetrics object, as served or as received by a client. */
export function trafficNumbers(item: TrafficMetrics): TrafficNumbers {
  const value = (name: string) => item.metrics.find((m) => m.name === name)?.value;
  const count = (name: "success_count" | "failure_count") => {
    const text = value(name);
    if (typeof text !== "string") throw new RangeError(`${name} is missing from ${item.metadata.selfLink}`);
    return parseQuantity(text);
  };
  const latency = (name: LatencyName) => {
    const text = value(name);
    return typeof text === "string" ? parseQuantity(text) : null;
  };
  const windowMs = parseDurationMs(item.window);
  if (windowMs === undefined || windowMs === 0) {
    throw new RangeError(`window "${item.window}" of ${item.metadata.selfLink} is not a duration`);
  }
  const successCount = count("success_count");
  const failureCount = count("failure_count");
  const requests = successCount + failureCount;
  return {
    successCount,
    failureCount,
    requests,
    successRate: requests > 0 ? successCount / requests : null,
    requestsPerSecond: requests > 0 ? requests / (windowMs / 1000) : null,
    p50Ms: latency("p50_response_latency"),
    p90Ms: latency("p90_response_latency"),
    p99Ms: latency("p99_response_latency"),
  };
}
