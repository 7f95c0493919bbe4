import type { z } from "zod";

/**
 * What a backend (Prometheus, Consul, the Kubernetes API, a webhook receiver) can fail with:
 * unreachable and timed out (transport failures), or an answer we cannot use.
 */

/** The metrics backend could not be reached at all (refused, reset, DNS). A transport failure. */
export class BackendUnreachableError extends Error {
  override readonly name = "BackendUnreachableError";
  constructor(
    readonly backend: string,
    readonly url: string,
    options: { cause?: unknown; detail?: string } = {},
  ) {
    super(`${backend} at ${url} is unreachable${options.detail ? `: ${options.detail}` : ""}`, {
      cause: options.cause,
    });
  }
}

/** The metrics backend did not answer within our deadline. A transport failure. */
export class BackendTimeoutError extends Error {
  override readonly name = "BackendTimeoutError";
  constructor(
    readonly backend: string,
    readonly url: string,
    readonly timeoutMs: number,
    options: { cause?: unknown; said?: string } = {},
  ) {
    // `said`: the backend (or a proxy in front of it) answered that it timed out, however soon.
    super(
      options.said === undefined
        ? `${backend} at ${url} did not answer within ${timeoutMs} ms`
        : `${backend} at ${url} timed out: ${options.said} (the query had ${timeoutMs} ms)`,
      { cause: options.cause },
    );
  }
}

/**
 * The backend answered, but with an error status or a body of the wrong shape. Kept apart from
 * transport failures: the backend is up, its answer is unusable.
 */
export class BackendResponseError extends Error {
  override readonly name = "BackendResponseError";
  readonly status: number | undefined;
  readonly url: string;
  readonly issues: readonly z.core.$ZodIssue[];
  readonly errorType: string | undefined;
  constructor(
    readonly backend: string,
    message: string,
    options: {
      url: string;
      status?: number;
      errorType?: string;
      issues?: readonly z.core.$ZodIssue[];
      cause?: unknown;
    },
  ) {
    super(message, { cause: options.cause });
    this.url = options.url;
    this.status = options.status;
    this.errorType = options.errorType;
    this.issues = options.issues ?? [];
  }
}

/**
 * A request sent with retries (a webhook delivery) failed on its last attempt, with an error
 * status or with no answer at all. Says how many attempts went out: a receiver may have got the
 * body even so, and the caller reports the count.
 */
export class BackendDeliveryError extends Error {
  override readonly name = "BackendDeliveryError";
  constructor(
    readonly backend: string,
    readonly url: string,
    readonly attempts: number,
    /** The last attempt's HTTP status; undefined when it got no answer. */
    readonly status: number | undefined,
    /** `HTTP <status>`, or the transport's error code (or message) when no answer came. */
    readonly reason: string,
    options: { cause?: unknown } = {},
  ) {
    super(`${backend} failed after ${attempts} attempt(s): ${reason}`, { cause: options.cause });
  }
}
