/**
 * An `le` whose text changes mid-window, as a Prometheus upgrade that normalises bounds leaves it
 * (`le="10"` until the upgrade, `le="10.0"` after), read through the real answer path on a real
 * Prometheus and a real VictoriaMetrics holding the same backfilled samples: each bound's two
 * spellings are one bucket, as each engine's own `histogram_quantile` merges them. Keyed by the
 * raw text, the fold would keep two buckets of one bound and interpolate wrong quantiles.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classicBucketRates, type HistogramPart } from "../../src/dev/histogram-series";
import { linkerdSeries } from "../../src/dev/linkerd-series";
import { OpenMetricsBuilder, type SeriesLabels } from "../../src/dev/openmetrics";
import { defaultScenario } from "../../src/dev/scenario";
import {
  BASE,
  checkEdges,
  checkList,
  checkResource,
  itemsOf,
  namedOf,
  type Walk,
} from "../support/answer-walk";
import { findWorkload, workloadTruth } from "../support/ground-truth";
import { apiFor, ENGINE_TITLES, type EngineName, type RunningEngine, startEngines } from "../support/harness";
import { REFERENCES } from "../support/mesh-references";
import { expectLatency, expectNumbers, query, referenceNumbers } from "../support/reference-promql";

const scenario = defaultScenario();
const WINDOW = "5m";
/** The last sample whose bounds read `le="10"`; from the next step on they read `le="10.0"`. */
const UPGRADE_S = scenario.endS - 150;

/** A bound as a normalising Prometheus writes it: always with a fraction (`10.0`, `0.5`). */
const normalised = (bound: number) => (Number.isInteger(bound) ? bound.toFixed(1) : String(bound));

/**
 * Linkerd's series across an upgrade: each classic bucket is one counter, whose `le` is written
 * `10` until `UPGRADE_S` and `10.0` after; `+Inf` and fractional bounds read the same before and
 * after, so they stay one series.
 */
class LeUpgrade extends OpenMetricsBuilder {
  override histogram(
    baseName: string,
    labels: SeriesLabels,
    bounds: readonly number[],
    parts: readonly HistogramPart[],
    msPerUnit = 1,
  ): void {
    const name = `${baseName}_bucket`;
    for (const [le, rate] of classicBucketRates(bounds, parts)) {
      const before = le === Infinity ? "+Inf" : String(le / msPerUnit);
      const after = le === Infinity ? "+Inf" : normalised(le / msPerUnit);
      if (before === after) {
        this.counter(name, { ...labels, le: before }, rate);
        continue;
      }
      this.counter(name, { ...labels, le: before }, rate, { untilS: UPGRADE_S });
      this.counter(name, { ...labels, le: after }, rate, { fromS: UPGRADE_S + scenario.stepS });
    }
  }
}

let engines: Record<EngineName, RunningEngine>;

beforeAll(async () => {
  engines = await startEngines(linkerdSeries(scenario, new LeUpgrade()), scenario);
}, 90_000);
afterAll(async () => {
  await Promise.all(Object.values(engines ?? {}).map((e) => e.stop()));
});

const walkOn = (engine: EngineName): Walk => ({
  api: apiFor({ MESH: "linkerd", PROMETHEUS_URL: engines[engine].url }),
  refs: REFERENCES.linkerd,
  asking: { url: engines[engine].url, window: WINDOW, timeS: scenario.endS },
  form: "classic",
});

const holdsBothSpellings = async (engine: EngineName) => {
  const { asking } = walkOn(engine);
  for (const le of ["10", "10.0", "500", "500.0"]) {
    const series = await query(asking, `count_over_time(response_latency_ms_bucket{le="${le}"}[${WINDOW}])`);
    expect(series.length, `${ENGINE_TITLES[engine]} le="${le}"`).toBeGreaterThan(0);
  }
};

describe("le written 10 then 10.0 within one window, on a real Prometheus", () => {
  it("holds both spellings of each bound in the window asked about", () => holdsBothSpellings("prometheus"));

  it("answers every deployment, pod, namespace and edge with Prometheus' own histogram_quantile, which merges the spellings", async () => {
    const walk = walkOn("prometheus");
    for (const kind of ["deployments", "pods", "namespaces"]) {
      const listed = await checkList(walk, kind);
      expect(listed.length, kind).toBeGreaterThan(1);
      await Promise.all(listed.map((object) => checkResource(walk, object)));
    }
    const edges = await checkEdges(walk, { kind: "deployments", namespace: "shop", name: "frontend" });
    expect(edges).toBeGreaterThan(1);
  });

  it("gives checkout the scenario's own quantiles, as Prometheus does", async () => {
    const walk = walkOn("prometheus");
    const checkout = { kind: "deployments", namespace: "shop", name: "checkout" };
    const want = await referenceNumbers(walk.asking, REFERENCES.linkerd.resource(checkout), "classic");
    const truth = workloadTruth(scenario, findWorkload(scenario, "shop", "checkout"), 300, "linkerd");
    for (const q of ["p50", "p90", "p99"] as const) expectLatency(want[q], truth[q], `Prometheus' ${q}`);
    await checkResource(walk, checkout);
  });
});

/**
 * VictoriaMetrics' rate() of a series present for part of the window is its rate over its own
 * samples, so each spelling of a bound gives the bound's whole rate while `+Inf` gives it once.
 * Merged, every finite bucket is twice the truth; interpolating as Prometheus does (counts forced
 * monotonic upward, the total the largest) that is the truth's shape, and the answer is the truth.
 */
describe("le written 10 then 10.0 within one window, on a real VictoriaMetrics", () => {
  it("holds both spellings of each bound in the window asked about", () =>
    holdsBothSpellings("victoria-metrics"));

  it("answers every workload with the scenario's own quantiles and VictoriaMetrics' own increase()", async () => {
    const walk = walkOn("victoria-metrics");
    for (const kind of ["deployments", "statefulsets", "daemonsets"]) {
      const items = await itemsOf(walk, `${BASE}/${kind}`);
      expect(items.length, kind).toBeGreaterThan(0);
      for (const item of items) {
        const { namespace, name } = item.resource;
        const want = await referenceNumbers(
          walk.asking,
          walk.refs.resource(namedOf(item.resource)),
          "classic",
        );
        const truth = workloadTruth(scenario, findWorkload(scenario, namespace, name), 300, "linkerd");
        expectNumbers(item, { ...want, p50: truth.p50, p90: truth.p90, p99: truth.p99 }, `${kind} ${name}`);
      }
    }
  });
});
