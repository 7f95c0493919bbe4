import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readSample } from "../../src/prometheus/envelope";
import { readInPieces } from "../support/result-bodies";

/**
 * Items as the client takes them: samples read (`readSample`, which the reader has already done for
 * items in Prometheus' exact shape), anything else as parsed.
 */
const asRead = (items: readonly unknown[]) => items.map((item) => readSample(item) ?? item);

const sample = fc.record({
  metric: fc.dictionary(fc.string({ unit: "binary" }), fc.string({ unit: "binary" }), { maxKeys: 4 }),
  value: fc.tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string()),
});

/** Envelopes as Prometheus and compatible engines write them: extra keys before and after `data`. */
const envelope = fc.record({
  result: fc.array(sample, { maxLength: 30 }),
  warningsFirst: fc.boolean(),
  warnings: fc.array(fc.string({ unit: "binary" }), { maxLength: 2 }),
  stats: fc.option(fc.record({ seriesFetched: fc.string(), result: fc.array(fc.integer()) }), {
    nil: undefined,
  }),
  indent: fc.constantFrom(undefined, 1, "\t"),
});

describe("ResultStreamReader", () => {
  it("hands over every item of data.result and keeps the rest, wherever the chunks are cut", () => {
    fc.assert(
      fc.property(envelope, fc.array(fc.nat(), { maxLength: 12 }), (e, cuts) => {
        const data = { resultType: "vector", result: e.result, ...(e.stats ? { stats: e.stats } : {}) };
        const body = e.warningsFirst
          ? { warnings: e.warnings, status: "success", data }
          : { status: "success", data, warnings: e.warnings };
        const text = JSON.stringify(body, null, e.indent);
        const { items, skeleton } = readInPieces(text, cuts);
        // The oracle is JSON.parse on the whole body.
        const whole = JSON.parse(text);
        expect(asRead(items)).toEqual(asRead(whole.data.result));
        expect(skeleton).toEqual({ ...whole, data: { ...whole.data, result: [] } });
      }),
      { numRuns: 1000 },
    );
  });

  it("parses a chunk's items together rather than one by one", () => {
    const result = Array.from({ length: 100 }, (_, i) => ({ metric: { pod: `p-${i}` }, value: [1, "2"] }));
    const text = JSON.stringify({ status: "success", data: { resultType: "vector", result } });
    const { batches } = readInPieces(text, [text.length >> 1]);
    expect(batches).toHaveLength(2);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(100);
  });

  it("reads label values holding quotes, backslashes, brackets and multi-byte characters cut in half", () => {
    const metric = { pod: 'a"b\\c]}{[', zone: "é→🚀" };
    const text = JSON.stringify({ status: "success", data: { resultType: "vector", result: [{ metric }] } });
    const bytes = Buffer.byteLength(text);
    for (let cut = 0; cut <= bytes; cut++) {
      expect(readInPieces(text, [cut]).items).toEqual([{ metric }]);
    }
  });

  it("treats a result key outside data as an ordinary value", () => {
    const text = '{"result":[{"a":1}],"status":"success","data":{"resultType":"vector","result":[{"b":2}]}}';
    const { items, skeleton } = readInPieces(text, [5, 17]);
    expect(items).toEqual([{ b: 2 }]);
    expect(skeleton).toEqual({
      result: [{ a: 1 }],
      status: "success",
      data: { resultType: "vector", result: [] },
    });
  });

  it("knows the data and result keys when they are written with escapes", () => {
    const text = '{"status":"success","d\\u0061ta":{"resultType":"vector","r\\u0065sult":[{"b":2}]}}';
    const { items, skeleton } = readInPieces(text, [30, 60]);
    expect(items).toEqual([{ b: 2 }]);
    expect(skeleton).toEqual({ status: "success", data: { resultType: "vector", result: [] } });
  });

  it("flags items that are not objects, such as a scalar's [time, value]", () => {
    const text = '{"status":"success","data":{"resultType":"scalar","result":[1764000000.5,"3"]}}';
    const { items, reader, skeleton } = readInPieces(text, [40]);
    expect(items).toEqual([]);
    expect(reader.sawNonObjectItems).toBe(true);
    expect(skeleton).toEqual({ status: "success", data: { resultType: "scalar", result: [] } });
  });

  it("does not flag a vector of objects", () => {
    const text =
      '{"status":"success","data":{"resultType":"vector","result":[ {"metric":{}} , {"metric":{}} ]}}';
    expect(readInPieces(text, [60]).reader.sawNonObjectItems).toBe(false);
  });

  it.each([
    ["a body cut short inside the result", '{"status":"success","data":{"resultType":"vector","result":[{"m'],
    ["a body cut short after the result", '{"status":"success","data":{"resultType":"vector","result":[]'],
    ["an unopened bracket", '{"status":"success"}}'],
    ["a malformed item", '{"status":"success","data":{"resultType":"vector","result":[{"metric":}]}}'],
    ["garbage around the envelope", '{"status":"success"} trailing'],
  ])("throws a SyntaxError for %s", (_name, text) => {
    expect(() => readInPieces(text, [7])).toThrow(SyntaxError);
  });

  const head = '{"status":"success","data":{"resultType":"vector","result":[';
  const item = '{"metric":{},"value":[1,"2"]}';
  it.each([
    ["a comma before the first item", `${head},${item}]}}`],
    ["a comma after the last item", `${head}${item},]}}`],
    ["two commas between items", `${head}${item},,${item}]}}`],
    ["no comma between items", `${head}${item} ${item}]}}`],
    ["a colon between items", `${head}${item}:${item}]}}`],
  ])("throws a SyntaxError for %s, wherever the body is cut", (_name, text) => {
    for (let cut = 0; cut <= text.length; cut++) {
      expect(() => readInPieces(text, [cut])).toThrow(SyntaxError);
    }
  });

  it("reads a body that starts with a byte-order mark", () => {
    const text = `\uFEFF${head}${item}]}}`;
    for (let cut = 0; cut <= Buffer.byteLength(text); cut++) {
      expect(asRead(readInPieces(text, [cut, cut + 1]).items)).toEqual(asRead([JSON.parse(item)]));
    }
  });
});
