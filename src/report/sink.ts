import { createHash } from "node:crypto";
import type { Report } from "./report";

/** The report in the forms sinks send: JSON for machines, Markdown for people. */
export interface RenderedReport {
  readonly report: Report;
  readonly json: string;
  readonly markdown: string;
}

/** Where a report goes. `description` names the target without secrets, for outcomes and logs. */
export interface ReportSink {
  readonly description: string;
  /**
   * Resolves with how many attempts it took; rejects when the report could not be delivered.
   * `idempotencyKey` is the same for every delivery of this report to this sink, retries of the
   * whole invocation included, so a receiver can drop the copies.
   */
  deliver(rendered: RenderedReport, idempotencyKey: string): Promise<{ attempts: number; status?: number }>;
}

/**
 * A sink's key for one report run: Lambda retries a failed asynchronous invocation with the same
 * request id, so a key derived from it (and the sink's place and target) is the same on every
 * retry, and a sink that already got the report is sent the same key again.
 */
function idempotencyKey(runId: string, index: number, sink: ReportSink): string {
  return createHash("sha256").update(`${runId}\n${index}\n${sink.description}`).digest("hex").slice(0, 32);
}

export interface SinkOutcome {
  readonly sink: string;
  readonly ok: boolean;
  readonly attempts?: number;
  readonly status?: number;
  readonly error?: string;
}

/** Some sinks failed; the handler throws this so Lambda's async retry and DLQ take over. */
export class ReportDeliveryError extends Error {
  override readonly name = "ReportDeliveryError";
  constructor(
    readonly reportId: string,
    readonly outcomes: readonly SinkOutcome[],
  ) {
    const failed = outcomes.filter((o) => !o.ok);
    super(
      `report ${reportId}: ${failed.length} of ${outcomes.length} sinks failed: ${failed.map((o) => `${o.sink} (${o.error})`).join("; ")}`,
    );
  }
}

/** Delivers to every sink at once; one failing does not stop the others. */
export async function deliverReport(
  rendered: RenderedReport,
  sinks: readonly ReportSink[],
): Promise<SinkOutcome[]> {
  const settled = await Promise.allSettled(
    sinks.map((sink, i) => sink.deliver(rendered, idempotencyKey(rendered.report.id, i, sink))),
  );
  return settled.map((result, i) => {
    const sink = (sinks[i] as ReportSink).description;
    return result.status === "fulfilled"
      ? { sink, ok: true, ...result.value }
      : {
          sink,
          ok: false,
          error: result.reason instanceof Error ? result.reason.message : String(result.reason),
          ...(result.reason instanceof SinkError
            ? {
                attempts: result.reason.attempts,
                ...(result.reason.status === undefined ? {} : { status: result.reason.status }),
              }
            : {}),
        };
  });
}

/** A sink gave up; says after how many attempts and with which last status. */
export class SinkError extends Error {
  override readonly name = "SinkError";
  constructor(
    message: string,
    readonly attempts: number,
    readonly status: number | undefined,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}
