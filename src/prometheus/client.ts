import { pipeline } from "node:stream";
import { constants, createGunzip } from "node:zlib";
import axios, { type AxiosInstance, type AxiosResponse, isAxiosError } from "axios";
import axiosRetry, { exponentialDelay, isNetworkError } from "axios-retry";
import { BackendResponseError, BackendTimeoutError, BackendUnreachableError } from "../errors/backend-errors";
import { displayUrl, bodySnippet as snippet, transportError } from "../net/transport-error";
import { forEachChunk } from "./body-chunks";
import { EnvelopeSchema, readSample, SAMPLE_SHAPE, type VectorSample } from "./envelope";
import { ResultStreamReader } from "./result-stream";
import type { RequestSigner } from "./sigv4";

/**
 * What one instant query gave back: the samples (none kept when the caller took them one by one
 * through `onSample`) and any warnings the engine attached.
 */
export interface InstantVector {
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

/** Anything that answers PromQL instant queries; the core depends on this, not on HTTP. */
export interface QueryEngine {
  instantQuery(query: string, time: Date, options?: QueryOptions): Promise<InstantVector>;
}

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
  readonly http?: AxiosInstance;
}

/** Error bodies are read for a message; one larger than this is not an error message. */
const MAX_ERROR_BODY_BYTES = 1024 * 1024;

/** Node error codes that mean the connection itself failed, so trying again may help. */
const RETRYABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
]);

/** Inflate output per chunk: four times zlib's default, so a 22 MB answer takes 350 trips to the thread pool, not 1,400. */
const INFLATE_CHUNK_BYTES = 64 * 1024;

/**
 * The body of a response as text: a gzip body inflated here rather than by axios, in larger
 * chunks (`INFLATE_CHUNK_BYTES`); anything else as it came.
 */
function inflated(response: AxiosResponse<unknown>): unknown {
  const data = response.data as NodeJS.ReadableStream | undefined;
  if (
    String(response.headers["content-encoding"] ?? "").toLowerCase() !== "gzip" ||
    data?.pipe === undefined
  ) {
    return data;
  }
  const gunzip = createGunzip({
    chunkSize: INFLATE_CHUNK_BYTES,
    flush: constants.Z_SYNC_FLUSH,
    finishFlush: constants.Z_SYNC_FLUSH,
  });
  // An error on either side ends the other; it surfaces where the body is read.
  return pipeline(data, gunzip, () => {});
}

/**
 * Prometheus HTTP API client, on axios. Queries go as form-encoded POSTs (the documented way for
 * long queries, and it keeps them out of access logs). Connection errors and 503s are retried
 * within the request's deadline. Every answer is validated; transport failures, time-outs and bad
 * answers become distinct error classes, whose messages never carry credentials.
 */
export class PrometheusClient implements QueryEngine {
  readonly #http: AxiosInstance;
  readonly #timeoutMs: number;
  readonly #queryPath: string;
  readonly #backend: string;
  readonly #credentialHint: string;
  readonly #displayUrl: string;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #signer: RequestSigner | undefined;
  readonly #endpoint: URL;

