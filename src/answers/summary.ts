import type { Side } from "../mesh/adapter";
import type { Measurement } from "../metrics/measurement";
import type { TimeRange } from "../metrics/time-range";
import { formatDuration, formatTimestamp } from "../smi/time";

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
  /**
   * Whose proxy measured the numbers: the client's counts requests that never reached the server
   * (refused, timed out, reset), the server's only what reached it.
   */
  readonly side: Side;
  /** A split backend's: which backend, its configured weight, and its observed share (0..1). */
  readonly backend?: string;
  readonly weight?: number;
  readonly trafficShare?: number;
}

/** Significant digits a plain number keeps: more than any count or rate needs, fewer than float noise. */
const SIGNIFICANT_DIGITS = 9;

/**
 * A number without float noise: `increase()` over a window gives `2999.999999999999` for 3000
 * requests, and a script comparing `requests >= 3000` should not fail on it.
 */
export function plainNumber(value: number): number {
  return Number.isFinite(value) ? Number(value.toPrecision(SIGNIFICANT_DIGITS)) : value;
}

const plainOrNull = (value: number | null) => (value === null ? null : plainNumber(value));

/** What a summary is made of: the numbers, the side that measured them, and a split's backend. */
interface Measured {
  readonly measurement: Measurement;
  readonly side: Side;
  readonly backend?: { readonly name: string; readonly weight: number; readonly trafficShare: number };
}

export function summarize({ measurement: m, side, backend }: Measured, range: TimeRange): Summary {
  const requests = m.successCount + m.failureCount;
  const traffic = requests > 0;
  return {
    requests: plainNumber(requests),
    successCount: plainNumber(m.successCount),
    failureCount: plainNumber(m.failureCount),
    successRate: traffic ? plainNumber(m.successCount / requests) : null,
    requestRate: traffic ? plainNumber(requests / (range.windowMs / 1000)) : null,
    p50Ms: plainOrNull(m.p50Ms),
    p90Ms: plainOrNull(m.p90Ms),
    p99Ms: plainOrNull(m.p99Ms),
    window: formatDuration(range.windowMs),
    timestamp: formatTimestamp(range.time),
    side,
    ...(backend === undefined
      ? {}
      : { backend: backend.name, weight: backend.weight, trafficShare: plainNumber(backend.trafficShare) }),
  };
}
