/**
 * Traffic that moves at known times: constant scenarios one after another, for range answers to be
 * checked against (and for the demo to show). Each segment is an ordinary `Scenario`, written by the
 * usual mesh writers into one builder, so counters run on continuously across segments and a
 * workload that first appears in a segment has series from that segment's start only.
 */
import { OpenMetricsBuilder } from "./openmetrics";
import { defaultScenario, type Scenario, SLOW, type Stream, stream, workload } from "./scenario";

/** One constant piece of a moving scenario: its traffic from `fromS` until the next segment's. */
interface Segment {
  readonly fromS: number;
  readonly scenario: Scenario;
}

/** Traffic that changes at known times: segments in time order, the first at `startS`. */
export interface MovingScenario {
  readonly segments: readonly Segment[];
  /** First and last sample, Unix seconds, and the spacing of samples, as a `Scenario`'s. */
  readonly startS: number;
  readonly endS: number;
  readonly stepS: number;
}

/**
 * Writes every segment's traffic into one builder with a mesh's writer (or several: `allMeshSeries`):
 * each segment's rates hold from its start to the next one's.
 */
export function movingSeries(
  moving: MovingScenario,
  write: (s: Scenario, om: OpenMetricsBuilder) => unknown,
  om = new OpenMetricsBuilder(),
): OpenMetricsBuilder {
  moving.segments.forEach(({ fromS, scenario }, i) => {
    if (i > 0 || fromS !== moving.startS) om.from(fromS);
    write(scenario, om);
  });
  return om;
}

/** The same scenario with the streams that `match` changed by `change`. */
export function changeStreams(
  s: Scenario,
  match: (x: Stream) => boolean,
  change: (x: Stream) => Partial<Stream>,
): Scenario {
  return { ...s, streams: s.streams.map((x) => (match(x) ? { ...x, ...change(x) } : x)) };
}

/** When the moving scenario's traffic changes, in seconds after its start. */
export const MOVES = {
  /** frontend's calls to checkout double. */
  step: 600,
  /** A new workload, shop/search, starts serving frontend. */
  searchStarts: 720,
  /** checkout fails 30% of its requests for five minutes. */
  spikeStarts: 840,
  spikeEnds: 1140,
  /** checkout gets slower. */
  slower: 960,
} as const;

/** How long the moving scenario's data runs. */
const SPAN_S = 25 * 60;

const inShop = (name: string) => (w: { namespace: string; name: string }) =>
  w.namespace === "shop" && w.name === name;

/**
 * A scenario (the default one, or any with shop/frontend and shop/checkout: the ambient one,
 * Cilium's) whose traffic moves at `MOVES`: a step in frontend's rate to checkout, a workload
 * (shop/search, on frontend's data plane and under its L7 policy) that starts mid-range, a
 * five-minute spike of checkout's failures, and checkout's latency going from its own to `SLOW`.
 * It runs 25 minutes from the base's start.
 */
export function movingScenario(base: Scenario = defaultScenario()): MovingScenario {
  const frontend = base.workloads.find(inShop("frontend"));
  if (frontend === undefined) throw new Error("a moving scenario needs shop/frontend in its base");
  // Where frontend's mesh reports requests, search's are reported too: its data plane, Cilium's L7 policy.
  const { dataPlane, l7Policy } = frontend;
  const search = workload("shop", "search", "deployment", 2, { dataPlane, ...(l7Policy && { l7Policy }) });
  const toCheckout = (x: Stream) => inShop("checkout")(x.to);
  const fromFrontend = (x: Stream) => x.from !== undefined && inShop("frontend")(x.from);
  const phase = (at: number): Scenario => {
    let s = base;
    if (at >= MOVES.step)
      s = changeStreams(
        s,
        (x) => toCheckout(x) && fromFrontend(x),
        (x) => ({ rps: x.rps * 2 }),
      );
    if (at >= MOVES.searchStarts) {
      const calls = stream(frontend, search, { rps: 3, serverFailureShare: 0.01 });
      s = { ...s, workloads: [...s.workloads, search], streams: [...s.streams, calls] };
    }
    if (at >= MOVES.spikeStarts && at < MOVES.spikeEnds)
      s = changeStreams(s, toCheckout, () => ({ serverFailureShare: 0.3 }));
    if (at >= MOVES.slower)
      s = changeStreams(s, toCheckout, () => ({ serverLatency: SLOW, clientLatency: SLOW }));
    return s;
  };
  const starts = [0, ...Object.values(MOVES)].sort((a, b) => a - b);
  return {
    segments: starts.map((at) => ({ fromS: base.startS + at, scenario: phase(at) })),
    startS: base.startS,
    endS: base.startS + SPAN_S,
    stepS: base.stepS,
  };
}

/** The last segment's scenario: every workload and stream the moving scenario ever has. */
export const finalScenario = (moving: MovingScenario): Scenario =>
  (moving.segments.at(-1) as Segment).scenario;
