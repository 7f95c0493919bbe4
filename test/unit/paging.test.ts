import { describe, expect, it } from "vitest";
import { ListCache } from "../../src/config/list-cache";
import { createApiHandler } from "../../src/http/api-handler";
import { createLinkerdAdapter } from "../../src/mesh/linkerd";
import type { QueryEngine, QueryOptions, QueryResult } from "../../src/prometheus/client";
import type { VectorSample } from "../../src/prometheus/envelope";
import { call, testContext } from "../support/harness";

/** Answers a pod list's count query with `pods` pods, each with `base + i` successes. */
class PodsEngine implements QueryEngine {
  queries = 0;
  constructor(
    readonly pods: number,
    public base = 100,
  ) {}
  async instantQuery(query: string, _time: Date, options: QueryOptions = {}): Promise<QueryResult> {
    this.queries += 1;
    const samples: VectorSample[] = query.includes("increase(")
      ? Array.from({ length: this.pods }, (_, i) => ({
          metric: { pod: `pod-${String(i).padStart(3, "0")}`, classification: "success" },
          value: [0, this.base + i] as const,
        }))
      : [];
    for (const sample of samples) options.onSample?.(sample);
    return { samples: options.onSample ? [] : samples, warnings: [] };
  }
  async rangeQuery(): Promise<QueryResult> {
    throw new Error("the paging tests ask for instant answers only");
  }
}

const NOW = new Date("2026-11-25T12:00:00Z");
/** The api over an engine; without `lists`, every page is measured again, as in a cold container. */
function api(engine: QueryEngine, options: { lists?: ListCache; now?: () => Date } = {}) {
  const parts = { engine, mesh: createLinkerdAdapter(), backendDescription: "test" };
  return createApiHandler(testContext(options.lists ? { ...parts, lists: options.lists } : parts), {
    log: () => {},
    now: options.now ?? (() => NOW),
  });
}
const path = "/apis/metrics.smi-spec.io/v1alpha2/namespaces/shop/pods";
const names = (body: { items: { metadata: { name: string } }[] }) => body.items.map((i) => i.metadata.name);

/** Follows metadata.continue from a first page to the end, as kubectl does. */
async function allPages(handler: ReturnType<typeof api>, first: string) {
  const pages: Awaited<ReturnType<typeof call>>[] = [];
  let next: string | undefined = first;
  while (next !== undefined) {
    const page = await call(handler, next);
    pages.push(page);
    const token: string | undefined = page.body.metadata?.continue;
    next = token === undefined ? undefined : `${path}?t=1m&limit=10&continue=${encodeURIComponent(token)}`;
  }
  return pages;
}

describe("paging a list, the Kubernetes way", () => {
  it("cuts exact slices of one answer: every item once, in order, and a count of what remains", async () => {
    const handler = api(new PodsEngine(25));
    const whole = await call(handler, `${path}?t=1m`);
    expect(whole.body.metadata.continue).toBeUndefined();
    const pages = await allPages(handler, `${path}?t=1m&limit=10`);
    expect(pages.map((p) => p.status)).toEqual([200, 200, 200]);
    expect(pages.map((p) => p.body.items.length)).toEqual([10, 10, 5]);
    expect(pages.map((p) => p.body.metadata.remainingItemCount)).toEqual([15, 5, undefined]);
    expect(pages.flatMap((p) => names(p.body))).toEqual(names(whole.body));
    expect(pages.flatMap((p) => p.body.items)).toEqual(whole.body.items);
  });

  it("pins a page without a time to the first page's time", async () => {
    let now = NOW;
    const handler = api(new PodsEngine(15), { now: () => now });
    const first = await call(handler, `${path}?t=1m&limit=10`);
    now = new Date(NOW.getTime() + 90_000);
    const second = await call(handler, `${path}?t=1m&limit=10&continue=${first.body.metadata.continue}`);
    expect(second.body.items[0].timestamp).toBe(first.body.items[0].timestamp);
    expect(second.body.items[0].timestamp).toBe("2026-11-25T12:00:00Z");
  });

  it("serves later pages from a warm container without asking Prometheus again", async () => {
    const engine = new PodsEngine(25);
    const handler = api(engine, { lists: new ListCache() });
    const pages = await allPages(handler, `${path}?t=1m&limit=10`);
    expect(pages).toHaveLength(3);
    // One list costs two queries; the second and third pages cost none.
    expect(engine.queries).toBe(2);
  });

  it("refuses, with 410 Expired, a page whose answer changed since the first page", async () => {
    const engine = new PodsEngine(25);
    const handler = api(engine);
    const first = await call(handler, `${path}?t=1m&limit=10`);
    engine.base += 1;
    const next = await call(handler, `${path}?t=1m&limit=10&continue=${first.body.metadata.continue}`);
    expect(next.status).toBe(410);
    expect(next.body).toMatchObject({ kind: "Status", reason: "Expired", code: 410 });
    expect(next.body.message).toMatch(/the answer changed since the first page/);
  });

  it("refuses a token past its 15 minutes with 410 Expired", async () => {
    let now = NOW;
    const handler = api(new PodsEngine(25), { now: () => now });
    const first = await call(handler, `${path}?t=1m&limit=10&time=2026-11-25T11:00:00Z`);
    now = new Date(NOW.getTime() + 15 * 60_000 + 1);
    const late = await call(handler, `${path}?t=1m&limit=10&continue=${first.body.metadata.continue}`);
    expect(late.status).toBe(410);
    expect(late.body.message).toMatch(/the continue token expired at 2026-11-25T12:15:00\.000Z/);
  });

  it.each([
    [
      "another kind",
      "/apis/metrics.smi-spec.io/v1alpha2/namespaces/shop/deployments?t=1m",
      /belongs to another query/,
    ],
    [
      "another namespace",
      "/apis/metrics.smi-spec.io/v1alpha2/namespaces/web/pods?t=1m",
      /belongs to another query/,
    ],
    ["another window", `${path}?t=5m`, /belongs to another query/],
    [
      "another time",
      `${path}?t=1m&time=2026-11-25T11:59:00Z`,
      /the token is for time 2026-11-25T12:00:00\.000Z/,
    ],
  ])("refuses a token sent with %s as a 400", async (_what, query, message) => {
    const handler = api(new PodsEngine(25));
    const first = await call(handler, `${path}?t=1m&limit=10`);
    const other = await call(handler, `${query}&continue=${first.body.metadata.continue}`);
    expect(other.status).toBe(400);
    expect(other.body.message).toMatch(message);
  });

  it.each([
    ["a malformed token", "continue=bm90LWEtdG9rZW4", /invalid continue: not a token this API issued/],
    ["a limit that is not a number", "limit=ten", /invalid limit: "ten"; expected a whole number/],
    [
      "a limit past the largest",
      "limit=100000000000",
      /^invalid limit: "100000000000"; expected a whole number of items from 1 to 999999999 \(0, or no limit: the whole list\)$/,
    ],
    ["a negative limit", "limit=-1", /invalid limit/],
  ])("refuses %s as a 400", async (_what, query, message) => {
    const { status, body } = await call(api(new PodsEngine(3)), `${path}?${query}`);
    expect(status).toBe(400);
    expect(body.message).toMatch(message);
  });

  it("takes paging parameters on lists only", async () => {
    const { status, body } = await call(api(new PodsEngine(3)), `${path}/pod-001?limit=10`);
    expect(status).toBe(400);
    expect(body.message).toMatch(/unknown query parameter "limit"/);
  });
});
