import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatTimestamp } from "../../src/smi/time";

/** What formatTimestamp printed before it printed the time of day by arithmetic: the oracle. */
const byIso = (time: Date) => `${time.toISOString().slice(0, 19)}Z`;

/** Every millisecond a Date holds, from -271821-04-20 to +275760-09-13. */
const MAX_MS = 8.64e15;

describe("formatTimestamp", () => {
  it("prints any date as toISOString cut to the second does, whatever was printed before", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.integer({ min: -MAX_MS, max: MAX_MS }),
            fc.integer({ min: 1_700_000_000_000, max: 1_800_000_000_000 }),
            fc.integer({ min: -86_400_001, max: 86_400_001 }),
          ),
          { minLength: 1, maxLength: 20 },
        ),
        (times) => {
          for (const ms of times) expect(formatTimestamp(new Date(ms))).toBe(byIso(new Date(ms)));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("prints a day of 5-minute points and the edges of days and of the range of dates", () => {
    const day = Array.from({ length: 289 }, (_, k) => 1_763_913_600_000 + k * 300_000 - 1);
    for (const ms of [...day, -MAX_MS, MAX_MS, -1, 0, 1, 999, 1000, 86_399_999, 86_400_000])
      expect(formatTimestamp(new Date(ms))).toBe(byIso(new Date(ms)));
  });

  it("throws for an invalid date, as toISOString does", () => {
    expect(() => formatTimestamp(new Date(Number.NaN))).toThrow(RangeError);
  });
});
