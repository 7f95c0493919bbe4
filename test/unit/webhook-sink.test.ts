import { createHmac, timingSafeEqual } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { Report } from "../../src/report/report";
import type { RenderedReport } from "../../src/report/sink";
import { SinkError } from "../../src/report/sink";
import { WebhookSink } from "../../src/report/webhook-sink";
import { type StubRequest, stubServer } from "../support/stub-server";

const SECRET = "receiver-shared-secret-42";
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const report = { id: "0b9f3c1e-report", rows: [], lists: [] } as unknown as Report;
const KEY = "6f1d0c0e9b1a4f7c8d2e3a4b5c6d7e8f";
const rendered: RenderedReport = {
  report,
  json: JSON.stringify({ id: report.id, rows: [] }),
  markdown: "# report\n",
};

/** The receiver's own verification: HMAC-SHA256 over `<timestamp>.<body>`, compared in constant time. */
function verifiedByReceiver(req: StubRequest): boolean {
  const timestamp = req.headers["x-timestamp"];
  const signature = req.headers["x-signature-256"];
  if (typeof timestamp !== "string" || typeof signature !== "string") return false;
  const expected = Buffer.from(
    `sha256=${createHmac("sha256", SECRET).update(`${timestamp}.${req.body}`).digest("hex")}`,
  );
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** A receiver that answers each attempt with the next status of a script. */
async function receiver(script: { status: number; headers?: Record<string, string>; delayMs?: number }[]) {
  const accepted: StubRequest[] = [];
  const attempts: { at: number; req: StubRequest }[] = [];
  const server = await stubServer(async (req, res) => {
    attempts.push({ at: Date.now(), req });
    const step = script[Math.min(attempts.length - 1, script.length - 1)] ?? { status: 200 };
    if (step.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, step.delayMs));
    if (step.status < 300 && verifiedByReceiver(req)) accepted.push(req);
    res.writeHead(verifiedByReceiver(req) ? step.status : 401, step.headers ?? {});
    res.end();
  });
  closers.push(server.close);
  return { url: `${server.url}/hooks/smi`, accepted, attempts };
}

const sink = (url: string, extra: Partial<ConstructorParameters<typeof WebhookSink>[0]> = {}) =>
  new WebhookSink({ url, secret: SECRET, format: "json", maxAttempts: 5, baseDelayMs: 10, ...extra });

describe("WebhookSink against a real local receiver", () => {
  it("signs the body so the receiver's own check accepts it", async () => {
    const r = await receiver([{ status: 204 }]);
    const result = await sink(r.url).deliver(rendered, KEY);
    expect(result).toEqual({ attempts: 1, status: 204 });
    expect(r.accepted).toHaveLength(1);
    expect(r.accepted[0]?.body).toBe(rendered.json);
    expect(r.accepted[0]?.headers["content-type"]).toBe("application/json");
    expect(r.accepted[0]?.headers["idempotency-key"]).toBe(KEY);
  });

  it("retries a receiver that fails twice, and it accepts exactly one delivery with the same Idempotency-Key", async () => {
    const r = await receiver([{ status: 503 }, { status: 500 }, { status: 200 }]);
    const result = await sink(r.url).deliver(rendered, KEY);
    expect(result).toEqual({ attempts: 3, status: 200 });
    expect(r.attempts).toHaveLength(3);
    expect(r.accepted).toHaveLength(1);
    expect(new Set(r.attempts.map((a) => a.req.headers["idempotency-key"]))).toEqual(new Set([KEY]));
    expect(r.attempts.every((a) => verifiedByReceiver(a.req))).toBe(true);
  });

  it("does not retry a 400", async () => {
    const r = await receiver([{ status: 400 }, { status: 200 }]);
    const error = await sink(r.url)
      .deliver(rendered, KEY)
      .catch((e) => e);
    expect(error).toBeInstanceOf(SinkError);
    expect(error).toMatchObject({ attempts: 1, status: 400 });
    expect(r.attempts).toHaveLength(1);
  });

  it("retries a 429 no sooner than its Retry-After", async () => {
    const r = await receiver([{ status: 429, headers: { "retry-after": "1" } }, { status: 200 }]);
    await sink(r.url).deliver(rendered, KEY);
    expect(r.attempts).toHaveLength(2);
    const [first, second] = r.attempts;
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it("gives up after maxAttempts and says how many it made", async () => {
    const r = await receiver([{ status: 502 }]);
    const error = await sink(r.url, { maxAttempts: 3 })
      .deliver(rendered, KEY)
      .catch((e) => e);
    expect(error).toMatchObject({ attempts: 3, status: 502 });
    expect(r.attempts).toHaveLength(3);
    expect(error.message).toMatch(/failed after 3 attempt\(s\): HTTP 502/);
  });

  it("gives every attempt its own timeout instead of one budget for all of them", async () => {
    const slow = { status: 503, delayMs: 150 };
    const r = await receiver([slow, slow, { status: 200, delayMs: 150 }]);
    const result = await sink(r.url, { timeoutMs: 250 }).deliver(rendered, KEY);
    expect(result).toEqual({ attempts: 3, status: 200 });
    expect(r.attempts).toHaveLength(3);
  });

  it("waits out a Retry-After longer than one attempt's timeout, up to the limit", async () => {
    const r = await receiver([{ status: 429, headers: { "retry-after": "1" } }, { status: 200 }]);
    const result = await sink(r.url, { timeoutMs: 200 }).deliver(rendered, KEY);
    expect(result).toEqual({ attempts: 2, status: 200 });
    expect(r.attempts).toHaveLength(2);
  });

  it("reports the attempts it really made when a Retry-After is over the limit", async () => {
    const r = await receiver([{ status: 503, headers: { "retry-after": "2" } }]);
    const error = await sink(r.url, { maxAttempts: 10, maxRetryAfterMs: 1000 })
      .deliver(rendered, KEY)
      .catch((e) => e);
    expect(error).toMatchObject({ attempts: 1, status: 503 });
    expect(r.attempts).toHaveLength(1);
  });

  it("sends Markdown when the sink asks for text", async () => {
    const r = await receiver([{ status: 200 }]);
    await sink(r.url, { format: "markdown" }).deliver(rendered, KEY);
    expect(r.accepted[0]?.body).toBe("# report\n");
    expect(r.accepted[0]?.headers["content-type"]).toBe("text/markdown; charset=utf-8");
  });

  it("keeps credentials in the URL out of its description", () => {
    expect(sink("https://user:pw@hooks.example/x?sig=abc").description).toBe(
      "webhook https://hooks.example/x",
    );
  });
});
