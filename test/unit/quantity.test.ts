import { describe, expect, it } from "vitest";
import { formatMilliQuantity } from "../../src/smi/quantity";

describe("formatMilliQuantity", () => {
  // Vectors from smi-api.md, which records what Go's NewMilliQuantity(int64(v*1000), DecimalSI) prints.
  it.each([
    [0.001, "1m"],
    [0.01, "10m"],
    [1, "1"],
    [1.5, "1500m"],
    [73.492, "73492m"],
    [100, "100"],
    [100.5, "100500m"],
    [570, "570"],
    [1000, "1k"],
    [1500, "1500"],
    [2000000, "2M"],
    [-1.5, "-1500m"],
    [0, "0"],
  ])("prints %d as %s, as apimachinery does", (value, expected) => {
    expect(formatMilliQuantity(value)).toBe(expected);
  });

  it("truncates toward zero below a thousandth, as Go's int64 conversion does", () => {
    expect(formatMilliQuantity(0.0009)).toBe("0");
    expect(formatMilliQuantity(-0.0009)).toBe("0");
    expect(formatMilliQuantity(1.2349)).toBe("1234m");
  });

  it("climbs through every suffix up to E", () => {
    expect(formatMilliQuantity(3e9)).toBe("3G");
    expect(formatMilliQuantity(4e12)).toBe("4T");
    expect(formatMilliQuantity(5e15)).toBe("5P");
  });

  it("refuses NaN and infinities, for which no Quantity exists", () => {
    expect(() => formatMilliQuantity(Number.NaN)).toThrow(RangeError);
    expect(() => formatMilliQuantity(Infinity)).toThrow(RangeError);
  });
});
