import { afterEach, describe, expect, it } from "vitest";
import { COUNTER, decodeFamilies, HISTOGRAM, PROTOBUF_CONTENT_TYPE } from "../../src/dev/exposition";
import { nativeRates, spansOf } from "../../src/dev/native-histogram";
import { type NativeTarget, startNativeTarget } from "../../src/dev/native-target";
import { MEDIUM } from "../../src/dev/scenario";
import { ScrapeSeries } from "../../src/dev/scrape-series";

describe("native histogram buckets", () => {
  it("spreads a share over the schema-3 buckets it overlaps, in proportion to the overlap", () => {
    const { buckets, zeroPerS, sumPerS } = nativeRates([{ from: 5, to: 10, ratePerS: 2 }], 2 ** -10);
    // (5, 10] starts in bucket 19, (2^(18/8), 2^(19/8)] = (4.76, 5.19], and ends in bucket 27.
    expect(buckets.map(([index]) => index)).toEqual([19, 20, 21, 22, 23, 24, 25, 26, 27]);
    expect(buckets[0]?.[1]).toBeCloseTo((2 * (2 ** (19 / 8) - 5)) / 5, 12);
    expect(buckets[4]?.[1]).toBeCloseTo((2 * (2 ** (23 / 8) - 2 ** (22 / 8))) / 5, 12);
    expect(buckets.reduce((sum, [, perS]) => sum + perS, 0)).toBeCloseTo(2, 12);
    expect(zeroPerS).toBe(0);
    expect(sumPerS).toBe(15);
  });

  it("puts the part of a range below the zero threshold in the zero bucket", () => {
    const { buckets, zeroPerS } = nativeRates([{ from: 0, to: 1, ratePerS: 1 }], 2 ** -10);
    expect(zeroPerS).toBeCloseTo(2 ** -10, 15);
    expect(buckets[0]?.[0]).toBe(-79);
    expect(buckets.at(-1)?.[0]).toBe(0);
  });

  it("describes runs of buckets as spans, each offset from the last one's end", () => {
    expect(spansOf([-3, -2, 1, 2, 3, 7])).toEqual([
      { offset: -3, length: 2 },
      { offset: 2, length: 3 },
      { offset: 3, length: 1 },
    ]);
  });
});

describe("classic buckets a scrape target serves", () => {
  /** Each bucket's count, then `+Inf`'s (the sample count), `t` seconds after the start. */
  function countsAt(series: ScrapeSeries, t: number): number[] {
    const [family] = [...series.families(t, "classic")];
    const h = family?.metric[0]?.histogram;
    return [...(h?.bucket ?? []).map((b) => b.cumulativeCount ?? 0), h?.sampleCount ?? 0];
  }

  it("grow by at least as much as the bucket below between any two scrapes, as counts of whole observations do", () => {
    const series = new ScrapeSeries();
    series.histogram("latency_ms", { pod: "a" }, [10, 50, 1000], [[4, MEDIUM]]);
    for (let t = 1; t < 20; t += 0.1) {
      const before = countsAt(series, t);
      const grown = countsAt(series, t + 0.1).map((n, i) => n - (before[i] as number));
      for (let i = 1; i < grown.length; i++)
        expect(grown[i], `bucket ${i} from ${t.toFixed(1)} s`).toBeGreaterThanOrEqual(grown[i - 1] as number);
    }
  });
});

describe("the native-histogram scrape target", () => {
  let target: NativeTarget | undefined;
  afterEach(async () => {
    await target?.close();
  });

  /** The fields of a decoded family these cases read. */
  interface Decoded {
    readonly name: string;
    readonly type: number;
    readonly metric: {
      readonly counter?: { readonly value: number };
      readonly histogram: {
        readonly schema?: number;
        readonly zeroThreshold?: number;
        readonly sampleCountFloat: number;
        readonly sampleSum: number;
        readonly positiveDelta?: number[];
        readonly bucket?: { readonly upperBound: number; readonly cumulativeCount: number }[];
      };
    }[];
  }

  /** A target of one counter and one histogram: 4 rps of the MEDIUM mix, in ms. */
  async function scrape(form: "native" | "classic") {
    const series = new ScrapeSeries();
    series.counter("requests_total", { pod: "a" }, 4);
    series.histogram("latency_ms", { pod: "a" }, [10, 50, 1000], [[4, MEDIUM]]);
    target = await startNativeTarget(series, { form });
    const response = await fetch(target.url);
    const elapsedS = (Date.now() - target.startedAt.getTime()) / 1000;
    const families = decodeFamilies(new Uint8Array(await response.arrayBuffer())) as unknown as Decoded[];
    return { contentType: response.headers.get("content-type"), families, elapsedS };
  }

  it("serves counters and float native histograms that count 4 per second since the start", async () => {
    const { contentType, families, elapsedS } = await scrape("native");
    expect(contentType).toBe(PROTOBUF_CONTENT_TYPE);
    const [counter, histogram] = families;
    expect([counter?.name, counter?.type, histogram?.name, histogram?.type]).toEqual([
      "requests_total",
      COUNTER,
      "latency_ms",
      HISTOGRAM,
    ]);
    const value = counter?.metric[0]?.counter?.value as number;
    expect(value).toBeGreaterThan(0);
    expect(value).toBeLessThanOrEqual(4 * elapsedS);
    const h = histogram?.metric[0]?.histogram;
    if (h === undefined) throw new Error("no histogram served");
    expect(h.schema).toBe(3);
    expect(h.sampleCountFloat).toBeCloseTo(value, 9);
    expect(h.sampleSum / h.sampleCountFloat).toBeCloseTo(70.5, 9);
    expect(h.positiveDelta ?? []).toEqual([]);
    expect(h.bucket ?? []).toEqual([]);
  });

  it("serves classic buckets with integer counts and no native parts when asked to", async () => {
    const { families } = await scrape("classic");
    const h = families[1]?.metric[0]?.histogram;
    expect(h?.schema ?? 0).toBe(0);
    expect(h?.zeroThreshold ?? 0).toBe(0);
    expect(h?.bucket?.map((b) => b.upperBound)).toEqual([10, 50, 1000]);
    expect(h?.bucket?.every((b) => Number.isInteger(b.cumulativeCount))).toBe(true);
  });
});
