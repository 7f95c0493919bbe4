import type { z } from "zod";

/**
 * What a request can fail with, besides the backend: each class says what went wrong in typed
 * fields; the mapping to an HTTP status lives in one place (`src/http/status.ts`).
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

/** Credentials are missing or wrong. */
export class UnauthorizedError extends Error {
  override readonly name = "UnauthorizedError";
}

/** The caller is known or anonymous, and this deployment does not let it in. */
export class ForbiddenError extends Error {
  override readonly name = "ForbiddenError";
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