  constructor(options: PrometheusClientOptions) {
    this.#timeoutMs = options.timeoutMs;
    this.#queryPath = (options.queryPath ?? "api/v1/query").replace(/^\/+/, "");
    this.#backend = options.backendName ?? "Prometheus";
    this.#credentialHint = options.credentialHint ?? "the token or credentials configured for it";
    this.#displayUrl = displayUrl(options.baseUrl, this.#queryPath);
    const base = new URL(options.baseUrl);
    const basic =
      base.username === ""
        ? undefined
        : { username: decodeURIComponent(base.username), password: decodeURIComponent(base.password) };
    base.username = "";
    base.password = "";
    const baseURL = base.toString();
    this.#endpoint = new URL(this.#queryPath, baseURL.endsWith("/") ? baseURL : `${baseURL}/`);
    this.#headers = {
      ...options.headers,
      ...(options.bearerToken === undefined ? {} : { authorization: `Bearer ${options.bearerToken}` }),
    };
    this.#signer = options.signer;
    this.#http =
      options.http ??
      axios.create({
        baseURL,
        ...(basic === undefined ? {} : { auth: basic }),
        responseType: "stream",
        transformResponse: (data: unknown) => data,
        // Redirects and environment proxies are not followed (and not in the bundle).
        maxRedirects: 0,
        proxy: false,
      });
    const retry = options.retry ?? { attempts: 3, baseDelayMs: 100 };
    axiosRetry(this.#http, {
      retries: retry.attempts - 1,
      retryDelay: (count, error) => exponentialDelay(count, error, retry.baseDelayMs),
      retryCondition: (error) => {
        if (error.config?.signal instanceof AbortSignal && error.config.signal.aborted) return false;
        if (error.response !== undefined) return error.response.status === 503;
        return RETRYABLE_CODES.has(error.code ?? "") || isNetworkError(error);
      },
      // The 503's body is not read: release its connection before trying again.
      onRetry: (_count, error) => (error.response?.data as { destroy?: () => void } | undefined)?.destroy?.(),
    });
    if (this.#signer !== undefined) {
      const signer = this.#signer;
      // Runs on every attempt, so a retried request is signed afresh.
      this.#http.interceptors.request.use(async (config) => {
        const headers = Object.fromEntries(
          Object.entries(config.headers?.toJSON() ?? {}).filter(
            (e): e is [string, string] => typeof e[1] === "string",
          ),
        );
        const signed = await signer({
          method: "POST",
          url: this.#endpoint,
          headers,
          body: String(config.data ?? ""),
        });
        for (const [name, value] of Object.entries(signed)) config.headers.set(name, value);
        return config;
      });
    }
  }

  /**
   * Runs one instant query. The body is read as it arrives: with `onSample`, each sample goes to
   * the caller as soon as its chunk is in, so a 25 MB answer is folded without ever being held
   * whole. Anything other than a vector is an error.
   */
  async instantQuery(query: string, time: Date, options: QueryOptions = {}): Promise<InstantVector> {
    const budget =
      options.deadline === undefined
        ? this.#timeoutMs
        : Math.min(this.#timeoutMs, options.deadline - Date.now());
    if (budget <= 0) throw new BackendTimeoutError(this.#backend, this.#displayUrl, 0);
    const cancel = options.signal;
    const signal =
      cancel === undefined
        ? AbortSignal.timeout(budget)
        : AbortSignal.any([AbortSignal.timeout(budget), cancel]);
    // A query the caller gave up on fails with the caller's reason, not as a time-out.
    const failed = (error: unknown) =>
      cancel?.aborted
        ? cancel.reason
        : transportError(this.#backend, this.#displayUrl, budget, error, signal);
    const form = new URLSearchParams({
      query,
      time: (time.getTime() / 1000).toFixed(3),
      timeout: `${budget}ms`,
    });
    let response: AxiosResponse<unknown>;
    try {
      response = await this.#http.post(this.#queryPath, form.toString(), {
        headers: {
          ...this.#headers,
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
          "accept-encoding": "gzip",
        },
        signal,
        responseType: "stream",
        decompress: false,
        transformResponse: (data: unknown) => data,
        // 503 is thrown so it can be retried; every other status is judged here.
        validateStatus: (status) => status !== 503,
      });
    } catch (error) {
      const answered = isAxiosError(error) ? error.response : undefined;
      if (answered === undefined) throw failed(error);
      response = answered;
    }
    const { status } = response;
    const contentType = String(response.headers["content-type"] ?? "");
    const body = inflated(response);
    // A body that does not inflate is a bad answer, not a lost connection.
    const lost = (cause: unknown) =>
      /^Z_/.test(String((cause as { code?: unknown } | null)?.code))
        ? this.#responseError(`answered HTTP ${status} with a gzip body that does not inflate`, status, {
            cause,
          })
        : failed(cause);
    const read = (consume: (chunk: Buffer) => void) => forEachChunk(body, signal, consume, lost);
    if (status >= 200 && status <= 299 && contentType.includes("json")) {
      return this.#readVector(status, read, options.onSample);
    }
    // Error bodies are read for their message only, and only so far.
    const chunks: Buffer[] = [];
    let size = 0;
    await read((chunk) => {
      size += chunk.length;
      if (size > MAX_ERROR_BODY_BYTES) {
        throw status === 503 || status === 504
          ? this.#failure(status, "", `(a body over ${MAX_ERROR_BODY_BYTES} bytes)`, budget)
          : this.#responseError(
              `answered HTTP ${status} with a body over ${MAX_ERROR_BODY_BYTES} bytes`,
              status,
            );
      }
      chunks.push(chunk);
    });
    throw this.#failure(
      status,
      contentType,
      Buffer.concat(chunks)
        .toString("utf8")
        .replace(/^\uFEFF/, ""),
      budget,
    );
  }

  async #readVector(
    status: number,
    read: (consume: (chunk: Buffer) => void) => Promise<void>,
    onSample: ((sample: VectorSample) => void) | undefined,
  ): Promise<InstantVector> {
    const samples: VectorSample[] = [];
    const deliver = onSample ?? ((sample: VectorSample) => samples.push(sample));
    let badItem: number | undefined;
    let callerFailed = false;
    const reader = new ResultStreamReader((items) => {
      if (badItem !== undefined) return;
      const first = reader.itemCount - items.length;
      try {
        for (let i = 0; i < items.length; i++) {
          const sample = readSample(items[i]);
          if (sample === undefined) {
            badItem = first + i;
            return;
          }
          deliver(sample);
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
      throw this.#responseError(`answered HTTP ${status} with malformed JSON`, status, { cause: error });
    }
    const parsed = EnvelopeSchema.safeParse(skeleton);
    if (!parsed.success) throw this.#shapeError(status, parsed.error.issues);
    const envelope = parsed.data;
    if (envelope.status === "error") {
      throw this.#responseError(`answered an error (${envelope.errorType}): ${envelope.error}`, status, {
        errorType: envelope.errorType,
      });
    }
    if (envelope.data.resultType !== "vector") {
      throw this.#responseError(`answered a ${envelope.data.resultType} where a vector was expected`, status);
    }
    if (badItem !== undefined || reader.sawNonObjectItems) {
      const path = ["data", "result", badItem ?? 0];
      throw this.#shapeError(status, [{ code: "custom", path, message: SAMPLE_SHAPE, input: undefined }]);
    }
    return { samples, warnings: envelope.warnings ?? [] };
  }

  #shapeError(status: number, issues: BackendResponseError["issues"]): BackendResponseError {
    return this.#responseError(
      `answered with a body that is not a Prometheus query response: ${issues
        .slice(0, 3)
        .map((i) => `${i.path.join(".")}: ${i.message}`)
        .join("; ")}`,
      status,
      { issues },
    );
  }

  /**
   * Why a response that is not a 2xx JSON body cannot be used. The status decides first: a proxy's
   * 503 or 504 is unavailability or a time-out whatever its body looks like; the body only refines
   * an answer that has no such meaning. `budgetMs` is the time this query had.
   */
  #failure(status: number, contentType: string, text: string, budgetMs: number): Error {
    const isJson = contentType.includes("json");
    let body: unknown;
    let malformed: unknown;
    if (isJson) {
      try {
        body = JSON.parse(text);
      } catch (cause) {
        malformed = cause;
      }
    }
    const envelope = body === undefined ? undefined : EnvelopeSchema.safeParse(body);
    const error = envelope?.success && envelope.data.status === "error" ? envelope.data : undefined;
    if (status === 504 || error?.errorType === "timeout") {
      const said = error?.errorType === "timeout" ? `(timeout) ${error.error}` : `HTTP 504 ${snippet(text)}`;
      return new BackendTimeoutError(this.#backend, this.#displayUrl, budgetMs, { said });
    }
    if (status === 503) {
      return new BackendUnreachableError(this.#backend, this.#displayUrl, {
        detail: `HTTP 503 ${snippet(text)}`,
      });
    }
    if (status >= 200 && status <= 299) {
      // A 2xx with a JSON content type is read as a vector; this one had another type.
      return this.#responseError(
        `answered HTTP ${status} with content type "${contentType}" instead of JSON: ${snippet(text)}`,
        status,
      );
    }
    if (error !== undefined) {
      return this.#responseError(`answered HTTP ${status} (${error.errorType}): ${error.error}`, status, {
        errorType: error.errorType,
      });
    }
    if (status === 401 || status === 403) {
      return this.#responseError(
        `refused the request (HTTP ${status}): ${snippet(text)}. Check ${this.#credentialHint}`,
        status,
      );
    }
    if (malformed !== undefined) {
      return this.#responseError(`answered HTTP ${status} with malformed JSON`, status, { cause: malformed });
    }
    return this.#responseError(
      `answered HTTP ${status} with ${isJson ? "an unexpected JSON body" : `a non-JSON body (${contentType || "no content type"})`}: ${snippet(text)}`,
      status,
    );
  }

  #responseError(
    what: string,
    status: number,
    extra: { errorType?: string; issues?: BackendResponseError["issues"]; cause?: unknown } = {},
  ): BackendResponseError {
    return new BackendResponseError(this.#backend, `${this.#backend} ${what}`, {
      url: this.#displayUrl,
      status,
      ...extra,
    });
  }
}
