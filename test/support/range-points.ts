/**
 * Checks the points of a range answer against an engine's own `query_range` of a profile's
 * reference queries (reference-queries.ts): the range-ground-truth test's comparison, apart from
 * its answers so the test file holds what it asks and this file how a point is judged. How an
 * engine is asked over a range's points, and what a point without traffic is, serve every other
 * check of range answers too (range-walk.ts), so all of them judge a point alike.
 */
import { expect } from "vitest";
import { type MeshReferences, type Reference, referenceQueries } from "./reference-queries";
import { expectMatchesTruth } from "./smi-assert";

/** The points asked: `window` ending at every `stepS` from `startS` to `endS`, Unix seconds. */
export interface PointRange {
  readonly window: string;
  readonly startS: number;
  readonly endS: number;
  readonly stepS: number;
}

export interface Point {
  timestamp: string;
  metrics: { name: string; value: string | null }[];
}

export const iso = (s: number) => `${new Date(s * 1000).toISOString().slice(0, 19)}Z`;

/** The times of a range's points, Unix seconds. */
export const timesOf = ({ startS, endS, stepS }: PointTimes) =>
  Array.from({ length: (endS - startS) / stepS + 1 }, (_, i) => startS + i * stepS);

type PointTimes = Pick<PointRange, "startS" | "endS" | "stepS">;

/**
 * The engine's own `query_range` of one query that yields at most one series, over the answer's
 * points: its value at each point it has, by Unix second. Every check of a range answer asks this.
 */
export async function queryRange(
  url: string,
  range: PointTimes,
  query: string,
): Promise<Map<number, number>> {
  const { startS, endS, stepS } = range;
  const form = new URLSearchParams({ query, start: `${startS}`, end: `${endS}`, step: `${stepS}` });
  const response = await fetch(`${url}/api/v1/query_range`, { method: "POST", body: form });
  const body = (await response.json()) as {
    status: string;
    error?: string;
    data: { result: { values: [number, string][] }[] };
  };
  expect(body.status, `${query}: ${body.error}`).toBe("success");
  expect(body.data.result.length, query).toBeLessThanOrEqual(1);
  return new Map((body.data.result[0]?.values ?? []).map(([t, v]) => [t, Number(v)]));
}

/** A point without traffic is exactly what the API writes for one: counts "0", latencies null. */
export function expectNoTraffic(point: Point, label: string): void {
  expect(Object.fromEntries(point.metrics.map((m) => [m.name, m.value])), label).toEqual({
    success_count: "0",
    failure_count: "0",
    p50_response_latency: null,
    p90_response_latency: null,
    p99_response_latency: null,
  });
}

/**
 * Every point of a series equals the reference queries at its time, asked of the Prometheus at
 * `url`: counts within 0.001, latencies within 0.02%; a point without traffic is "0" and null.
 */
export async function expectPointsMatch(
  url: string,
  range: PointRange,
  mesh: MeshReferences,
  points: readonly Point[],
  ref: Reference,
  label: string,
) {
  const q = referenceQueries(mesh, ref, range.window);
  // An object no series names (a catalog's idle service, an L4-only workload) has no reference to ask.
  const ask = (query: string) => (ref.counters.length === 0 ? new Map() : queryRange(url, range, query));
  const [success, failure, p50, p90, p99] = await Promise.all(
    [q.success, q.failure, ...q.quantiles].map(ask),
  );
  const latency = (values: Map<number, number> | undefined, t: number) => {
    const v = values?.get(t);
    return v === undefined || Number.isNaN(v) ? null : v * mesh.unitMs;
  };
  const times = timesOf(range);
  expect(
    points.map((p) => p.timestamp),
    label,
  ).toEqual(times.map(iso));
  points.forEach((point, i) => {
    const t = times[i] as number;
    const truth = {
      success: success?.get(t) ?? 0,
      failure: failure?.get(t) ?? 0,
      p50: latency(p50, t),
      p90: latency(p90, t),
      p99: latency(p99, t),
    };
    expectMatchesTruth(point, truth, `${label} at ${iso(t)}`);
    if (truth.success + truth.failure === 0) expectNoTraffic(point, `${label} at ${iso(t)}: no traffic`);
  });
}
