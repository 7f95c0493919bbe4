import { createHmac } from "node:crypto";
import axios, { type AxiosError, type AxiosInstance } from "axios";
import axiosRetry, { exponentialDelay, isNetworkError } from "axios-retry";
import { displayUrl } from "../net/transport-error";
import { type RenderedReport, type ReportSink, SinkError } from "./sink";

export interface WebhookSinkOptions {
  readonly url: string;
  readonly secret?: string | undefined;
  readonly format: "json" | "markdown";
  readonly maxAttempts: number;
  /** First retry delay; later ones double, with jitter. */
  readonly baseDelayMs?: number;
  /** A `Retry-After` longer than this is not waited for: the attempt fails and Lambda retries later. */
  readonly maxRetryAfterMs?: number;
  readonly timeoutMs?: number;
  readonly http?: AxiosInstance;
  readonly now?: () => Date;
}

/**
 * `X-Signature-256: sha256=<hex>` over `<timestamp>.<body>`, as GitHub-style receivers verify it.
 * The timestamp is signed too, so a receiver can refuse stale replays.
 */
function signDelivery(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

function retryAfterMs(error: AxiosError): number | undefined {
  const header = error.response?.headers["retry-after"];
  if (typeof header !== "string") return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * POSTs the report to a URL. Network errors, 429 and 5xx are retried with exponential backoff and
 * jitter (honouring `Retry-After`), up to `maxAttempts`; any other 4xx is final, since sending the
 * same body again cannot fix it. Every attempt carries the same `Idempotency-Key`.
 */
export class WebhookSink implements ReportSink {
  readonly description: string;
  readonly #options: WebhookSinkOptions;
  readonly #http: AxiosInstance;

  constructor(options: WebhookSinkOptions) {
    this.#options = options;
    this.description = `webhook ${displayUrl(options.url, "").replace(/\/$/, "")}`;
    // Redirects and environment proxies are not followed (and not in the bundle).
    this.#http = options.http ?? axios.create({ maxRedirects: 0, proxy: false });
    const baseDelay = options.baseDelayMs ?? 500;
    const maxRetryAfter = options.maxRetryAfterMs ?? 30_000;
    axiosRetry(this.#http, {
      retries: options.maxAttempts - 1,
      // Each attempt gets the whole timeout: with one shared budget, a slow receiver or a
      // Retry-After longer than the timeout ended the delivery before maxAttempts.
      shouldResetTimeout: true,
      retryDelay: (count, error) => exponentialDelay(count, error, baseDelay),
      retryCondition: (error) => {
        const status = error.response?.status;
        if (status === undefined) return isNetworkError(error) || error.code === "ECONNABORTED";
        if (status !== 429 && status < 500) return false;
        return (retryAfterMs(error) ?? 0) <= maxRetryAfter;
      },
      onRetry: (_count, _error, config) => {
        // Each attempt is signed afresh, so its timestamp is current.
        Object.assign(config.headers ?? {}, this.#signedHeaders(String(config.data)));
      },
    });
  }

  #signedHeaders(body: string): Record<string, string> {
    const secret = this.#options.secret;
    if (secret === undefined) return {};
    const timestamp = String(Math.floor((this.#options.now?.() ?? new Date()).getTime() / 1000));
    return { "X-Timestamp": timestamp, "X-Signature-256": signDelivery(secret, timestamp, body) };
  }

  async deliver({ json, markdown }: RenderedReport, idempotencyKey: string) {
    const body = this.#options.format === "json" ? json : markdown;
    // Counted as requests go out, not from the retry state, which also counts a retry it gave up.
    let attempts = 0;
    const counting = this.#http.interceptors.request.use((config) => {
      if (config.headers?.["Idempotency-Key"] === idempotencyKey) attempts += 1;
      return config;
    });
    try {
      const response = await this.#http.post(this.#options.url, body, {
        headers: {
          "content-type":
            this.#options.format === "json" ? "application/json" : "text/markdown; charset=utf-8",
          "Idempotency-Key": idempotencyKey,
          ...this.#signedHeaders(body),
        },
        timeout: this.#options.timeoutMs ?? 10_000,
        transformRequest: (data: unknown) => data,
        maxRedirects: 0,
      });
      return { attempts, status: response.status };
    } catch (error) {
      const axiosError = error as AxiosError;
      const status = axiosError.response?.status;
      throw new SinkError(
        `${this.description} failed after ${attempts} attempt(s): ${status === undefined ? (axiosError.code ?? axiosError.message) : `HTTP ${status}`}`,
        attempts,
        status,
        { cause: error },
      );
    } finally {
      this.#http.interceptors.request.eject(counting);
    }
  }
}
