import {
  COUNTER,
  HISTOGRAM,
  type HistogramMessage,
  type MetricFamilyMessage,
  type MetricMessage,
} from "./exposition";
import { classicBucketRates, type HistogramPart, spreadRanges } from "./histogram-series";
import { NATIVE_SCHEMA, type NativeRates, nativeRates, spansOf, zeroThresholdFor } from "./native-histogram";
import type { SeriesLabels, SeriesSink } from "./openmetrics";

/**
 * How a scrape target serves histograms: `native` (exponential buckets), `classic` (buckets only),
 * or `both` in one message, as client_golang does when both are configured. Prometheus 2.42 stores
 * `both` as native only; `classic` as `_bucket`/`_sum`/`_count` series whose `le` is formatted as
 * OpenMetrics floats (`le="1.0"`, not the backfill's `le="1"`).
 */
export type HistogramForm = "native" | "classic" | "both";

interface CounterSeries {
  readonly labels: SeriesLabels;
  ratePerS: number;
}

interface HistogramSeries {
  readonly labels: SeriesLabels;
  readonly bounds: readonly number[];
  readonly msPerUnit: number;
  readonly parts: HistogramPart[];
}

/** A histogram's rates, worked out once: each scrape only scales them by the elapsed time. */
interface PreparedHistogram {
  readonly label: MetricMessage["label"];
  readonly msPerUnit: number;
  readonly classic: readonly (readonly [le: number, ratePerS: number])[];
  readonly native: NativeRates;
  readonly spans: ReturnType<typeof spansOf>;
}

const keyOf = (labels: SeriesLabels) =>
  JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
const labelPairs = (labels: SeriesLabels) => Object.entries(labels).map(([name, value]) => ({ name, value }));

/** The series of family `name` under `key`, added when new. */
function seriesIn<T>(families: Map<string, Map<string, T>>, name: string, key: string, fresh: () => T): T {
  const family = families.get(name) ?? new Map<string, T>();
  families.set(name, family);
  const series = family.get(key) ?? fresh();
  family.set(key, series);
  return series;
}

/**
 * Collects what the series writers write, for a live scrape target: counters that grow at their
 * rate from the target's start, and histograms kept as traffic (parts), so they can be served in
 * any {@link HistogramForm}. Equal label sets add up, as a real proxy's series would.
 */
export class ScrapeSeries implements SeriesSink {
  readonly #counters = new Map<string, Map<string, CounterSeries>>();
  readonly #histograms = new Map<string, Map<string, HistogramSeries>>();
  #prepared: Map<string, PreparedHistogram[]> | undefined;

  counter(name: string, labels: SeriesLabels, ratePerS: number): void {
    seriesIn(this.#counters, name, keyOf(labels), () => ({ labels, ratePerS: 0 })).ratePerS += ratePerS;
    this.#prepared = undefined;
  }

  histogram(
    baseName: string,
    labels: SeriesLabels,
    bounds: readonly number[],
    parts: readonly HistogramPart[],
    msPerUnit = 1,
  ): void {
    const fresh = () => ({ labels, bounds, msPerUnit, parts: [] });
    seriesIn(this.#histograms, baseName, keyOf(labels), fresh).parts.push(...parts);
    this.#prepared = undefined;
  }

  /** Every family as it stands `elapsedS` seconds after the target's start. */
  *families(elapsedS: number, form: HistogramForm): Generator<MetricFamilyMessage> {
    for (const [name, family] of this.#counters) {
      const metric = [...family.values()].map(({ labels, ratePerS }) => ({
        label: labelPairs(labels),
        counter: { value: ratePerS * elapsedS },
      }));
      yield { name, type: COUNTER, metric };
    }
    for (const [name, histograms] of this.#prepare()) {
      const metric = histograms.map((h) => ({ label: h.label, histogram: histogramAt(h, elapsedS, form) }));
      yield { name, type: HISTOGRAM, metric };
    }
  }

  #prepare(): Map<string, PreparedHistogram[]> {
    this.#prepared ??= new Map(
      [...this.#histograms].map(([name, family]) => [name, [...family.values()].map(prepare)]),
    );
    return this.#prepared;
  }
}

function prepare({ labels, bounds, msPerUnit, parts }: HistogramSeries): PreparedHistogram {
  const native = nativeRates(spreadRanges(parts, msPerUnit), zeroThresholdFor(msPerUnit));
  const spans = spansOf(native.buckets.map(([index]) => index));
  return { label: labelPairs(labels), msPerUnit, classic: classicBucketRates(bounds, parts), native, spans };
}

/** A histogram's message at `t` seconds: every count is its rate times `t`. */
function histogramAt(h: PreparedHistogram, t: number, form: HistogramForm): HistogramMessage {
  if (form === "classic") return classicAt(h, t);
  const native = nativeAt(h.native, h.spans, t);
  if (form === "native") return native;
  const bucket = finiteBounds(h).map(([le, perS]) => ({
    upperBound: le / h.msPerUnit,
    cumulativeCountFloat: perS * t,
  }));
  return { ...native, bucket };
}

const finiteBounds = (h: PreparedHistogram) => h.classic.filter(([le]) => le !== Infinity);

/**
 * Classic buckets with integer counts, as 2.42 reads only `cumulative_count` there. Each bucket's
 * own observations (those above the bound below) are floored and added up, as a client library
 * counts whole observations: every bucket grows by at least what the one below grows by, so the
 * buckets' rates over any window are cumulative too, as real ones are; flooring the cumulative
 * counts instead lets a bucket grow more than the one above, which no client does and which
 * engines repair differently. `+Inf` is the sample count, as client_golang sends it.
 */
function classicAt(h: PreparedHistogram, t: number): HistogramMessage {
  let below = 0;
  let count = 0;
  const cumulative = h.classic.map(([le, perS]) => {
    count += Math.floor(Math.max(0, perS - below) * t);
    below = Math.max(below, perS);
    return [le, count] as const;
  });
  const bucket = cumulative
    .filter(([le]) => le !== Infinity)
    .map(([le, n]) => ({ upperBound: le / h.msPerUnit, cumulativeCount: n }));
  return { sampleCount: cumulative.at(-1)?.[1] ?? 0, sampleSum: h.native.sumPerS * t, bucket };
}

/**
 * A float native histogram: counts are exactly rate × `t`, so `rate()` gives the scenario's rates,
 * which integer counts (rounded per bucket) would not. The count is the buckets' sum taken in
 * Prometheus' order plus the zero bucket, so its "buckets exceed the count" check always passes.
 * No observations yet: no buckets, which 2.42 reads as an empty integer histogram.
 */
function nativeAt(rates: NativeRates, spans: PreparedHistogram["spans"], t: number): HistogramMessage {
  const base = { schema: NATIVE_SCHEMA, zeroThreshold: rates.zeroThreshold, sampleSum: rates.sumPerS * t };
  const positiveCount = rates.buckets.map(([, perS]) => perS * t);
  const zero = rates.zeroPerS * t;
  const count = positiveCount.reduce((sum, n) => sum + n, 0) + zero;
  if (count === 0) return { ...base, sampleCount: 0 };
  return { ...base, sampleCountFloat: count, zeroCountFloat: zero, positiveSpan: spans, positiveCount };
}
