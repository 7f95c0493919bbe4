import fc from "fast-check";
import { ResultStreamReader } from "../../src/prometheus/result-stream";

/**
 * Feeds `body` to a `ResultStreamReader` cut at `cuts` (byte offsets, taken modulo the body's
 * length), returning the items it handed over, each batch's size and the skeleton. One way to cut a
 * body for every test of the reader, so each holds the same cuts to `JSON.parse`.
 */
export function readInPieces(body: string, cuts: readonly number[] = []) {
  const bytes = Buffer.from(body, "utf8");
  const items: unknown[] = [];
  const batches: number[] = [];
  const reader = new ResultStreamReader((batch) => {
    batches.push(batch.length);
    items.push(...batch);
  });
  const bounds = [...new Set([0, ...cuts.map((c) => c % (bytes.length + 1)), bytes.length])].sort(
    (a, b) => a - b,
  );
  for (let i = 1; i < bounds.length; i++) reader.write(bytes.subarray(bounds[i - 1], bounds[i]));
  return { items, batches, skeleton: reader.end(), reader };
}

/** The items of a `resultType` answer whose `result` array holds `result`, read cut at `cuts`. */
export const readResult = (resultType: "vector" | "matrix", result: string, cuts: readonly number[] = []) =>
  readInPieces(`{"status":"success","data":{"resultType":"${resultType}","result":[${result}]}}`, cuts).items;

/**
 * Label names and values of printable ASCII: quotes and backslashes among them, which JSON escapes
 * and the fast reader leaves to `JSON.parse`.
 */
export const labelText = fc.stringMatching(/^[ -~]{0,12}$/);

/** Timestamps as Prometheus writes them: whole seconds, or milliseconds as three decimals. */
export const timestamp = fc.oneof(
  fc.integer({ min: 0, max: 4_000_000_000 }).map(String),
  fc.integer({ min: 0, max: 4_000_000_000_000 }).map((ms) => (ms / 1000).toFixed(3)),
);
