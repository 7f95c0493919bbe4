import type { Report } from "./report";

/** The report in the forms sinks send: JSON for machines, Markdown for people. */
export interface RenderedReport {
  readonly report: Report;
  readonly json: string;
  readonly markdown: string;
}

/** Where a report goes. `describe` names the target without secrets, for outcomes and logs. */
export interface ReportSink {
  readonly description: string;
  /** Resolves with how many attempts it took; rejects when the report could not be delivered. */
  deliver(rendered: RenderedReport): Promise<{ attempts: number; status?: number }>;
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
  const settled = await Promise.allSettled(sinks.map((sink) => sink.deliver(rendered)));
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
