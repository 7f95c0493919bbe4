import { expect } from "vitest";
import type { Truth } from "./ground-truth";

const SUFFIX: Record<string, number> = { m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** Reads a DecimalSI Quantity string back into a number (test-side, independent of the formatter). */
export function parseQuantity(text: string): number {
  const match = /^(-?\d+)(m|k|M|G|T|P|E)?$/.exec(text);
  if (!match) throw new Error(`not a canonical Quantity: ${text}`);
  return Number(match[1]) * (SUFFIX[match[2] ?? ""] as number);
}

interface MetricEntry {
  name: string;
  unit?: string;
  value: string | null;
}

export function metricsOf(item: { metrics: MetricEntry[] }) {
  const get = (name: string) => {
    const entry = item.metrics.find((m) => m.name === name);
    if (!entry) throw new Error(`metric ${name} missing`);
    return entry.value === null ? null : parseQuantity(entry.value);
  };
  return {
    success: get("success_count"),
    failure: get("failure_count"),
    p50: get("p50_response_latency"),
    p90: get("p90_response_latency"),
    p99: get("p99_response_latency"),
  };
}

/**
 * Distance in thousandths, the Quantity's own resolution: a count is written rounded to whole
 * milli-units, so float noise in the rates may put it one off the truth; compared as integers, so
 * binary fractions of 0.001 cannot tip it.
 */
const milliDistance = (actual: number | null, expected: number) =>
  Math.abs(Math.round((actual ?? Number.NaN) * 1000) - Math.round(expected * 1000));

/** Counts within 0.001 (the Quantity's own resolution), latencies within 0.02%. */
export function expectMatchesTruth(item: { metrics: MetricEntry[] }, truth: Truth, label = "") {
  const got = metricsOf(item);
  expect(
    milliDistance(got.success, truth.success),
    `${label} success ${got.success} vs ${truth.success}`,
  ).toBeLessThanOrEqual(1);
  expect(
    milliDistance(got.failure, truth.failure),
    `${label} failure ${got.failure} vs ${truth.failure}`,
  ).toBeLessThanOrEqual(1);
  for (const q of ["p50", "p90", "p99"] as const) {
    const want = truth[q];
    const have = got[q];
    if (want === null) {
      expect(have, `${label} ${q} should be null`).toBeNull();
    } else {
      expect(have, `${label} ${q}`).not.toBeNull();
      expect(
        Math.abs((have as number) - want) / want,
        `${label} ${q} ${have} vs ${want}`,
      ).toBeLessThanOrEqual(0.0002);
    }
  }
}

/** A count read back from a Quantity, within its 0.001 resolution of the expected value. */
export function expectCount(actual: number | null, expected: number, label = "") {
  expect(actual, label).not.toBeNull();
  expect(milliDistance(actual, expected), `${label} ${actual} vs ${expected}`).toBeLessThanOrEqual(1);
}

/** The texts of a response's `Warning: 299 - "..."` headers, decoded (test-side parser). */
export function warningsOf(headers: Record<string, unknown>): string[] {
  const raw = headers.warning;
  if (raw === undefined) return [];
  return [...String(raw).matchAll(/299 - ("(?:[^"\\]|\\.)*")/g)].map(
    (m) => JSON.parse(m[1] as string) as string,
  );
}

/**
 * The answer carries exactly the Warnings expected: none for an answer that could have seen its
 * traffic, or one matching each pattern.
 */
export function expectWarnings(actual: readonly string[], expected: readonly RegExp[], label = "") {
  expect(actual, `${label} warnings`).toHaveLength(expected.length);
  for (const pattern of expected)
    expect(
      actual.some((w) => pattern.test(w)),
      `${label}: no warning matches ${pattern}; got ${JSON.stringify(actual)}`,
    ).toBe(true);
}
