import type { Config } from "../config/settings";
import type { ErrorLog } from "./error-log";
import type { CacheOutcome } from "./response-cache";

/** One request as the log and CloudWatch see it. */
export interface RequestLog {
  readonly method: string;
  readonly path: string;
  /** The route table's pattern that matched (`GET /summary/**`); low-cardinality, for metrics. */
  readonly route: string;
  readonly status: number;
  readonly durationMs: number;
  /** Queries Prometheus answered for this request: 0 from the cache; a failed query is not counted. */
  readonly roundTrips: number;
  /** Body bytes sent to the client, after any compression. */
  readonly bytes: number;
  readonly requestId?: string;
  /** The container's first invocation, which paid for its cold start. */
  readonly coldStart: boolean;
  /** Whether the answer came from the cache or a request already in flight. */
  readonly cache?: CacheOutcome;
  /** For a 500: what failed, with its stack and causes, so it can be debugged from the log. */
  readonly error?: ErrorLog | string;
}

/** CloudWatch namespace of the per-request metrics. */
export const METRICS_NAMESPACE = "SmiTrafficMetrics";

/**
 * The request's log line, which is also a CloudWatch Embedded Metric Format document: Lambda
 * sends stdout to CloudWatch Logs, which extracts the metrics with no API call. Metrics:
 * requests, duration, Prometheus round trips and answer bytes, by route and status, and by route
 * and cache outcome. The log fields stay as they were; the EMF members sit beside them.
 * (Powertools' Metrics and Logger would add 16 KB and 24 KB minified to a bundle over its target.)
 */
export function emfRecord(entry: RequestLog, timestamp: number): Record<string, unknown> {
  return {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: [
            ["Route", "StatusCode"],
            ["Route", "CacheOutcome"],
          ],
          Metrics: [
            { Name: "Requests", Unit: "Count" },
            { Name: "Duration", Unit: "Milliseconds" },
            { Name: "PrometheusRoundTrips", Unit: "Count" },
            { Name: "AnswerBytes", Unit: "Bytes" },
          ],
        },
      ],
    },
    Route: entry.route,
    StatusCode: String(entry.status),
    CacheOutcome: entry.cache ?? "none",
    Requests: 1,
    Duration: entry.durationMs,
    PrometheusRoundTrips: entry.roundTrips,
    AnswerBytes: entry.bytes,
    ...entry,
  };
}

/** `method path status ms round trips`, and for a server failure (5xx) what failed. */
function shortLine(entry: RequestLog): string {
  const { method, path, status, durationMs, roundTrips, error } = entry;
  const failure =
    status < 500 || error === undefined
      ? ""
      : `: ${typeof error === "string" ? error : `${error.name}: ${error.message}`}`;
  return `${method} ${path} ${status} ${durationMs}ms ${roundTrips} round trip${roundTrips === 1 ? "" : "s"}${failure}`;
}

/** The short line, then the rest of the record (route, bytes, cache, request id, the whole error). */
function debugLine(entry: RequestLog): string {
  const { method: _m, path: _p, status: _s, durationMs: _d, roundTrips: _r, ...rest } = entry;
  return `${shortLine(entry)} ${JSON.stringify(rest)}`;
}

/**
 * The api's request log as `settings` say (`LOG_FORMAT`, `LOG_LEVEL`): the EMF document, which
 * Lambda's log stream takes from stdout and CloudWatch reads its metrics from, or a short line for a
 * terminal; at `warn`, only the server's failures (5xx). `print` is stdout.
 */
export function requestLogWriter(
  settings: Config["log"],
  print: (line: string) => void = (line) => console.log(line),
): (entry: RequestLog) => void {
  const line =
    settings.format === "emf"
      ? (entry: RequestLog) => JSON.stringify(emfRecord(entry, Date.now()))
      : settings.level === "debug"
        ? debugLine
        : shortLine;
  return (entry) => {
    if (settings.level === "warn" && entry.status < 500) return;
    print(line(entry));
  };
}
