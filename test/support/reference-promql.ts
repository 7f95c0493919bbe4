/**
 * An engine's own numbers for one object, asked straight with the reference PromQL a mesh's users
 * would write: quantiles from its `histogram_quantile` over the object's histogram (native, or
 * classic buckets summed by `le`), counts from its `sum(increase(...))` of the request counter.
 * Which series make the object is written per mesh (mesh-references.ts), never read from the
 * adapter; this file only asks.
 */
import { expect } from "vitest";
import { expectCount, metricsOf } from "./smi-assert";

export type Side = "client" | "server";

/** Matcher sets, each picking disjoint series: `[['classification="failure"']]`. */
type MatcherSets = readonly (readonly string[])[];

/** Which of a counter's series are failures, and which successes: disjoint sets of matchers each. */
export interface Outcome {
  readonly failure: MatcherSets;
  readonly success: MatcherSets;
}

/** The series that make one object's numbers. */
export interface Reference {
  /** The histogram's base name: native under it, classic as `<name>_bucket`. */
  readonly histogram: string;
  /** Milliseconds per unit of the histogram (1000 for seconds). */
  readonly unitMs: number;
  readonly counter: string;
  readonly matchers: readonly string[];
  readonly outcome: Outcome;
  /**
   * For each pair of endpoints (these labels), only its first reporter in `order` that has series
   * counts (Istio's by default: `source` before `waypoint` before `destination`); and only pairs
   * whose reporter is on `side`, the side the answer says it read (either, when absent).
   */
  readonly reporters?: {
    readonly pair: readonly string[];
    readonly side?: Side;
    readonly order?: readonly Reporter[];
  };
}

/** One value of the `reporter` label, and the side whose proxy writes it. */
export interface Reporter {
  readonly value: string;
  readonly side: Side;
}

/** What a reference asks, as the answers give it: counts, and quantiles in ms (null: none). */
export interface Numbers {
  readonly success: number;
  readonly failure: number;
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
}

/**
 * Where latency is read: one histogram form; `none` where the engine holds neither; or the rule
 * across a migration, `classic-first`: the classic buckets if they observed any request in the
 * window, else the native histogram.
 */
export type HistogramForm = "native" | "classic" | "classic-first" | "none";

/** Where and when to ask: an engine's query API, the window (`10s`) and the instant (Unix seconds). */
export interface Asking {
  readonly url: string;
  readonly window: string;
  readonly timeS: number;
}

const ISTIO_REPORTERS: readonly Reporter[] = [
  { value: "source", side: "client" },
  { value: "waypoint", side: "server" },
  { value: "destination", side: "server" },
];

interface Sample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

/** An engine's answer to an instant query at the asked time. */
export async function query({ url, timeS }: Asking, expr: string): Promise<Sample[]> {
  const params = new URLSearchParams({ query: expr, time: String(timeS) });
  const response = await fetch(`${url}/api/v1/query?${params}`);
  const body = (await response.json()) as { status: string; data: { result: Sample[] }; error?: string };
  expect(body.status, `${expr}: ${body.error}`).toBe("success");
  return body.data.result;
}

/** The one number a query gives, or undefined when it gives none. */
async function oneValue(asking: Asking, expr: string): Promise<number | undefined> {
  const result = await query(asking, expr);
  expect(result.length, expr).toBeLessThanOrEqual(1);
  return result[0] === undefined ? undefined : Number(result[0].value[1]);
}

/**
 * The matcher lists that select the object: its own, or with reporters one per pair of endpoints,
 * pinned to the pair's chosen reporter.
 */
export async function selectorsOf(asking: Asking, ref: Reference): Promise<string[][]> {
  if (ref.reporters === undefined) return [[...ref.matchers]];
  const { pair, side, order = ISTIO_REPORTERS } = ref.reporters;
  const seen = await query(
    asking,
    `group by (${[...pair, "reporter"].join(", ")}) (${ref.counter}{${ref.matchers.join(", ")}})`,
  );
  const pairKey = (m: Record<string, string>) => JSON.stringify(pair.map((l) => m[l] ?? ""));
  const chosen = new Map<string, { rank: number; metric: Record<string, string> }>();
  for (const { metric } of seen) {
    const rank = order.findIndex((r) => r.value === metric.reporter);
    const held = chosen.get(pairKey(metric));
    if (rank >= 0 && (held === undefined || rank < held.rank)) chosen.set(pairKey(metric), { rank, metric });
  }
  return [...chosen.values()]
    .filter(({ rank }) => side === undefined || order[rank]?.side === side)
    .map(({ rank, metric }) => [
      ...ref.matchers,
      ...pair.map((l) => `${l}="${metric[l] ?? ""}"`),
      `reporter="${order[rank]?.value}"`,
    ]);
}

