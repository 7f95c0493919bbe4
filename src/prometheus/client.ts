import axios, { type AxiosInstance, type AxiosResponse } from "axios";
import { BackendResponseError, BackendTimeoutError, BackendUnreachableError } from "../errors";
import { displayUrl, bodySnippet as snippet, transportError } from "../transport-error";
import { EnvelopeSchema, type VectorSample } from "./envelope";

/** What one instant query gave back: the samples and any warnings the engine attached. */
export interface InstantVector {
  readonly samples: readonly VectorSample[];
  readonly warnings: readonly string[];
}

/** Anything that answers PromQL instant queries; the core depends on this, not on HTTP. */
export interface QueryEngine {
  instantQuery(query: string, time: Date): Promise<InstantVector>;
}

export interface PrometheusClientOptions {
  /** Base URL, path prefix included (`http://mimir/prometheus`); `api/v1/query` is appended. */
  readonly baseUrl: string;
  readonly timeoutMs: number;
  /** Path of the query endpoint below the base URL. Consul's metrics proxy uses another one. */
  readonly queryPath?: string;
  /** Name used in error messages (`Prometheus`, `Consul metrics proxy`). */
  readonly backendName?: string;
  /** Extra headers on every query (a Consul token, a tenant header). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly http?: AxiosInstance;
}

/**
 * Prometheus HTTP API client, on axios. Queries go as form-encoded POSTs (the documented way for
 * long queries, and it keeps them out of access logs). Every answer is validated; transport
 * failures, time-outs and bad answers become distinct error classes.
 */
export class PrometheusClient implements QueryEngine {
  readonly #http: AxiosInstance;
  readonly #timeoutMs: number;
  readonly #queryPath: string;
  readonly #backend: string;
  readonly #displayUrl: string;
  readonly #headers: Readonly<Record<string, string>>;

  constructor(options: PrometheusClientOptions) {
    this.#timeoutMs = options.timeoutMs;
    this.#queryPath = (options.queryPath ?? "api/v1/query").replace(/^\/+/, "");
    this.#backend = options.backendName ?? "Prometheus";
    this.#displayUrl = displayUrl(options.baseUrl, this.#queryPath);
    this.#headers = options.headers ?? {};
    this.#http =
      options.http ??
      axios.create({
        baseURL: options.baseUrl,
        responseType: "text",
        transformResponse: (data: unknown) => data,
        validateStatus: () => true,
        maxRedirects: 0,
      });
  }

  /** Runs one instant query and returns its vector; anything other than a vector is an error. */
  async instantQuery(query: string, time: Date): Promise<InstantVector> {
    const signal = AbortSignal.timeout(this.#timeoutMs);
    const form = new URLSearchParams({
      query,
      time: (time.getTime() / 1000).toFixed(3),
      timeout: `${this.#timeoutMs}ms`,
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
        validateStatus: () => true,
      });
    } catch (error) {
      throw transportError(this.#backend, this.#displayUrl, this.#timeoutMs, error, signal);
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
