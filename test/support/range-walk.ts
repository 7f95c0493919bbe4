/**
 * Walks range answers (one resource, a list of a kind, a resource's edges) and checks every point
 * of every item against the engine's own `query_range` of the reference PromQL (reference-promql.ts)
 * at the same points: each point must be the instant answer at its time, over whichever histogram
 * form the engine holds, and the whole range must cost the instant answer's round trips. A point
 * is compared with the engine's own quantile at that point, so a fold that read another point's
 * native quantiles, or interpolated buckets where it should not, fails here.
 */
import { expect } from "vitest";
import { BASE, namedOf, pathOf } from "./answer-walk";
import { type CountingApi, call } from "./harness";
import type { MeshReferences, Named } from "./mesh-references";
import { expectNoTraffic, iso, type Point, queryRange as queryPoints } from "./range-points";
import {
  type Asking,
  countQueries,
  expectNumbers,
  type Numbers,
  quantileQuery,
  type Reference,
  selectorsOf,
} from "./reference-promql";

/** A range: `timeS` is its last point, `startS` its first, a point every `stepS` seconds between. */
export interface RangeAsking extends Asking {
  readonly startS: number;
  readonly stepS: number;
}

/** What a range walk asks, of which engine, and over which histogram form. */
export interface RangeWalk {
  /** Asked one answer at a time, so its round trips are each answer's own. */
  readonly counting: CountingApi;
  readonly refs: MeshReferences;
  readonly asking: RangeAsking;
  /** The histogram form the engine holds, and so the one the references read. */
  readonly form: "native" | "classic";
}

/**
 * How many points of one item had traffic: points that are all "0" and null would match any fold,
 * so a caller asks for enough of them.
 */
export interface Busy {
  readonly label: string;
  readonly points: number;
}

// biome-ignore lint/suspicious/noExplicitAny: answers are inspected field by field
type Item = any;

const timesOf = ({ startS, timeS, stepS }: RangeAsking) =>
  Array.from({ length: Math.floor((timeS - startS) / stepS) + 1 }, (_, i) => startS + i * stepS);
const QUANTILES = [0.5, 0.9, 0.99] as const;

/** The engine's own `query_range` of `expr` over the range: its values by Unix second. */
const queryRange = ({ url, startS, timeS, stepS }: RangeAsking, expr: string) =>
  queryPoints(url, { startS, endS: timeS, stepS }, expr);

/** The reference's numbers at every point of the range, in order: counts summed, quantiles in ms. */
async function referenceSeries(walk: RangeWalk, ref: Reference): Promise<Numbers[]> {
  const { asking, form } = walk;
  const selectors = await selectorsOf(asking, ref);
  const summed = async (sets: Reference["outcome"]["success"]) => {
    const parts = countQueries(asking.window, ref, selectors, sets).map((e) => queryRange(asking, e));
    const maps = await Promise.all(parts);
    return (t: number) => maps.reduce((sum, m) => sum + (m.get(t) ?? 0), 0);
  };
  const [success, failure, quantiles] = await Promise.all([
    summed(ref.outcome.success),
    summed(ref.outcome.failure),
    selectors.length === 0
      ? []
      : Promise.all(
          QUANTILES.map((q) => queryRange(asking, quantileQuery(asking.window, ref, selectors, q, form))),
        ),
  ]);
  const ms = (i: number, t: number) => {
    const v = quantiles[i]?.get(t);
    return v === undefined || !Number.isFinite(v) ? null : v * ref.unitMs;
  };
  return timesOf(asking).map((t) => ({
    success: success(t),
    failure: failure(t),
    p50: ms(0, t),
    p90: ms(1, t),
    p99: ms(2, t),
  }));
}

/**
 * Every point of a series equal to the reference at its time (counts within 0.001, quantiles within
 * 0.05%), and a point without traffic exactly "0" and null; how many points had traffic.
 */
async function expectSeries(walk: RangeWalk, points: Point[], ref: Reference, label: string): Promise<Busy> {
  const times = timesOf(walk.asking);
  expect(
    points.map((p) => p.timestamp),
    label,
  ).toEqual(times.map(iso));
  const want = await referenceSeries(walk, ref);
  let busy = 0;
  points.forEach((point, i) => {
    const at = `${label} at ${iso(times[i] as number)}`;
    const truth = want[i] as Numbers;
    expectNumbers(point, truth, at);
    if (truth.success + truth.failure > 0) busy++;
    else expectNoTraffic(point, at);
  });
  return { label, points: busy };
}

/**
 * The range answer to `path`, after the instant answer at its last point: a 200 of `kind`, with
 * the instant answer's objects, costing the instant answer's round trips, which are `trips`.
 */
async function rangeAnswer(walk: RangeWalk, path: string, kind: string, trips: number): Promise<Item> {
  const { counting, asking } = walk;
  const instant = await call(counting.api, `${path}?t=${asking.window}&time=${asking.timeS}`);
  expect(instant.status, `${path}: ${JSON.stringify(instant.body)}`).toBe(200);
  const instantTrips = counting.lastTrips();
  const range = `t=${asking.window}&start=${asking.startS}&end=${asking.timeS}&step=${asking.stepS}s`;
  const { status, body } = await call(counting.api, `${path}?${range}`);
  expect(status, `${path}: ${JSON.stringify(body)}`).toBe(200);
  expect(body.kind, path).toBe(kind);
  expect(counting.lastTrips(), `${path} range round trips`).toBe(instantTrips);
  expect(instantTrips, `${path} instant round trips`).toBe(trips);
  const names = (items: Item[]) => items.map((i) => JSON.stringify([i.resource, i.edge]));
  if (body.items !== undefined) expect(names(body.items), path).toEqual(names(instant.body.items));
  return body;
}

/** One resource asked alone as a range, in one round trip, every point equal to its reference. */
export async function checkRangeResource(walk: RangeWalk, object: Named): Promise<Busy> {
  const body = await rangeAnswer(walk, pathOf(object), "TrafficMetricsSeries", 1);
  return expectSeries(walk, body.points, walk.refs.resource(object), `${object.kind} ${object.name}`);
}

/** A kind listed in a namespace as a range, in two round trips, every item's every point equal to its reference. */
export async function checkRangeList(walk: RangeWalk, namespace: string, kind: string): Promise<Busy[]> {
  const body = await rangeAnswer(
    walk,
    `${BASE}/namespaces/${namespace}/${kind}`,
    "TrafficMetricsSeriesList",
    2,
  );
  return Promise.all(
    body.items.map((item: Item) => {
      const object = namedOf(item.resource);
      return expectSeries(walk, item.points, walk.refs.resource(object), `list ${kind} ${object.name}`);
    }),
  );
}

/** A resource's edges as a range, in four round trips, every edge's every point equal to its reference. */
export async function checkRangeEdges(walk: RangeWalk, object: Named): Promise<Busy[]> {
  const body = await rangeAnswer(walk, `${pathOf(object)}/edges`, "TrafficMetricsSeriesList", 4);
  return Promise.all(
    body.items.map((item: Item) => {
      const { direction, side, resource } = item.edge;
      const peer = namedOf(resource);
      const label = `${object.name} ${direction} ${peer.name} (${side})`;
      return expectSeries(walk, item.points, walk.refs.edge(object, direction, peer, side), label);
    }),
  );
}
