import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ReadSample, readSample } from "../../src/prometheus/envelope";
import { SampleItemParser } from "../../src/prometheus/sample-item";
import { labelText, readResult, timestamp } from "../support/result-bodies";

/** Items as the client takes them: samples read, anything else as parsed. */
const asRead = (items: readonly unknown[]) => items.map((item) => readSample(item) ?? item);

/** Feeds a vector body cut at `cuts` to a reader; returns the items it handed over. */
const read = (result: string, cuts: readonly number[] = []) => readResult("vector", result, cuts);

/** What JSON.parse and readSample make of the same items: the oracle. */
const oracle = (result: string) => asRead(JSON.parse(`[${result}]`) as unknown[]);

/** Sample values as Prometheus formats them (strconv 'f' -1 or 'e' for large and small), and specials. */
const valueText = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => String(v)),
  fc.integer().map(String),
  fc.constantFrom("NaN", "+Inf", "-Inf", "-0", "0.9624999999999999", "12345678901234567890", "1e-05"),
);
/** Vector items exactly as Prometheus writes them: no whitespace, labels of printable ASCII. */
const prometheusItem = fc
  .record({ labels: fc.dictionary(labelText, labelText, { maxKeys: 4 }), time: timestamp, value: valueText })
  .map(({ labels, time, value }) => `{"metric":${JSON.stringify(labels)},"value":[${time},"${value}"]}`);

describe("SampleItemParser", () => {
  it("reads items in Prometheus' own shape exactly as JSON.parse and readSample do, wherever the body is cut", () => {
    fc.assert(
      fc.property(
        fc.array(prometheusItem, { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (items, cuts) => {
          const result = items.join(",");
          expect(asRead(read(result, cuts))).toEqual(oracle(result));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("reads a whole chunk of Prometheus' items without JSON.parse", () => {
    const result = Array.from(
      { length: 50 },
      (_, i) => `{"metric":{"le":"${i % 5}","pod":"app-${i >> 2}"},"value":[1764000120.5,"0.${i}"]}`,
    ).join(",");
    const items = read(result);
    expect(items.every((item) => item instanceof ReadSample)).toBe(true);
    expect(asRead(items)).toEqual(oracle(result));
  });

  it("gives one string to a label value repeated across items", () => {
    const items = read(
      '{"metric":{"pod":"a-1"},"value":[1,"1"]},{"metric":{"pod":"a-1"},"value":[1,"2"]},{"metric":{"pod":"b-2"},"value":[1,"3"]},{"metric":{"pod":"a-1"},"value":[1,"4"]}',
    ) as ReadSample[];
    expect(items.map((s) => s.metric.pod)).toEqual(["a-1", "a-1", "b-2", "a-1"]);
    expect(items.every((item) => item instanceof ReadSample)).toBe(true);
  });

  it.each([
    ["a __proto__ label", '{"metric":{"__proto__":"x","pod":"p"},"value":[1,"2"]}'],
    ["an escaped quote", '{"metric":{"pod":"a\\"b"},"value":[1,"2"]}'],
    ["a unicode escape", '{"metric":{"pod":"\\u00e9"},"value":[1,"2"]}'],
    ["a character outside ASCII", '{"metric":{"pod":"é"},"value":[1,"2"]}'],
    ["whitespace", '{ "metric": {"pod": "p"}, "value": [1, "2"] }'],
    ["value before metric", '{"value":[1,"2"],"metric":{"pod":"p"}}'],
    ["a native histogram", '{"metric":{"pod":"p"},"histogram":[1,{"count":"2"}]}'],
    ["an extra key", '{"metric":{"pod":"p"},"value":[1,"2"],"x":1}'],
    ["a timestamp with an exponent", '{"metric":{},"value":[1e9,"2"]}'],
    ["a negative timestamp", '{"metric":{},"value":[-1,"2"]}'],
    ["a value with an exponent", '{"metric":{},"value":[1,"1e5"]}'],
    ["a value with a plus sign", '{"metric":{},"value":[1,"+1"]}'],
    ["a value starting with a dot", '{"metric":{},"value":[1,".5"]}'],
    ["a value ending in a dot", '{"metric":{},"value":[1,"5."]}'],
    ["an empty value", '{"metric":{},"value":[1,""]}'],
    ["a value that is not a number", '{"metric":{},"value":[1,"abc"]}'],
    ["a value that is a number, not a string", '{"metric":{},"value":[1,2]}'],
    ["three elements in value", '{"metric":{},"value":[1,"2",3]}'],
    ["a label value that is not a string", '{"metric":{"pod":1},"value":[1,"2"]}'],
  ])("reads an item with %s as JSON.parse and readSample do", (_name, item) => {
    for (let cut = 0; cut <= item.length + 60; cut++) {
      expect(asRead(read(item, [cut]))).toEqual(oracle(item));
    }
  });

  it.each([
    ["a timestamp with a leading zero", '{"metric":{},"value":[01,"2"]}'],
    ["a timestamp ending in a dot", '{"metric":{},"value":[1.,"2"]}'],
  ])("refuses an item with %s, as JSON.parse does", (_name, item) => {
    expect(() => JSON.parse(item)).toThrow(SyntaxError);
    for (let cut = 0; cut <= item.length + 60; cut++) expect(() => read(item, [cut])).toThrow(SyntaxError);
  });

  it("leaves an item cut by the end of the buffer to JSON.parse", () => {
    const item = Buffer.from('{"metric":{"pod":"p"},"value":[1,"2"]}');
    const parser = new SampleItemParser();
    for (let end = 0; end < item.length; end++)
      expect(parser.parse(item.subarray(0, end), 0)).toBeUndefined();
    expect(parser.parse(item, 0)).toEqual(new ReadSample({ pod: "p" }, [1, 2]));
    expect(parser.end).toBe(item.length);
  });
});
