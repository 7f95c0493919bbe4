import { randomUUID } from "node:crypto";
import type { Context } from "../config/context";
import { renderMarkdown } from "./markdown";
import { buildReport, type Report } from "./report";
import { deliverReport, ReportDeliveryError, type ReportSink, type SinkOutcome } from "./sink";
import { resolveReportSpec, type SinkSpec } from "./spec";

/** Builds a sink from its spec; the report handler is the only place that knows every kind. */
export type SinkFactory = (spec: SinkSpec) => ReportSink;

/** Which run this is, and where its spec came from, for keys and messages. */
export interface RunIdentity {
  /**
   * The report's id, from which each sink's `Idempotency-Key` derives. The Lambda handler passes
   * its invocation's request id, which Lambda keeps across retries of a failed invocation; a run
   * by hand gets a fresh one.
   */
  readonly id?: string;
  /** Where the spec came from (a file path), named in its errors. */
  readonly source?: string;
  /** The run's clock; now unless a test pins it. */
  readonly now?: () => Date;
}

export interface ReportRun {
  readonly report: Report;
  readonly markdown: string;
  readonly outcomes: readonly SinkOutcome[];
}

/**
 * Runs a report spec: validate, measure, render, deliver. If any sink failed it throws a
 * `ReportDeliveryError` listing every sink's outcome, so Lambda retries the invocation.
 */
export async function runReport(
  context: Context,
  sinkFor: SinkFactory,
  input: unknown,
  run: RunIdentity = {},
): Promise<ReportRun> {
  const now = run.now ?? (() => new Date());
  const spec = resolveReportSpec(input, context.mesh.kinds, context.config.window, now(), run.source);
  const sinks = spec.sinks.map(sinkFor);
  const report = await buildReport(context, spec, now, run.id ?? randomUUID());
  const markdown = renderMarkdown(report);
  const outcomes = await deliverReport({ report, json: JSON.stringify(report), markdown }, sinks);
  if (outcomes.some((o) => !o.ok)) throw new ReportDeliveryError(report.id, outcomes);
  return { report, markdown, outcomes };
}