/**
 * The PromQL of `histogram_quantile` over the object's histogram in `form` (selected by at least one
 * matcher list), over `window`: written once, so instant and range references ask the same thing.
 */
export function quantileQuery(
  window: string,
  ref: Reference,
  selectors: readonly (readonly string[])[],
  q: number,
  form: "native" | "classic",
): string {
  const name = form === "native" ? ref.histogram : `${ref.histogram}_bucket`;
  const rates = selectors.map((m) => `rate(${name}{${m.join(", ")}}[${window}])`).join(" or ");
  const summed = form === "native" ? `sum(${rates})` : `sum by (le) (${rates})`;
  return `histogram_quantile(${q}, ${summed})`;
}

/** The PromQL of each `sum(increase(...))` over `window` whose values add up to the count of `sets`. */
export function countQueries(
  window: string,
  ref: Reference,
  selectors: readonly (readonly string[])[],
  sets: MatcherSets,
): string[] {
  return selectors.flatMap((m) =>
    sets.map((set) => `sum(increase(${ref.counter}{${[...m, ...set].join(", ")}}[${window}]))`),
  );
}

/** `histogram_quantile` over the object's histogram in `form`, in ms; null where there is none. */
async function quantile(
  asking: Asking,
  ref: Reference,
  selectors: string[][],
  q: number,
  form: "native" | "classic",
) {
  if (selectors.length === 0) return null;
  const value = await oneValue(asking, quantileQuery(asking.window, ref, selectors, q, form));
  return value === undefined || !Number.isFinite(value) ? null : value * ref.unitMs;
}

/** `sum(increase(...))` of the counter's series in each matcher set, added up. */
async function count(asking: Asking, ref: Reference, selectors: string[][], sets: MatcherSets) {
  const parts = countQueries(asking.window, ref, selectors, sets).map((expr) => oneValue(asking, expr));
  return (await Promise.all(parts)).reduce<number>((sum, v) => sum + (v ?? 0), 0);
}

/** p50, p90 and p99 from the histogram `form` names; without observations there, all null. */
async function latencies(asking: Asking, ref: Reference, selectors: string[][], form: HistogramForm) {
  if (form === "none") return [null, null, null];
  const from = (f: "native" | "classic") =>
    Promise.all([0.5, 0.9, 0.99].map((q) => quantile(asking, ref, selectors, q, f)));
  if (form !== "classic-first") return from(form);
  const classic = await from("classic");
  return classic.some((v) => v !== null) ? classic : from("native");
}

/** The engine's own numbers for the object, its latency read from the histogram `form` names. */
export async function referenceNumbers(
  asking: Asking,
  ref: Reference,
  form: HistogramForm,
): Promise<Numbers> {
  const selectors = await selectorsOf(asking, ref);
  const [success, failure, [p50, p90, p99]] = await Promise.all([
    count(asking, ref, selectors, ref.outcome.success),
    count(asking, ref, selectors, ref.outcome.failure),
    latencies(asking, ref, selectors, form),
  ]);
  return { success, failure, p50: p50 ?? null, p90: p90 ?? null, p99: p99 ?? null };
}

/** A latency within 0.05% of the reference's, or null where the reference has none. */
export function expectLatency(got: number | null, want: number | null, label: string): void {
  if (want === null) {
    expect(got, `${label}: no reference latency`).toBeNull();
    return;
  }
  expect(got, label).not.toBeNull();
  expect(Math.abs((got as number) - want) / want, `${label}: ${got} vs ${want}`).toBeLessThanOrEqual(0.0005);
}

/** An item's counts within 0.001 of the reference's and its quantiles within 0.05%. */
// biome-ignore lint/suspicious/noExplicitAny: answers are inspected field by field
export function expectNumbers(item: any, want: Numbers, label: string): void {
  const got = metricsOf(item);
  expectCount(got.success, want.success, `${label} success`);
  expectCount(got.failure, want.failure, `${label} failure`);
  expectLatency(got.p50, want.p50, `${label} p50`);
  expectLatency(got.p90, want.p90, `${label} p90`);
  expectLatency(got.p99, want.p99, `${label} p99`);
}
