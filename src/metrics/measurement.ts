/** Numbers measured for one object or edge; latencies are null when nothing was observed. */
export interface Measurement {
  readonly successCount: number;
  readonly failureCount: number;
  readonly p50Ms: number | null;
  readonly p90Ms: number | null;
  readonly p99Ms: number | null;
}

/** No traffic at every point of a range (or the one point of an instant). */
export const noTrafficAt = (times: readonly number[]): Measurement[] => times.map(() => NO_TRAFFIC);

export const NO_TRAFFIC: Measurement = {
  successCount: 0,
  failureCount: 0,
  p50Ms: null,
  p90Ms: null,
  p99Ms: null,
};
