import { LRUCache } from "lru-cache";

/** A whole list answer as measured: its items and what the backend said on the way. */
export interface CachedList {
  readonly items: readonly unknown[];
  readonly warnings: readonly string[];
}

/** Items a cache holds at most; a 10,000-pod list is about 2 MB of measured items. */
const MAX_ITEMS = 100_000;

/**
 * Whole measured lists kept in a warm container while a client pages through them, so pages
 * after the first cost no Prometheus round trip there. A page served by another container
 * measures again and is checked against the first page's digest (`src/paging.ts`).
 */
export class ListCache {
  readonly #lists = new LRUCache<string, CachedList>({
    maxSize: MAX_ITEMS,
    sizeCalculation: (list) => Math.max(1, list.items.length),
    ttl: 5 * 60_000,
  });

  async get<T>(key: string, measure: () => Promise<{ items: readonly T[]; warnings: readonly string[] }>) {
    const cached = this.#lists.get(key);
    if (cached !== undefined) return cached as { items: readonly T[]; warnings: readonly string[] };
    const list = await measure();
    this.#lists.set(key, list);
    return list;
  }
}
