import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { classicBucketRates, type HistogramPart } from "./histogram-series";

export type SeriesLabels = Readonly<Record<string, string>>;

/**
 * Anything series can be added to. Writers name what a proxy measures; the sink decides how it
 * reaches Prometheus, so the same writers feed a promtool backfill and a live scrape target.
 */
export interface SeriesSink {
  counter(name: string, labels: SeriesLabels, ratePerS: number): void;
  /**
   * A latency histogram by its base name (no `_bucket`): traffic made of parts, `bounds` the
   * proxy's classic bucket bounds in ms, `msPerUnit` the ms in one unit of the histogram (1000 for
   * one in seconds; 1 when absent). A backfill writes classic `_bucket` counters; a scrape target
   * can serve a native histogram, whose buckets do not depend on `bounds`.
   */
  histogram(
    baseName: string,
    labels: SeriesLabels,
    bounds: readonly number[],
    parts: readonly HistogramPart[],
    msPerUnit?: number,
  ): void;
}

/** A sink that adds labels to every series, as an external label or a relabeling would. */
const withLabels = (sink: SeriesSink, extra: SeriesLabels): SeriesSink => ({
  counter: (name, labels, ratePerS) => sink.counter(name, { ...labels, ...extra }, ratePerS),
  histogram: (baseName, labels, bounds, parts, msPerUnit) =>
    sink.histogram(baseName, { ...labels, ...extra }, bounds, parts, msPerUnit),
});

/** What a mesh's writer may add to every series it writes. */
export interface WriterOptions {
  /** An external `cluster` label, as Thanos or a federating Prometheus adds. */
  readonly cluster?: string;
  /** Consul only: the datacenter the sidecars are in (`dc1` unless set). */
  readonly datacenter?: string;
}

/** The sink a writer adds to: the builder itself, or the builder behind an external label. */
export const sinkFor = (om: SeriesSink, options: WriterOptions): SeriesSink =>
  options.cluster === undefined ? om : withLabels(om, { cluster: options.cluster });

/**
 * The part of the range a series has samples in, both ends included: a series that appears or ends
 * mid-range, as one whose labels change (an `le` written `10` before an upgrade and `10.0` after).
 * Its value still counts from where it begins, as the proxy's counter does whatever it is named.
 */
export interface SeriesSpan {
  readonly fromS?: number;
  readonly untilS?: number;
}

interface Series {
  readonly labels: SeriesLabels;
  /**
   * Counter growth per second in each segment the series was written in, by the segment's index
   * (sparse: a segment it was not written in adds nothing). Its first segment is where it begins.
   */
  readonly rates: number[];
  readonly span: SeriesSpan;
}

/** Whether a series has a sample at `t`. */
const within = ({ span }: Series, t: number) =>
  (span.fromS === undefined || t >= span.fromS) && (span.untilS === undefined || t <= span.untilS);

/**
 * Collects counter series by metric family and writes them as OpenMetrics text for
 * `promtool tsdb create-blocks-from openmetrics`. Families are written whole, as the format wants.
 *
 * Each counter grows at a constant rate from the data's start, unless `from` opened later segments:
 * then it grows at the rate written in each segment, and stays flat through one it was not written
 * in, so counters run on continuously across segments. A series first written in a later segment
 * begins there, at zero: it has no sample before, as a workload that starts then would have none.
 */
export class OpenMetricsBuilder implements SeriesSink {
  readonly #families = new Map<string, Map<string, Series>>();
  /** Where each segment starts, Unix seconds; the first (undefined) starts with the data. */
  readonly #starts: (number | undefined)[] = [undefined];

  /**
   * Opens a segment at `startS`: the rates written from now on hold from there until the next
   * segment, or the end of the data. Segments open in time order.
   */
  from(startS: number): this {
    const last = this.#starts.at(-1);
    if (last !== undefined && startS <= last)
      throw new Error(`segments open in time order: ${startS} is not after ${last}`);
    this.#starts.push(startS);
    return this;
  }

  /**
   * Adds growth to a series in the open segment; equal label sets add up, as a real proxy's counter
   * would. `span` limits its samples to part of the range (all of it when absent); the first call's
   * span holds.
   */
  counter(name: string, labels: SeriesLabels, ratePerS: number, span: SeriesSpan = {}): void {
    let family = this.#families.get(name);
    if (family === undefined) {
      family = new Map();
      this.#families.set(name, family);
    }
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
    let series = family.get(key);
    if (series === undefined) {
      series = { labels, rates: [], span };
      family.set(key, series);
    }
    const segment = this.#starts.length - 1;
    series.rates[segment] = (series.rates[segment] ?? 0) + ratePerS;
  }

  /**
   * Writes one cumulative `<baseName>_bucket` counter per bound and `+Inf`, `le` in the
   * histogram's unit (as text and OpenMetrics show it: `0.025`, `1`).
   */
  histogram(
    baseName: string,
    labels: SeriesLabels,
    bounds: readonly number[],
    parts: readonly HistogramPart[],
    msPerUnit = 1,
  ): void {
    for (const [le, rate] of classicBucketRates(bounds, parts)) {
      const bound = le === Infinity ? "+Inf" : String(le / msPerUnit);
      this.counter(`${baseName}_bucket`, { ...labels, le: bound }, rate);
    }
  }

  get seriesCount(): number {
    let n = 0;
    for (const family of this.#families.values()) n += family.size;
    return n;
  }

  /** Writes every series at every step from `startS` (or where it begins) to `endS` inclusive. */
  async write(path: string, startS: number, endS: number, stepS: number): Promise<void> {
    const out = createWriteStream(path);
    for (const [name, family] of this.#families) {
      for (const series of family.values()) {
        const labelText = Object.entries(series.labels)
          .map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`)
          .join(",");
        let chunk = "";
        for (const [t, value] of this.#samples(series, startS, endS, stepS)) {
          chunk += `${name}{${labelText}} ${value} ${t}\n`;
        }
        if (!out.write(chunk)) await once(out, "drain");
      }
    }
    out.end("# EOF\n");
    await once(out, "finish");
  }

  /**
   * The same samples as `write`, as VictoriaMetrics' `/api/v1/import` takes them: one JSON line per
   * series with millisecond timestamps. A line holds a whole series, so the body is a twentieth of
   * the text exposition's, which repeats every label set at every sample.
   */
  *importLines(startS: number, endS: number, stepS: number): Generator<string> {
    for (const [name, family] of this.#families) {
      for (const series of family.values()) {
        const values: number[] = [];
        const timestamps: number[] = [];
        for (const [t, value] of this.#samples(series, startS, endS, stepS)) {
          values.push(value);
          timestamps.push(t * 1000);
        }
        yield `${JSON.stringify({ metric: { __name__: name, ...series.labels }, values, timestamps })}\n`;
      }
    }
  }

  /**
   * A series' samples, `[t, value]` at every step from where it begins: both writers read these, so
   * both engines get the very same numbers. Its value at `t` is its growth in every segment up to `t`.
   */
  *#samples(series: Series, startS: number, endS: number, stepS: number): Generator<[number, number]> {
    const starts = this.#starts.map((s) => s ?? startS);
    const first = series.rates.findIndex((rate) => rate !== undefined);
    const begin = starts[first] ?? startS;
    for (let t = startS; t <= endS; t += stepS) {
      if (t < begin || !within(series, t)) continue;
      let value = 0;
      series.rates.forEach((rate, i) => {
        const from = starts[i] as number;
        if (t > from) value += rate * (Math.min(t, starts[i + 1] ?? Infinity) - from);
      });
      yield [t, value];
    }
  }
}
