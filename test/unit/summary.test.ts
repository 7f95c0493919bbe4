import { describe, expect, it } from "vitest";
import { summarize } from "../../src/answers/summary";

const range = { windowMs: 300_000, time: new Date("2026-11-25T09:00:00Z") };

describe("summarize", () => {
  it("gives plain numbers without float noise", () => {
    // What increase() over a window returns for 2,900 successes and 100 failures.
    const summary = summarize(
      {
        measurement: {
          successCount: 2899.9999999999995,
          failureCount: 100.00000000000001,
          p50Ms: 49.99999999999999,
          p90Ms: 457.14285714285717,
          p99Ms: null,
        },
        side: "server",
      },
      range,
    );
    expect(summary).toEqual({
      requests: 3000,
      successCount: 2900,
      failureCount: 100,
      successRate: 0.966666667,
      requestRate: 10,
      p50Ms: 50,
      p90Ms: 457.142857,
      p99Ms: null,
      window: "5m",
      timestamp: "2026-11-25T09:00:00Z",
      side: "server",
    });
  });

  it("has no rate or latency without traffic", () => {
    expect(
      summarize(
        {
          measurement: { successCount: 0, failureCount: 0, p50Ms: null, p90Ms: null, p99Ms: null },
          side: "client",
        },
        range,
      ),
    ).toMatchObject({
      requests: 0,
      side: "client",
      successRate: null,
      requestRate: null,
      p50Ms: null,
    });
  });
});
