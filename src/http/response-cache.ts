import { LRUCache } from "lru-cache";
import type { ResponseBody } from "./response-body";

/** An answer ready to send: its status, its JSON body, and what producing it cost. */
export interface RenderedResponse {
  readonly status: number;
  readonly body: ResponseBody;
  /** Absent means `application/json`; a Kubernetes Table says so in its parameters. */
  readonly contentType?: string;
  readonly warnings: readonly string[];
  readonly roundTrips: number;
  /** Items of a list answer, to suggest a page size when the whole list cannot be sent. */
  readonly items?: number;
}

export interface ResponseCacheOptions {
  readonly ttlMs: number;
  readonly maxEntries: number;
  readonly maxBytes: number;
}

/**
 * Answers at least this long are kept gzipped: a 10,000-pod list is 7 MB of JSON, 126 KB gzipped,
 * and most clients take it gzipped. Below it, text is kept as it is.
 */
const PACK_FROM_LENGTH = 256 * 1024;

/** Where an answer came from, for the request log. */
export type CacheOutcome = "miss" | "hit" | "coalesced";

/**
 * A short cache kept in a warm container, plus request coalescing. Answers for an explicit,
 * settled `time` cannot change, so they are kept for `ttlMs`, bounded by entry count and by bytes
 * (large ones gzipped): a dashboard or report that asks again is answered without Prometheus.
 *
 * Coalescing (identical requests in flight at once share one upstream fetch) cannot happen in
 * Lambda, which gives each environment one invocation at a time. It pays where one process
 * serves many requests at once: the local server (`npm start`, the bench's bursts), and Lambda
 * response streaming if it is ever adopted.
 */
export class ResponseCache {
  readonly #cache: LRUCache<string, RenderedResponse> | undefined;
  readonly #inflight = new Map<string, Promise<RenderedResponse>>();

  constructor(options: ResponseCacheOptions) {
    this.#cache =
      options.ttlMs > 0 && options.maxEntries > 0 && options.maxBytes > 0
        ? new LRUCache({
            max: options.maxEntries,
            maxSize: options.maxBytes,
            ttl: options.ttlMs,
            sizeCalculation: (answer) => Math.max(1, answer.body.heldBytes),
          })
        : undefined;
  }

  async get(
    key: string,
    cacheable: boolean,
    compute: () => Promise<RenderedResponse>,
  ): Promise<{ answer: RenderedResponse; outcome: CacheOutcome }> {
    const cached = cacheable ? this.#cache?.get(key) : undefined;
    if (cached !== undefined) return { answer: { ...cached, roundTrips: 0 }, outcome: "hit" };
    const pending = this.#inflight.get(key);
    if (pending !== undefined) return { answer: { ...(await pending), roundTrips: 0 }, outcome: "coalesced" };

    const fetching = compute();
    this.#inflight.set(key, fetching);
    try {
      const answer = await fetching;
      if (cacheable && answer.status === 200 && this.#cache !== undefined) {
        const body = answer.body.length >= PACK_FROM_LENGTH ? answer.body.packed() : answer.body;
        this.#cache.set(key, { ...answer, body });
      }
      return { answer, outcome: "miss" };
    } finally {
      this.#inflight.delete(key);
    }
  }

  /** Bytes and entries held, for tests and the benchmark. */
  get size(): { entries: number; bytes: number } {
    return { entries: this.#cache?.size ?? 0, bytes: this.#cache?.calculatedSize ?? 0 };
  }
}

/**
 * A cache key independent of query parameter order. The `Accept` header is part of it: the same
 * path answers a plain object or a Table depending on it.
 */
export function cacheKey(method: string, path: string, query: URLSearchParams, accept = ""): string {
  const sorted = [...query.entries()].sort(([a, av], [b, bv]) => a.localeCompare(b) || av.localeCompare(bv));
  return `${method} ${path}?${new URLSearchParams(sorted).toString()} ${accept}`;
}
