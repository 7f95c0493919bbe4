import { createHmac } from "node:crypto";
import { BackendDeliveryError } from "../errors/backend-errors";
import { createJsonClient, type JsonClient } from "../net/json-client";
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
  readonly now?: () => Date;
}

/**
 * `X-Signature-256: sha256=<hex>` over `<timestamp>.<body>`, as GitHub-style receivers verify it.
 * The timestamp is signed too, so a receiver can refuse stale replays.
 */
function signDelivery(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/**
 * POSTs the report to a URL, through the JSON client's delivery: network errors, 429 and 5xx are
 * retried with exponential backoff and jitter (honouring `Retry-After`), up to `maxAttempts`; any
 * other 4xx is final, since sending the same body again cannot fix it. Every attempt carries the
 * same `Idempotency-Key`, and is signed afresh.
 */
export class WebhookSink implements ReportSink {
  readonly description: string;
  readonly #options: WebhookSinkOptions;
  readonly #client: JsonClient;

  constructor(options: WebhookSinkOptions) {
    this.#options = options;
    this.description = `webhook ${displayUrl(options.url, "").replace(/\/$/, "")}`;
    // The URL is the base and the post's path is empty: the request goes to the URL as it is.
    this.#client = createJsonClient({
      baseUrl: options.url,
      backend: this.description,
      timeoutMs: options.timeoutMs ?? 10_000,
    });
  }

  #signedHeaders(body: string): Record<string, string> {
    const secret = this.#options.secret;
    if (secret === undefined) return {};
    const timestamp = String(Math.floor((this.#options.now?.() ?? new Date()).getTime() / 1000));
    return { "X-Timestamp": timestamp, "X-Signature-256": signDelivery(secret, timestamp, body) };
  }

  async deliver({ json, markdown }: RenderedReport, idempotencyKey: string) {
    const { format, maxAttempts, baseDelayMs, maxRetryAfterMs } = this.#options;
    const body = format === "json" ? json : markdown;
    try {
      return await this.#client.post("", body, {
        headers: {
          "content-type": format === "json" ? "application/json" : "text/markdown; charset=utf-8",
          "Idempotency-Key": idempotencyKey,
        },
        sign: (signed) => this.#signedHeaders(signed),
        retry: {
          attempts: maxAttempts,
          baseDelayMs: baseDelayMs ?? 500,
          maxRetryAfterMs: maxRetryAfterMs ?? 30_000,
        },
      });
    } catch (error) {
      if (!(error instanceof BackendDeliveryError)) throw error;
      // The cause stays the transport's error, as the delivery's own error adds nothing to it.
      throw new SinkError(error.message, error.attempts, error.status, { cause: error.cause });
    }
  }
}
