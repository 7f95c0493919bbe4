import type { Measurement } from "./measurement";
import { formatDuration } from "./smi/duration";
import { formatTimestamp } from "./smi/objects";
import type { TimeRange } from "./time-range";

/**
 * One resource's traffic as plain JSON numbers, for tools that compare numbers rather than decode
 * Quantity strings (Argo Rollouts' `asFloat(result)` cannot read `"73492m"`). Rates and latencies
 * are null without traffic: there is no success rate of nothing.
 */
export interface Summary {
  readonly requests: number;
  readonly successCount: number;
  readonly failureCount: number;
  /** Share of requests that succeeded, 0..1. */
  readonly successRate: number | null;
  /** Requests per second over the window. */
  readonly requestRate: number | null;
  readonly p50Ms: number | null;
  readonly p90Ms: number | null;
  readonly p99Ms: number | null;
  readonly window: string;
  readonly timestamp: string;
}

export function summarize(m: Measurement, range: TimeRange): Summary {
  const requests = m.successCount + m.failureCount;
  const traffic = requests > 0;
  return {
    requests,
    successCount: m.successCount,
    failureCount: m.failureCount,
    successRate: traffic ? m.successCount / requests : null,
    requestRate: traffic ? requests / (range.windowMs / 1000) : null,
    p50Ms: m.p50Ms,
    p90Ms: m.p90Ms,
    p99Ms: m.p99Ms,
    window: formatDuration(range.windowMs),
    timestamp: formatTimestamp(range.time),
  };
}
