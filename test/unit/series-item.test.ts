import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ReadSeries, readSeriesPoints, type VectorSample } from "../../src/prometheus/envelope";
import { SampleItemParser } from "../../src/prometheus/sample-item";
import { labelText, readResult, timestamp } from "../support/result-bodies";

/** What the client takes from each item: the points `readSeriesPoints` hands over, and whether it took the item. */
function asPoints(items: readonly unknown[]) {
  return items.map((item) => {
    const points: VectorSample[] = [];
    const ok = readSeriesPoints(item, (sample) => points.push(sample));
    return { ok, points };
  });
}

/** Feeds a matrix body cut at `cuts` to a reader; returns the items it handed over. */
const read = (result: string, cuts: readonly number[] = []) => readResult("matrix", result, cuts);

/** What JSON.parse and readSeriesPoints make of the same items: the oracle. */
const oracle = (result: string) => asPoints(JSON.parse(`[${result}]`) as unknown[]);

/** Sample values as Prometheus formats them, and specials; few, so points repeat the one before. */
const valueText = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => String(v)),
  fc.integer().map(String),
  fc.constantFrom("NaN", "+Inf", "-Inf", "-0", "0", "1", "0.8500000000000001", "12345678901234567890"),
  fc.constantFrom("1e-05", "0.30000000000000004", "0.3", "-1.2345678901234567e-308"),
);
const point = fc.tuple(timestamp, valueText).map(([time, value]) => `[${time},"${value}"]`);
/** Matrix items exactly as Prometheus writes them: no whitespace, labels of printable ASCII. */
const prometheusSeries = fc
  .record({
    labels: fc.dictionary(labelText, labelText, { maxKeys: 4 }),
    points: fc.array(point, { maxLength: 12 }),
  })
  .map(({ labels, points }) => `{"metric":${JSON.stringify(labels)},"values":[${points.join(",")}]}`);
/** The same items as another engine might write them: spaced out, so only JSON.parse reads them. */
const spacedSeries = prometheusSeries.map((item) => JSON.stringify(JSON.parse(item), null, 1));

describe("SampleItemParser, matrix items", () => {
  it("reads series in Prometheus' own shape exactly as JSON.parse and readSeriesPoints do, wherever the body is cut", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(prometheusSeries, prometheusSeries, spacedSeries), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (items, cuts) => {
          const result = items.join(",");
          expect(asPoints(read(result, cuts))).toEqual(oracle(result));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("reads a whole chunk of Prometheus' series without JSON.parse", () => {
    const result = Array.from(
      { length: 20 },
      (_, i) =>
        `{"metric":{"le":"${i}"},"values":[${Array.from({ length: 30 }, (_, k) => `[${1763913600 + 300 * k},"0.${(k >> 2) + i}"]`).join(",")}]}`,
    ).join(",");
    const items = read(result);
    expect(items.every((item) => item instanceof ReadSeries)).toBe(true);
    expect(asPoints(items)).toEqual(oracle(result));
  });

  it("reads a series cut by the end of a chunk without JSON.parse once the next chunk completes it", () => {
    const item = `{"metric":{"pod":"p"},"values":[${Array.from({ length: 40 }, (_, k) => `[${1000 + k},"${k % 3}"]`).join(",")}]}`;
    const result = [item, item, item].join(",");
    const prefix = '{"status":"success","data":{"resultType":"matrix","result":['.length;
    for (const cut of [prefix + 10, prefix + item.length + 200, prefix + 2 * item.length + 2]) {
      const items = read(result, [cut]);
      expect(items.every((read) => read instanceof ReadSeries)).toBe(true);
      expect(asPoints(items)).toEqual(oracle(result));
    }
  });

  it.each([
    ["no points", '{"metric":{"pod":"p"},"values":[]}'],
    ["whitespace between points", '{"metric":{"pod":"p"},"values":[[1,"2"], [2,"3"]]}'],
    ["a point of three elements", '{"metric":{},"values":[[1,"2"],[2,"3",4]]}'],
    ["a point of one element", '{"metric":{},"values":[[1]]}'],
    ["a point that is not an array", '{"metric":{},"values":[1]}'],
    ["a value that is a number, not a string", '{"metric":{},"values":[[1,"2"],[2,3]]}'],
    ["a value that is not a number", '{"metric":{},"values":[[1,"2"],[2,"abc"]]}'],
    ["an empty value", '{"metric":{},"values":[[1,""]]}'],
    ["a timestamp with an exponent", '{"metric":{},"values":[[1e9,"2"]]}'],
    ["a negative timestamp", '{"metric":{},"values":[[-1,"2"]]}'],
    ["a timestamp that is a string", '{"metric":{},"values":[["1","2"]]}'],
    ["values that are not an array", '{"metric":{},"values":{"a":[1,"2"]}}'],
    ["a native histogram", '{"metric":{"pod":"p"},"histograms":[[1,{"count":"2"}]]}'],
    ["both value and values", '{"metric":{},"values":[[1,"2"]],"value":[1,"2"]}'],
    ["a label value with an escape", '{"metric":{"pod":"a\\"b"},"values":[[1,"2"]]}'],
    ["a __proto__ label", '{"metric":{"__proto__":"x"},"values":[[1,"2"]]}'],
    ["a repeated value of another length", '{"metric":{},"values":[[1,"25"],[2,"2"],[3,"2"],[4,"25"]]}'],
  ])("reads a series with %s as JSON.parse and readSeriesPoints do", (_name, item) => {
    for (let cut = 0; cut <= item.length + 60; cut++) {
      expect(asPoints(read(item, [cut]))).toEqual(oracle(item));
    }
  });

  it.each([
    ["a timestamp with a leading zero", '{"metric":{},"values":[[01,"2"]]}'],
    ["a timestamp ending in a dot", '{"metric":{},"values":[[1.,"2"]]}'],
    ["a trailing comma", '{"metric":{},"values":[[1,"2"],]}'],
    ["an unclosed point", '{"metric":{},"values":[[1,"2"}'],
  ])("refuses a series with %s, as JSON.parse does", (_name, item) => {
    expect(() => JSON.parse(item)).toThrow(SyntaxError);
    for (let cut = 0; cut <= item.length + 60; cut++) expect(() => read(item, [cut])).toThrow(SyntaxError);
  });

  it("remembers the value before as its own bytes, not the caller's buffer", () => {
    const parser = new SampleItemParser();
    const buf = Buffer.from('{"metric":{},"values":[[1,"0.25"]]}');
    expect(parser.parse(buf, 0)).toEqual(new ReadSeries({}, [1], [0.25]));
    buf.write('{"metric":{},"values":[[2,"0.75"]]}');
    expect(parser.parse(buf, 0)).toEqual(new ReadSeries({}, [2], [0.75]));
  });

  it("leaves a series cut by the end of the buffer to JSON.parse", () => {
    const item = Buffer.from('{"metric":{"pod":"p"},"values":[[1,"2"],[2,"2"]]}');
    const parser = new SampleItemParser();
    for (let end = 0; end < item.length; end++)
      expect(parser.parse(item.subarray(0, end), 0)).toBeUndefined();
    expect(parser.parse(item, 0)).toEqual(new ReadSeries({ pod: "p" }, [1, 2], [2, 2]));
    expect(parser.end).toBe(item.length);
  });
});
