import { brotliCompressSync, constants, gzipSync } from "node:zlib";

/** Content codings we produce, in order of preference when a client takes several equally. */
const CODINGS = ["br", "gzip"] as const;
export type Coding = (typeof CODINGS)[number];

/**
 * Bodies below this are sent as they are: a single TrafficMetrics is about 1 KB, and compressing
 * it (then base64 for API Gateway) saves too little to pay for itself.
 */
export const COMPRESS_THRESHOLD_BYTES = 1024;

/**
 * Levels chosen on a 10,000-pod list (7 MB of JSON; `npm run bench` prints the comparison on its
 * own answer): gzip 1 took a third of the time of gzip 6 (9 vs 28 ms in one run) for a quarter
 * more bytes (126 vs 101 KB), and brotli 1 took 2 ms for 78 KB where 5 took 25 ms for 52 KB. Bytes
 * saved past these levels cost more time than sending them takes to any client faster than about
 * 2 MB/s, and the CPU is the Lambda's, billed per millisecond.
 */
export const LEVELS: Readonly<Record<Coding, number>> = { gzip: 1, br: 1 };

/**
 * The coding to answer with, from `Accept-Encoding` (RFC 9110 §12.5.3: q-values, `*`, `q=0`
 * refusals); undefined means identity. A header we cannot read is treated as absent.
 */
export function negotiateCoding(acceptEncoding: string | undefined): Coding | undefined {
  if (acceptEncoding === undefined) return undefined;
  const weights = new Map<string, number>();
  for (const part of acceptEncoding.split(",")) {
    const [token = "", ...params] = part.trim().toLowerCase().split(";");
    if (token === "") continue;
    const q = params.map((p) => /^\s*q=([01](\.\d{0,3})?)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    weights.set(token, q === undefined ? 1 : Number(q));
  }
  let best: { coding: Coding; q: number } | undefined;
  for (const coding of CODINGS) {
    const q = weights.get(coding) ?? weights.get("*") ?? 0;
    if (q > 0 && (best === undefined || q > best.q)) best = { coding, q };
  }
  return best?.coding;
}

/** The body compressed with a coding, at our level for it unless `level` says otherwise (the bench). */
export function compress(body: Buffer, coding: Coding, level = LEVELS[coding]): Buffer {
  return coding === "gzip"
    ? gzipSync(body, { level })
    : brotliCompressSync(body, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: level,
          [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
          [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        },
      });
}
