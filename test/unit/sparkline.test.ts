import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sparkline } from "../../src/cli/sparkline";

const LEVELS = "▁▂▃▄▅▆▇█";
const level = (c: string) => LEVELS.indexOf(c);
/** Points as a history has them: rates or latencies, and null where there was no traffic. */
const points = fc.array(fc.option(fc.double({ min: 0, max: 1e6, noNaN: true }), { nil: null }), {
  minLength: 1,
  maxLength: 200,
});

describe("a sparkline", () => {
  it("draws a point without traffic as ·, and every other point as one of eight levels", () => {
    fc.assert(
      fc.property(points, (values) => {
        const drawn = [...sparkline(values)];
        expect(drawn).toHaveLength(values.length);
        values.forEach((v, i) => {
          expect(drawn[i] === "·", `point ${i}`).toBe(v === null);
          if (v !== null) expect(level(drawn[i] as string)).toBeGreaterThanOrEqual(0);
        });
      }),
    );
  });

  it("never draws a larger value lower, draws the minimum ▁ and the maximum █", () => {
    fc.assert(
      fc.property(points, (values) => {
        const drawn = [...sparkline(values)];
        const shown = values.flatMap((v, i) => (v === null ? [] : [{ v, at: level(drawn[i] as string) }]));
        const min = Math.min(...shown.map((s) => s.v));
        const max = Math.max(...shown.map((s) => s.v));
        for (const a of shown) for (const b of shown) if (a.v < b.v) expect(a.at).toBeLessThanOrEqual(b.at);
        if (min < max) {
          expect(shown.filter((s) => s.v === min).every((s) => s.at === 0)).toBe(true);
          expect(shown.filter((s) => s.v === max).every((s) => s.at === 7)).toBe(true);
        }
      }),
    );
  });

  it("cuts min..max into eight equal bands, a value on a band's edge in the band above", () => {
    // 0.8..4.0 rps in steps of 0.4: 2.4 lies exactly half-way, despite 2.4 - 0.8 = 1.5999999999999999.
    expect(sparkline([0.8, 1.2, 1.6, 2.0, 2.4, 2.8, 3.2, 3.6, 4.0])).toBe("▁▂▃▄▅▆▇██");
  });

  it("draws equal values mid-height, with no spread to show, and all-null as gaps", () => {
    expect(sparkline([0.98, 0.98, null, 0.98])).toBe("▄▄·▄");
    expect(sparkline([null, null])).toBe("··");
  });
});
