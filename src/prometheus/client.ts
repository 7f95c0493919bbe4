import type { AxiosResponse } from "axios";
import { requestBudget } from "../net/deadline";
import { displayUrl } from "../net/transport-error";
import { AnswerErrors } from "./answer-errors";
import { forEachChunk } from "./body-chunks";
import {
  EnvelopeSchema,
  readSample,
  readSeriesPoints,
  SAMPLE_SHAPE,
  SERIES_SHAPE,
  type VectorSample,
} from "./envelope";
import { ResultStreamReader } from "./result-stream";
import type { RequestSigner } from "./sigv4";
import { inflated, PrometheusTransport } from "./transport";

/**
 * What one query gave back: the samples (none kept when the caller took them one by one through
 * `onSample`) and any warnings the engine attached. A range query's samples are its series'
 * points, each with its own timestamp.
 */
export interface QueryResult {
  readonly samples: readonly VectorSample[];
  readonly warnings: readonly string[];
}

/** Per-query limits that come from the request being answered. */
export interface QueryOptions {
  /** Epoch ms by which the answer is needed (the Lambda's remaining time, less a margin). */
  readonly deadline?: number;
  /**
   * Takes each sample as it is read off the wire; the result's `samples` then stays empty. For
   * callers that fold large answers, so nothing holds every sample at once.
   */
  readonly onSample?: (sample: VectorSample) => void;
  /** Gives up on the query (its answer is no longer wanted), closing the connection. */
  readonly signal?: AbortSignal;
}

/** The points a range query evaluates: from `start` to `end`, every `stepMs`. */
export interface QueryRange {
  readonly start: Date;
  readonly end: Date;
  readonly stepMs: number;
}

/** Anything that answers PromQL instant and range queries; the core depends on this, not on HTTP. */
export interface QueryEngine {
  instantQuery(query: string, time: Date, options?: QueryOptions): Promise<QueryResult>;
  rangeQuery(query: string, range: QueryRange, options?: QueryOptions): Promise<QueryResult>;
}

/** Seconds since the epoch, as the query API takes times. */
const seconds = (time: Date) => (time.getTime() / 1000).toFixed(3);

export interface PrometheusClientOptions {
  /**
   * Base URL, path prefix included (`http://mimir/prometheus`, `.../select/0/prometheus`);
   * `api/v1/query` is appended. `user:pass@` in it becomes basic auth.
   */
  readonly baseUrl: string;
  readonly timeoutMs: number;
  /** Path of the query endpoint below the base URL. Consul's metrics proxy uses another one. */
  readonly queryPath?: string;
  /** Name used in error messages (`Prometheus`, `Consul metrics proxy`). */
  readonly backendName?: string;
  /** What to check when the backend refuses us (401/403): the setting that holds our credentials. */
  readonly credentialHint?: string;
  /** Extra headers on every query (a Consul token, `X-Scope-OrgID`). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly bearerToken?: string | undefined;
  /** Signs each request last, over its final headers and body (SigV4 for AMP). */
  readonly signer?: RequestSigner | undefined;
  /** Attempts for connection errors and 503s, with jittered exponential backoff. */
  readonly retry?: { readonly attempts: number; readonly baseDelayMs: number };
}

/**
 * Prometheus HTTP API client, on axios. Queries go as form-encoded POSTs (the documented way for
 * long queries, and it keeps them out of access logs). Connection errors and 503s are retried
 * within the request's deadline. Every answer is validated; transport failures, time-outs and bad
 * answers become distinct error classes, whose messages never carry credentials.
 */
export class PrometheusClient implements QueryEngine {
  readonly #transport: PrometheusTransport;
  readonly #timeoutMs: number;
  readonly #errors: AnswerErrors;

