import { InvokeCommand, LambdaClient, ResourceNotFoundException } from "@aws-sdk/client-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { BadRequestError } from "../../src/errors/request-errors";
import { statusOf } from "../../src/http/status";
import { createLinkerdAdapter } from "../../src/mesh/linkerd";
import { LambdaSink } from "../../src/report/lambda-sink";
import type { Report } from "../../src/report/report";
import { type RenderedReport, ReportDeliveryError, type ReportSink } from "../../src/report/sink";
import { createSinkFactory } from "../../src/report/sink-factory";
import type { SinkSpec } from "../../src/report/spec";
import { runTestReport } from "../support/harness";
import { RecordingEngine } from "../support/recording-engine";

const lambdaMock = mockClient(LambdaClient);
beforeEach(() => lambdaMock.reset());
// The mock patches LambdaClient itself: later files in the same worker get the real one back.
afterAll(() => lambdaMock.restore());

const report = { id: "r-1" } as Report;
const rendered: RenderedReport = { report, json: '{"id":"r-1"}', markdown: "" };

describe("LambdaSink", () => {
  it("invokes the function asynchronously with the report as its payload", async () => {
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 202 });
    const result = await new LambdaSink(new LambdaClient({ region: "us-east-1" }), "report-consumer").deliver(
      rendered,
    );
    expect(result).toEqual({ attempts: 1, status: 202 });
    const calls = lambdaMock.commandCalls(InvokeCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]?.args[0].input;
    expect(input?.FunctionName).toBe("report-consumer");
    expect(input?.InvocationType).toBe("Event");
    expect(Buffer.from(input?.Payload as Uint8Array).toString()).toBe('{"id":"r-1"}');
  });

  it("fails with the function's name when Lambda refuses the invocation", async () => {
    lambdaMock
      .on(InvokeCommand)
      .rejects(new ResourceNotFoundException({ message: "Function not found", $metadata: {} }));
    const error = await new LambdaSink(new LambdaClient({ region: "us-east-1" }), "missing-fn")
      .deliver(rendered)
      .catch((e) => e);
    expect(error.message).toMatch(/lambda missing-fn failed: ResourceNotFoundException: Function not found/);
  });

  it("reports the attempts the SDK made, which retries on its own", async () => {
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 202, $metadata: { attempts: 2 } });
    const sink = new LambdaSink(new LambdaClient({ region: "us-east-1" }), "report-consumer");
    expect(await sink.deliver(rendered)).toEqual({ attempts: 2, status: 202 });
    lambdaMock.reset();
    const throttled = Object.assign(new Error("Rate exceeded"), {
      name: "TooManyRequestsException",
      $metadata: { attempts: 3, httpStatusCode: 429 },
    });
    lambdaMock.on(InvokeCommand).rejects(throttled);
    const error = await sink.deliver(rendered).catch((e) => e);
    expect(error).toMatchObject({ attempts: 3, status: 429 });
  });

  it("refuses a payload over Lambda's asynchronous limit before calling it", async () => {
    const big: RenderedReport = { report, json: "x".repeat(300 * 1024), markdown: "" };
    const error = await new LambdaSink(new LambdaClient({ region: "us-east-1" }), "fn")
      .deliver(big)
      .catch((e) => e);
    expect(error.message).toMatch(/over Lambda's 262144-byte limit/);
    expect(lambdaMock.commandCalls(InvokeCommand)).toHaveLength(0);
  });
});

describe("report delivery outcomes", () => {
  const deps = (sinkFor: (spec: SinkSpec) => ReportSink) => ({
    engine: new RecordingEngine(),
    mesh: createLinkerdAdapter(),
    backendDescription: "recording engine",
    sinkFor,
    now: () => new Date("2026-11-25T09:00:00Z"),
  });

  it("delivers to the other sinks when one fails, then fails naming the failed sink", async () => {
    lambdaMock.on(InvokeCommand, { FunctionName: "good-consumer" }).resolves({ StatusCode: 202 });
    lambdaMock
      .on(InvokeCommand, { FunctionName: "broken-consumer" })
      .rejects(new Error("AccessDeniedException"));
    const sinkFor = createSinkFactory({
      lambda: () => new LambdaClient({ region: "us-east-1" }),
      webhookSecret: undefined,
    });
    const spec = {
      kinds: ["deployments"],
      window: "5m",
      sinks: [
        { type: "lambda", function: "broken-consumer" },
        { type: "lambda", function: "good-consumer" },
      ],
    };
    const error = await runTestReport(deps(sinkFor), spec).catch((e) => e);
    expect(error).toBeInstanceOf(ReportDeliveryError);
    expect(error.outcomes).toEqual([
      expect.objectContaining({ sink: "lambda broken-consumer", ok: false }),
      { sink: "lambda good-consumer", ok: true, attempts: 1, status: 202 },
    ]);
    expect(error.message).toMatch(/1 of 2 sinks failed: lambda broken-consumer/);
    expect(lambdaMock.commandCalls(InvokeCommand)).toHaveLength(2);
  });

  it("rejects a spec with an unserved kind or bad window before measuring anything", async () => {
    const d = deps(() => {
      throw new Error("no sink expected");
    });
    await expect(runTestReport(d, { kinds: ["nodes"], window: "5m" })).rejects.toThrow(
      /invalid report spec \(the schedule's input\): kinds\.0 "nodes" is not served; served kinds are/,
    );
    await expect(runTestReport(d, { kinds: ["deployments"], window: "forever" })).rejects.toThrow(/window/);
    await expect(
      runTestReport(d, { kinds: ["deployments"], window: "5m", sinks: [{ type: "email" }] }),
    ).rejects.toThrow(/invalid report spec \(the schedule's input\): sinks\.0/);
    expect(d.engine.queries).toEqual([]);
  });

  it("lists every problem of a spec in one 400 message, not one per run", async () => {
    const d = deps(() => {
      throw new Error("no sink expected");
    });
    const error = await runTestReport(d, {
      kinds: ["nodes", "deployments", "widgets"],
      window: "forever",
      time: "yesterday",
      sinks: [{ type: "email" }],
      schedule: "hourly",
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(statusOf(error).code).toBe(400);
    const { message } = error as BadRequestError;
    expect(message).toMatch(/^invalid report spec \(the schedule's input\): /);
    for (const problem of [
      /sinks\.0\.type: /,
      /\(root\): Unrecognized key: "schedule"/,
      /kinds\.0 "nodes" is not served; served kinds are /,
      /kinds\.2 "widgets" is not served; served kinds are /,
      /invalid window: "forever" is not a duration/,
      /invalid time: /,
    ]) {
      expect(message).toMatch(problem);
    }
    expect(message).not.toMatch(/kinds\.1/);
    expect(d.engine.queries).toEqual([]);
  });
});
