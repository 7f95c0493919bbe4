import type { z } from "zod";

/**
 * Errors the API can answer with. Each class says what went wrong in typed fields; the mapping
 * to an HTTP status lives in one place (`src/http/status.ts`), so handlers never pick codes.
 */

/** The caller sent something we do not accept: a bad window, time, name or body. */
export class BadRequestError extends Error {
  override readonly name = "BadRequestError";
  readonly issues: readonly z.core.$ZodIssue[];
  constructor(message: string, options: { issues?: readonly z.core.$ZodIssue[]; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.issues = options.issues ?? [];
  }
}

/** The path, version or kind does not exist for the configured mesh. */
export class NotFoundError extends Error {
  override readonly name = "NotFoundError";
}

/** The method is not served on an existing path. */
export class MethodNotAllowedError extends Error {
  override readonly name = "MethodNotAllowedError";
  constructor(
    message: string,
    readonly allowed: readonly string[],
  ) {
    super(message);
  }
}

/** The client accepts no representation the route can write (its `Accept` header). */
export class NotAcceptableError extends Error {
  override readonly name = "NotAcceptableError";
}

/**
 * An SMI API answered a client (the CLI) with a `Status`. Its message already says what was
 * wrong and what is accepted, so the client passes it on as it came.
 */
export class ApiStatusError extends Error {
  override readonly name = "ApiStatusError";
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** Credentials are missing or wrong. */
export class UnauthorizedError extends Error {
  override readonly name = "UnauthorizedError";
}

/** The caller is known or anonymous, and this deployment does not let it in. */
export class ForbiddenError extends Error {
  override readonly name = "ForbiddenError";
}

/** The environment does not describe a runnable service; raised at start-up, never per request. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly issues: readonly z.core.$ZodIssue[];
  constructor(message: string, issues: readonly z.core.$ZodIssue[]) {
    super(message);
    this.issues = issues;
  }
}

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
 * An answer larger than a synchronous Lambda response may be (after any compression and base64).
 * Never truncated: the caller is told how to get it, by compression, by pages, or both.
 */
export class AnswerTooLargeError extends Error {
  override readonly name = "AnswerTooLargeError";
  constructor(
    /** The length of the answer's own JSON, as a client would receive it. */
    readonly bodyChars: number,
    /** The Lambda response that would carry it: the body JSON-escaped (or base64) in a result object. */
    readonly bytes: number,
    readonly limitBytes: number,
    readonly advice: string,
  ) {
    super(
      `the answer is ${bodyChars.toLocaleString("en")} characters of JSON, ${bytes.toLocaleString("en")} bytes as the Lambda response that carries it (escaped), over the ${limitBytes.toLocaleString("en")} bytes a Lambda response may carry; ${advice}`,
    );
  }
}

/** A `continue` token that was valid once but can no longer give a consistent next page. */
export class ExpiredError extends Error {
  override readonly name = "ExpiredError";
}

/** The deployment cannot answer with numbers that mean something yet (`/readyz`). */
export class NotReadyError extends Error {
  override readonly name = "NotReadyError";
}
