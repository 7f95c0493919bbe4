import { describe, expect, it } from "vitest";
import { quantileOfBuckets } from "../support/buckets";

const b = (pairs: [number, number][]) => pairs.map(([upperBound, count]) => ({ upperBound, count }));

describe("quantileOfBuckets", () => {
  it("interpolates linearly inside the bucket that holds the rank", () => {
    // 100 observations: 20 ≤ 10, 80 ≤ 50. Rank 50 lies 30/60 into (10, 50].
    expect(
      quantileOfBuckets(
        0.5,
        b([
          [10, 20],
          [50, 80],
          [Infinity, 100],
        ]),
      ),
    ).toBeCloseTo(30, 12);
  });

  it("starts the first bucket at zero", () => {
    expect(
      quantileOfBuckets(
        0.5,
        b([
          [10, 100],
          [Infinity, 100],
        ]),
      ),
    ).toBeCloseTo(5, 12);
  });

  it("answers the highest finite bound when the rank falls in +Inf", () => {
    expect(
      quantileOfBuckets(
        0.99,
        b([
          [10, 50],
          [20, 60],
          [Infinity, 100],
        ]),
      ),
    ).toBe(20);
  });

  it("is NaN without observations, so callers report null and never 0 ms", () => {
    expect(
      quantileOfBuckets(
        0.5,
        b([
          [10, 0],
          [Infinity, 0],
        ]),
      ),
    ).toBeNaN();
  });

  it("is NaN without a +Inf bucket", () => {
    expect(
      quantileOfBuckets(
        0.5,
        b([
          [10, 5],
          [20, 10],
        ]),
      ),
    ).toBeNaN();
  });

  it("sorts buckets, merges equal bounds and forces monotonic counts as Prometheus does", () => {
    const shuffled = b([
      [Infinity, 100],
      [50, 80],
      [10, 20],
    ]);
    expect(quantileOfBuckets(0.5, shuffled)).toBeCloseTo(30, 12);
    // "10" and "10.0" are distinct series but one bound: their counts add up.
    expect(
      quantileOfBuckets(
        0.5,
        b([
          [10, 10],
          [10, 10],
          [50, 80],
          [Infinity, 100],
        ]),
      ),
    ).toBeCloseTo(30, 12);
    // A bucket dipping below its predecessor (a scrape race) is lifted to it.
    expect(
      quantileOfBuckets(
        0.5,
        b([
          [10, 60],
          [20, 40],
          [Infinity, 100],
        ]),
      ),
    ).toBeCloseTo(10 * (50 / 60), 12);
  });

  it("maps quantiles outside [0, 1] to ±Inf", () => {
    expect(
      quantileOfBuckets(
        -0.1,
        b([
          [10, 1],
          [Infinity, 1],
        ]),
      ),
    ).toBe(-Infinity);
    expect(
      quantileOfBuckets(
        1.1,
        b([
          [10, 1],
          [Infinity, 1],
        ]),
      ),
    ).toBe(Infinity);
  });
});
