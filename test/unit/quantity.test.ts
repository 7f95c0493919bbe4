import fc from "fast-check";
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

  it("rounds to the nearest thousandth where Go's int64 conversion truncates, so float noise goes", () => {
    // 2969.999999... is what rate x window gives for 2970 requests; Go would print 2969999m.
    expect(formatMilliQuantity(2969.9999999999995)).toBe("2970");
    expect(formatMilliQuantity(99 * (30 / 3) * 3)).toBe("2970");
    expect(formatMilliQuantity(0.0009)).toBe("1m");
    expect(formatMilliQuantity(0.0004)).toBe("0");
    expect(formatMilliQuantity(-0.0009)).toBe("-1m");
    expect(formatMilliQuantity(1.2349)).toBe("1235m");
    expect(formatMilliQuantity(1.2344)).toBe("1234m");
    // Halves round away from zero, the same on both sides.
    expect(formatMilliQuantity(0.0005)).toBe("1m");
    expect(formatMilliQuantity(-0.0005)).toBe("-1m");
  });

  it("climbs through every suffix up to E", () => {
    expect(formatMilliQuantity(3e9)).toBe("3G");
    expect(formatMilliQuantity(4e12)).toBe("4T");
    expect(formatMilliQuantity(5e15)).toBe("5P");
  });

  it("prints any finite value as exact integer arithmetic on its thousandths does", () => {
    const exact = (value: number) => {
      let mantissa = BigInt(Math.sign(value) * Math.round(Math.abs(value) * 1000));
      if (mantissa === 0n) return "0";
      let exponent = -3;
      while (exponent < 18 && mantissa % 1000n === 0n) {
        mantissa /= 1000n;
        exponent += 3;
      }
      return `${mantissa}${["m", "", "k", "M", "G", "T", "P", "E"][exponent / 3 + 1]}`;
    };
    const values = fc.oneof(
      fc.double({ noNaN: true, min: -1e300, max: 1e300 }),
      fc.integer().map((n) => n / 1000),
      fc.integer({ min: 0, max: 40 }).map((e) => 10 ** e),
    );
    fc.assert(
      fc.property(values, (value) => {
        expect(formatMilliQuantity(value)).toBe(exact(value));
      }),
      {
        numRuns: 5000,
      },
    );
  });

  it("refuses NaN and infinities, for which no Quantity exists", () => {
    expect(() => formatMilliQuantity(Number.NaN)).toThrow(RangeError);
    expect(() => formatMilliQuantity(Infinity)).toThrow(RangeError);
  });
});
