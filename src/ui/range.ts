import type { RangeName, ViewState } from "./state";

const RANGE_S: Readonly<Record<Exclude<RangeName, "custom">, number>> = {
  "15m": 900,
  "1h": 3600,
  "6h": 21_600,
  "24h": 86_400,
};

/** Points a chart or sparkline gets: enough to see a trend, few enough for a list of hundreds. */
const POINTS = 30;

/** The deployment's window bounds (`SCRAPE_INTERVAL`, `MAX_WINDOW`), in seconds. */
export interface WindowBounds {
  readonly minS: number;
  readonly maxS: number;
}

/** The span a view asks about, and the query strings of its two kinds of answer. */
export interface QueryRange {
  readonly startS: number;
  readonly endS: number;
  readonly stepS: number;
  /** An instant answer over the whole range: `t` the range, `time` its end. */
  readonly instant: URLSearchParams;
  /** A range answer: a point every `step`, each the window of one step, so points add up to the whole. */
  readonly series: URLSearchParams;
}

const iso = (s: number) => `${new Date(s * 1000).toISOString().slice(0, 19)}Z`;

/** The range's ends in Unix seconds: the last N before now, or the custom ends. */
function endsOf(state: ViewState, nowS: number): { startS: number; endS: number } | string {
  if (state.range !== "custom") {
    const endS = Math.floor(nowS / 10) * 10;
    return { startS: endS - RANGE_S[state.range], endS };
  }
  const startS = Date.parse(state.start) / 1000;
  const endS = Date.parse(state.end) / 1000;
  if (!Number.isFinite(startS) || !Number.isFinite(endS)) return "give the custom range a start and an end";
  if (startS >= endS) return "the custom range's start must be before its end";
  return { startS: Math.floor(startS), endS: Math.floor(endS) };
}

/**
 * The queries for a state's range, or why there are none. The step is a whole number of seconds, a
 * thirtieth of the range but never below the scrape interval; the instant answer's window is the
 * whole range, which the API caps at `MAX_WINDOW`.
 */
export function queryRange(state: ViewState, nowS: number, bounds: WindowBounds): QueryRange | string {
  const ends = endsOf(state, nowS);
  if (typeof ends === "string") return ends;
  const spanS = ends.endS - ends.startS;
  if (spanS > bounds.maxS) {
    return `the range is ${spanS} s, longer than this deployment's MAX_WINDOW (${bounds.maxS} s)`;
  }
  const stepS = Math.max(bounds.minS, Math.ceil(spanS / POINTS));
  const points = Math.max(1, Math.floor(spanS / stepS));
  const startS = ends.endS - (points - 1) * stepS;
  return {
    startS: ends.endS - spanS,
    endS: ends.endS,
    stepS,
    instant: new URLSearchParams({ t: `${spanS}s`, time: iso(ends.endS) }),
    series: new URLSearchParams({
      t: `${stepS}s`,
      start: iso(startS),
      end: iso(ends.endS),
      step: `${stepS}s`,
    }),
  };
}
