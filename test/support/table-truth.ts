import { expect } from "vitest";
import type { Truth } from "./ground-truth";

/** A printed number with its unit, or null for `-`; anything else fails the test. */
function read(cell: string | undefined, unit: string, label: string): number | null {
  expect(cell, `${label}: missing cell`).toBeDefined();
  if (cell === "-") return null;
  const match = new RegExp(`^(\\d+(?:\\.\\d+)?)${unit}$`).exec(cell as string);
  expect(match, `${label}: "${cell}" is not a number in ${unit}`).not.toBeNull();
  return Number(match?.[1]);
}

/** Half a unit of the last digit printed: the most a rounded cell may differ from the truth. */
const halfLastDigit = (cell: string) => {
  const digits = /\.(\d+)/.exec(cell)?.[1]?.length ?? 0;
  return 0.5 * 10 ** -digits;
};

/**
 * Checks one printed row (kubectl's, or the CLI's top) against ground truth over a window of
 * `windowS` seconds: each number within what its printed digits can hold, and `-` exactly where
 * there was no traffic.
 */
export function expectRowMatchesTruth(
  row: Record<string, string>,
  truth: Truth,
  windowS: number,
  label: string,
) {
  const requests = truth.success + truth.failure;
  const success = read(row.SUCCESS, "%", `${label} SUCCESS`);
  const rps = read(row.RPS, "rps", `${label} RPS`);
  if (requests === 0) {
    expect([success, rps], `${label}: an idle row shows -`).toEqual([null, null]);
  } else {
    // Two decimals, rounded to the nearest; a rate with failures never reads 100.00%.
    const rate = (100 * truth.success) / requests;
    const expected = truth.failure > 0 && rate >= 99.995 ? 99.99 : Math.round(rate * 100) / 100;
    expect(success, `${label} SUCCESS ${success} vs ${rate}`).toBeCloseTo(expected, 6);
    expect(Math.abs((rps as number) - requests / windowS), `${label} RPS ${rps}`).toBeLessThanOrEqual(
      halfLastDigit(row.RPS as string) + 1e-9,
    );
  }
  for (const [column, want] of [
    ["LATENCY_P50", truth.p50],
    ["LATENCY_P90", truth.p90],
    ["LATENCY_P99", truth.p99],
  ] as const) {
    const have = read(row[column], "ms", `${label} ${column}`);
    if (want === null) {
      expect(have, `${label} ${column} should be -`).toBeNull();
    } else {
      expect(have, `${label} ${column}`).not.toBeNull();
      const slack = halfLastDigit(row[column] as string) + want * 0.0002;
      expect(Math.abs((have as number) - want), `${label} ${column} ${have} vs ${want}`).toBeLessThanOrEqual(
        slack,
      );
    }
  }
}
