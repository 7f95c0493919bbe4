import { afterEach, describe, expect, it } from "vitest";
import { createLinkerdAdapter } from "../../src/mesh/linkerd";
import { ReportDeliveryError } from "../../src/report/sink";
import { createSinkFactory } from "../../src/report/sink-factory";
import { runTestReport } from "../support/harness";
import { RecordingEngine } from "../support/recording-engine";
import { type StubRequest, stubServer } from "../support/stub-server";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A receiver that answers each request with the next status of a script (the last one repeats). */
async function receiver(statuses: number[]) {
  const seen: StubRequest[] = [];
  const server = await stubServer((req, res) => {
    seen.push(req);
    res.writeHead(statuses[Math.min(seen.length - 1, statuses.length - 1)] ?? 200);
    res.end();
  });
  closers.push(server.close);
  return { url: `${server.url}/hook`, seen };
}

const deps = {
  engine: new RecordingEngine(),
  mesh: createLinkerdAdapter(),
  backendDescription: "recording engine",
  sinkFor: createSinkFactory({ lambda: () => ({}) as never, webhookSecret: undefined }),
  now: () => new Date("2026-11-25T09:00:00Z"),
};

describe("a scheduled report retried by Lambda after a partial failure", () => {
  it("sends the sink that already got it the same Idempotency-Key again", async () => {
    const delivered = await receiver([200]);
    const flaky = await receiver([400, 200]);
    const spec = {
      kinds: ["deployments"],
      window: "5m",
      sinks: [
        { type: "webhook", url: delivered.url, maxAttempts: 1 },
        { type: "webhook", url: flaky.url, maxAttempts: 1 },
      ],
    };
    // Lambda retries a failed asynchronous invocation with the same request id.
    const run = { id: "c0ffee00-aws-request-id" };
    const first = await runTestReport(deps, spec, run).catch((e) => e);
    expect(first).toBeInstanceOf(ReportDeliveryError);
    await runTestReport(deps, spec, run);
    const keys = delivered.seen.map((r) => r.headers["idempotency-key"]);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]);
    // Each sink has its own key, and another run gets other keys.
    expect(flaky.seen[0]?.headers["idempotency-key"]).not.toBe(keys[0]);
    await runTestReport(deps, { ...spec, sinks: [spec.sinks[0]] }, { id: "another-invocation" });
    expect(delivered.seen[2]?.headers["idempotency-key"]).not.toBe(keys[0]);
  });
});
