import { BackendTimeoutError } from "../errors/backend-errors";
import { transportError } from "./transport-error";

/** Limits on one request that come from the request being answered. */
export interface RequestLimits {
  /** Epoch ms by which the answer is needed (the Lambda's remaining time, less a margin). */
  readonly deadline?: number | undefined;
  /** Gives up on the request (its answer is no longer wanted), closing the connection. */
  readonly signal?: AbortSignal | undefined;
}

/** The time one request has, and how it ends when no answer comes. */
export interface RequestBudget {
  /** The client's timeout, cut to the deadline: what the request (and the backend) may take. */
  readonly ms: number;
  /** Aborts when the budget is spent or the caller gives up. */
  readonly signal: AbortSignal;
  /**
   * What a request that got no answer fails with: the caller's own reason when it gave up (it
   * is not a time-out), else a transport error (timed out or unreachable).
   */
  failed(error: unknown): unknown;
}

/**
 * The one timeout and deadline rule of every client that waits for an answer: a request has the
 * client's timeout or what is left before the deadline, whichever is less; one with nothing left
 * is not sent at all, since its answer would come too late to be used.
 */
export function requestBudget(
  backend: string,
  url: string,
  timeoutMs: number,
  limits: RequestLimits = {},
): RequestBudget {
  const ms = limits.deadline === undefined ? timeoutMs : Math.min(timeoutMs, limits.deadline - Date.now());
  if (ms <= 0) throw new BackendTimeoutError(backend, url, 0);
  const cancel = limits.signal;
  const signal =
    cancel === undefined ? AbortSignal.timeout(ms) : AbortSignal.any([AbortSignal.timeout(ms), cancel]);
  return {
    ms,
    signal,
    failed: (error) => (cancel?.aborted ? cancel.reason : transportError(backend, url, ms, error, signal)),
  };
}
