import type { AxiosError, AxiosInstance, AxiosResponse } from "axios";
import axiosRetry from "axios-retry";
import type { z } from "zod";
import { BackendDeliveryError } from "../errors/backend-errors";
import { type RequestLimits, requestBudget } from "./deadline";
import { createHttpInstance } from "./http-instance";
import { type AnswerWording, answerOf, defaultWording, type JsonAnswer, judgeAnswer } from "./json-answer";
import { type DeliveryRetry, deliveryRetry } from "./retries";
import { displayUrl } from "./transport-error";

type Headers = Readonly<Record<string, string>>;

export interface JsonClientOptions {
  /** What request paths are relative to, path prefix included; `user:pass@` never reaches messages. */
  readonly baseUrl: string;
  /** Names the backend in error messages (`Consul`, `Kubernetes API`, `webhook https://...`). */
  readonly backend: string;
  /** A read's whole budget (cut to its deadline); each attempt's own timeout for a post. */
  readonly timeoutMs: number;
  /** What to check when the backend refuses us (401/403), for the default wording. */
  readonly credentialHint?: string;
  /** Headers on every request, or a function that makes them per request (a token that expires). */
  readonly headers?: Headers | (() => Promise<Headers>);
  /** Query parameters on every read (Consul's `dc`). */
  readonly query?: Headers | undefined;
  /** PEM of the CA that signs the backend's certificate; absent: the system roots. */
  readonly caPem?: string | undefined;
  /** How errors of reads are worded; absent: `defaultWording(backend, credentialHint)`. */
  readonly wording?: AnswerWording;
}

/** One read's own settings. */
export interface JsonGetOptions<N> extends RequestLimits {
  /** Query parameters for this read, after the client's. */
  readonly query?: Headers;
  /** For reads where a 404 means "there is none": the answer to give instead of an error. */
  readonly notFound?: (answer: JsonAnswer) => N;
  /** Sees the headers of every answer, whatever its status (Consul's ACL filtering flag). */
  readonly onHeaders?: (headers: Readonly<Record<string, unknown>>) => void;
  /** How this read's errors are worded, when they name the read (the Kubernetes API's do). */
  readonly wording?: AnswerWording;
}

/** One post's own settings. */
export interface JsonPostOptions {
  readonly headers?: Headers;
  /** Headers that sign the body, made afresh before every attempt (so their timestamp is current). */
  readonly sign?: (body: string) => Headers;
  /** Absent: one attempt. */
  readonly retry?: DeliveryRetry;
}

/**
 * A JSON-over-HTTP client on axios, for the backends we read (Consul, the Kubernetes API) and the
 * receivers we post to (webhooks). It holds what every such client must do alike: an instance from
 * the factory (no redirects, no proxies), one timeout and deadline rule, one mapping of transport
 * failures, refusals, error statuses and bodies of the wrong shape to typed errors, zod at the
 * boundary. What differs per backend comes in as options: headers (made per request when a token
 * expires), a CA, default query parameters, the wording of its errors.
 */
export class JsonClient {
  readonly #http: AxiosInstance;
  readonly #options: JsonClientOptions;
  readonly #wording: AnswerWording;

  constructor(options: JsonClientOptions) {
    this.#options = options;
    this.#wording =
      options.wording ??
      defaultWording(options.backend, options.credentialHint ?? "the token or credentials configured for it");
    this.#http = createHttpInstance({ baseURL: options.baseUrl, caPem: options.caPem });
    // Nothing is retried unless a request asks (a post's `retry`): reads have one budget, no retries.
    axiosRetry(this.#http, { retries: 0 });
  }

  /** The URL of `path` as messages and logs may show it: no credentials, no query. */
  displayUrl(path: string): string {
    return displayUrl(this.#options.baseUrl, path);
  }

  /**
   * Reads `path` (which may carry its own query) as JSON of `schema`'s shape. Fails with
   * `BackendTimeoutError`/`BackendUnreachableError` when no answer comes in the budget (the
   * caller's reason when it aborted), and `BackendResponseError` for an unusable answer.
   */
  async get<T, N = never>(
    path: string,
    schema: z.ZodType<T>,
    options: JsonGetOptions<N> = {},
  ): Promise<T | N> {
    const url = this.displayUrl(path);
    const headers = await this.#headers();
    const budget = requestBudget(this.#options.backend, url, this.#options.timeoutMs, options);
    const params = { ...this.#options.query, ...options.query };
    let response: AxiosResponse<unknown>;
    try {
      response = await this.#http.get(path, {
        headers: { ...headers, accept: "application/json" },
        ...(Object.keys(params).length === 0 ? {} : { params }),
        signal: budget.signal,
        responseType: "text",
        transformResponse: (d: unknown) => d,
        validateStatus: () => true,
      });
    } catch (error) {
      throw budget.failed(error);
    }
    options.onHeaders?.(response.headers);
    const answer = answerOf(url, response);
    return judgeAnswer(
      this.#options.backend,
      answer,
      schema,
      options.wording ?? this.#wording,
      options.notFound,
    );
  }

  /**
   * Posts `body` as it is (its content type in `options.headers`) and resolves with the status of
   * the 2xx that took it and how many attempts went out; the answer's body is not read. Fails
   * with `BackendDeliveryError` once the last attempt failed.
   */
  async post(
    path: string,
    body: string,
    options: JsonPostOptions = {},
  ): Promise<{ status: number; attempts: number }> {
    const sign = options.sign ?? (() => ({}));
    // Counted as requests go out: one, and one more before each retry is sent.
    let attempts = 1;
    const retry =
      options.retry === undefined
        ? {}
        : {
            "axios-retry": deliveryRetry(options.retry, (config) => {
              attempts += 1;
              Object.assign(config.headers ?? {}, sign(String(config.data)));
            }),
          };
    try {
      const response = await this.#http.post(path, body, {
        headers: { ...(await this.#headers()), ...options.headers, ...sign(body) },
        timeout: this.#options.timeoutMs,
        transformRequest: (data: unknown) => data,
        ...retry,
      });
      return { attempts, status: response.status };
    } catch (error) {
      const failure = error as AxiosError;
      const status = failure.response?.status;
      const reason = status === undefined ? (failure.code ?? failure.message) : `HTTP ${status}`;
      throw new BackendDeliveryError(this.#options.backend, this.displayUrl(path), attempts, status, reason, {
        cause: error,
      });
    }
  }

  async #headers(): Promise<Headers> {
    const { headers } = this.#options;
    return typeof headers === "function" ? headers() : (headers ?? {});
  }
}

/** A JSON client for one backend; see `JsonClient`. */
export function createJsonClient(options: JsonClientOptions): JsonClient {
  return new JsonClient(options);
}