  constructor(options: PrometheusClientOptions) {
    this.#timeoutMs = options.timeoutMs;
    const queryPath = (options.queryPath ?? "api/v1/query").replace(/^\/+/, "");
    this.#errors = new AnswerErrors(
      options.backendName ?? "Prometheus",
      displayUrl(options.baseUrl, queryPath),
      options.credentialHint ?? "the token or credentials configured for it",
    );
    this.#transport = new PrometheusTransport({ ...options, queryPath });
  }

  /**
   * Runs one instant query. The body is read as it arrives: with `onSample`, each sample goes to
   * the caller as soon as its chunk is in, so a 25 MB answer is folded without ever being held
   * whole. Anything other than a vector is an error.
   */
  instantQuery(query: string, time: Date, options: QueryOptions = {}): Promise<QueryResult> {
    return this.#query({ query, time: seconds(time) }, "vector", options);
  }

  /**
   * Runs one range query (`query_range`), read as it arrives like an instant query: each series'
   * points go to `onSample` one by one. Anything other than a matrix is an error, and so is a
   * range the backend refuses (its own points limit): never a partial series.
   */
  rangeQuery(query: string, range: QueryRange, options: QueryOptions = {}): Promise<QueryResult> {
    const step = `${range.stepMs / 1000}`;
    return this.#query(
      { query, start: seconds(range.start), end: seconds(range.end), step },
      "matrix",
      options,
    );
  }

  async #query(
    fields: Record<string, string>,
    expected: "vector" | "matrix",
    options: QueryOptions,
  ): Promise<QueryResult> {
    const { backend, url } = this.#errors;
    // A query the caller gave up on fails with the caller's reason, not as a time-out.
    const budget = requestBudget(backend, url, this.#timeoutMs, options);
    const form = new URLSearchParams({ ...fields, timeout: `${budget.ms}ms` });
    let response: AxiosResponse<unknown>;
    try {
      response = await this.#transport.post(form.toString(), budget.signal, expected === "matrix");
    } catch (error) {
      throw budget.failed(error);
    }
    const { status } = response;
    const contentType = String(response.headers["content-type"] ?? "");
    const body = inflated(response);
    // A body that does not inflate is a bad answer, not a lost connection.
    const lost = (cause: unknown) =>
      /^Z_/.test(String((cause as { code?: unknown } | null)?.code))
        ? this.#errors.response(`answered HTTP ${status} with a gzip body that does not inflate`, status, {
            cause,
          })
        : budget.failed(cause);
    const read = (consume: (chunk: Buffer) => void) => forEachChunk(body, budget.signal, consume, lost);
    if (status >= 200 && status <= 299 && contentType.includes("json")) {
      return this.#readResult(status, read, expected, options.onSample);
    }
    throw await this.#errors.ofBody(status, contentType, read, budget.ms);
  }

  async #readResult(
    status: number,
    read: (consume: (chunk: Buffer) => void) => Promise<void>,
    expected: "vector" | "matrix",
    onSample: ((sample: VectorSample) => void) | undefined,
  ): Promise<QueryResult> {
    const samples: VectorSample[] = [];
    const deliver = onSample ?? ((sample: VectorSample) => samples.push(sample));
    let badItem: number | undefined;
    let callerFailed = false;
    const reader = new ResultStreamReader((items) => {
      if (badItem !== undefined) return;
      const first = reader.itemCount - items.length;
      try {
        for (let i = 0; i < items.length; i++) {
          const sample = expected === "vector" ? readSample(items[i]) : undefined;
          if (sample !== undefined) deliver(sample);
          else if (expected === "vector" || !readSeriesPoints(items[i], deliver)) {
            badItem = first + i;
            return;
          }
        }
      } catch (error) {
        // The caller's own error (a count it refuses), passed on as it is, never as bad JSON.
        callerFailed = true;
        throw error;
      }
    });
    let skeleton: unknown;
    try {
      await read((chunk) => reader.write(chunk));
      skeleton = reader.end();
    } catch (error) {
      if (callerFailed || !(error instanceof SyntaxError)) throw error;
      throw this.#errors.response(`answered HTTP ${status} with malformed JSON`, status, { cause: error });
    }
    const envelope = this.#usableEnvelope(skeleton, status, expected);
    if (badItem !== undefined || reader.sawNonObjectItems) {
      const path = ["data", "result", badItem ?? 0];
      const message = expected === "vector" ? SAMPLE_SHAPE : SERIES_SHAPE;
      throw this.#errors.shape(status, [{ code: "custom", path, message, input: undefined }]);
    }
    return { samples, warnings: envelope.warnings ?? [] };
  }

  /**
   * The answer's envelope, once it is a usable success of the expected type: not an error, and
   * not partial (a VictoriaMetrics cluster whose storage nodes did not all answer), which would
   * read as less traffic than there was.
   */
  #usableEnvelope(skeleton: unknown, status: number, expected: "vector" | "matrix") {
    const parsed = EnvelopeSchema.safeParse(skeleton);
    if (!parsed.success) throw this.#errors.shape(status, parsed.error.issues);
    const envelope = parsed.data;
    if (envelope.status === "error") {
      throw this.#errors.response(`answered an error (${envelope.errorType}): ${envelope.error}`, status, {
        errorType: envelope.errorType,
      });
    }
    if (envelope.isPartial === true) {
      throw this.#errors.response(
        "answered a partial response (isPartial: true): some of its storage nodes did not answer, so every number would be short; ask again, or set -search.denyPartialResponse on vmselect",
        status,
      );
    }
    if (envelope.data.resultType !== expected) {
      throw this.#errors.response(
        `answered a ${envelope.data.resultType} where a ${expected} was expected`,
        status,
      );
    }
    return envelope;
  }
}
