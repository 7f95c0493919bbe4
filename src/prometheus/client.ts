import axios, { type AxiosInstance, type AxiosResponse, isAxiosError } from "axios";
import axiosRetry, { exponentialDelay, isNetworkError } from "axios-retry";
import { BackendResponseError, BackendTimeoutError, BackendUnreachableError } from "../errors";
import { displayUrl, bodySnippet as snippet, transportError } from "../transport-error";
import { EnvelopeSchema, type VectorSample } from "./envelope";
import type { RequestSigner } from "./sigv4";

/** What one instant query gave back: the samples and any warnings the engine attached. */
export interface InstantVector {
  readonly samples: readonly VectorSample[];
  readonly warnings: readonly string[];
}

/** Per-query limits that come from the request being answered. */
export interface QueryOptions {
  /** Epoch ms by which the answer is needed (the Lambda's remaining time, less a margin). */
  readonly deadline?: number;
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
  /** Extra headers on every query (a Consul token, `X-Scope-OrgID`). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly bearerToken?: string | undefined;
  /** Signs each request last, over its final headers and body (SigV4 for AMP). */
  readonly signer?: RequestSigner | undefined;
  /** Attempts for connection errors and 503s, with jittered exponential backoff. */
  readonly retry?: { readonly attempts: number; readonly baseDelayMs: number };
  readonly http?: AxiosInstance;
}

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
  readonly #displayUrl: string;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #signer: RequestSigner | undefined;
  readonly #endpoint: URL;

  constructor(options: PrometheusClientOptions) {
    this.#timeoutMs = options.timeoutMs;
    this.#queryPath = (options.queryPath ?? "api/v1/query").replace(/^\/+/, "");
    this.#backend = options.backendName ?? "Prometheus";
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
        responseType: "text",
        transformResponse: (data: unknown) => data,
        maxRedirects: 0,
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

  /** Runs one instant query and returns its vector; anything other than a vector is an error. */
  async instantQuery(query: string, time: Date, options: QueryOptions = {}): Promise<InstantVector> {
    const budget =
      options.deadline === undefined
        ? this.#timeoutMs
        : Math.min(this.#timeoutMs, options.deadline - Date.now());
    if (budget <= 0) throw new BackendTimeoutError(this.#backend, this.#displayUrl, 0);
    const signal = AbortSignal.timeout(budget);
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
        },
        signal,
        responseType: "text",
        transformResponse: (data: unknown) => data,
        // 503 is thrown so it can be retried; every other status is judged by #parse.
        validateStatus: (status) => status !== 503,
      });
    } catch (error) {
      const answered = isAxiosError(error) ? error.response : undefined;
      if (answered === undefined)
        throw transportError(this.#backend, this.#displayUrl, budget, error, signal);
      response = answered;
    }
    return this.#parse(response);
  }

  #parse(response: AxiosResponse<unknown>): InstantVector {
    const status = response.status;
    const contentType = String(response.headers["content-type"] ?? "");
    const text = typeof response.data === "string" ? response.data : "";
    const isJson = contentType.includes("json");
    let body: unknown;
    if (isJson) {
      try {
        body = JSON.parse(text);
      } catch (cause) {
        throw this.#responseError(`answered HTTP ${status} with malformed JSON`, status, { cause });
      }
    }
    if (status < 200 || status > 299) {
      const parsed = body === undefined ? undefined : EnvelopeSchema.safeParse(body);
      if (parsed?.success && parsed.data.status === "error") {
        const { errorType, error } = parsed.data;
        if (errorType === "timeout" || status === 504) {
          throw new BackendTimeoutError(this.#backend, this.#displayUrl, this.#timeoutMs);
        }
        throw this.#responseError(`answered HTTP ${status} (${errorType}): ${error}`, status, { errorType });
      }
      if (status === 401 || status === 403) {
        throw this.#responseError(
          `refused the request (HTTP ${status}): ${snippet(text)}. Check the token or credentials configured for it`,
          status,
        );
      }
      if (status === 504) {
        throw new BackendTimeoutError(this.#backend, this.#displayUrl, this.#timeoutMs);
      }
      if (status === 503) {
        throw new BackendUnreachableError(this.#backend, this.#displayUrl, {
          detail: `HTTP 503 ${snippet(text)}`,
        });
      }
      throw this.#responseError(
        `answered HTTP ${status} with ${isJson ? "an unexpected JSON body" : `a non-JSON body (${contentType || "no content type"})`}: ${snippet(text)}`,
        status,
      );
    }
    if (!isJson) {
      throw this.#responseError(
        `answered HTTP ${status} with content type "${contentType}" instead of JSON: ${snippet(text)}`,
        status,
      );
    }
    const parsed = EnvelopeSchema.safeParse(body);
    if (!parsed.success) {
      throw this.#responseError(
        `answered with a body that is not a Prometheus query response: ${parsed.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join(".")}: ${i.message}`)
          .join("; ")}`,
        status,
        { issues: parsed.error.issues },
      );
    }
    const envelope = parsed.data;
    if (envelope.status === "error") {
      throw this.#responseError(`answered an error (${envelope.errorType}): ${envelope.error}`, status, {
        errorType: envelope.errorType,
      });
    }
    if (envelope.data.resultType !== "vector") {
      throw this.#responseError(`answered a ${envelope.data.resultType} where a vector was expected`, status);
    }
    return { samples: envelope.data.result, warnings: envelope.warnings ?? [] };
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
