import type { WindowBounds } from "../time-range";
import type { TrafficDeps } from "../traffic";
import { renderMarkdown } from "./markdown";
import { buildReport, type Report } from "./report";
import { deliverReport, ReportDeliveryError, type ReportSink, type SinkOutcome } from "./sink";
import { resolveReportSpec, type SinkSpec } from "./spec";

export interface ReportDeps extends TrafficDeps {
  readonly window: WindowBounds;
  /** Builds a sink from its spec; the report handler is the only place that knows every kind. */
  readonly sinkFor: (spec: SinkSpec) => ReportSink;
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
export async function runReport(deps: ReportDeps, input: unknown): Promise<ReportRun> {
  const now = deps.now ?? (() => new Date());
  const spec = resolveReportSpec(input, deps.mesh.kinds, deps.window, now);
  const sinks = spec.sinks.map(deps.sinkFor);
  const report = await buildReport(deps, spec, now);
  const markdown = renderMarkdown(report);
  const outcomes = await deliverReport({ report, json: JSON.stringify(report), markdown }, sinks);
  if (outcomes.some((o) => !o.ok)) throw new ReportDeliveryError(report.id, outcomes);
  return { report, markdown, outcomes };
}
