import type { AxiosError, AxiosRequestConfig } from "axios";
import { exponentialDelay, type IAxiosRetryConfig, isNetworkError } from "axios-retry";

/** How a delivery (a POST whose answer is only its status) is retried. */
export interface DeliveryRetry {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  /** First retry delay; later ones double, with jitter. */
  readonly baseDelayMs: number;
  /** A `Retry-After` longer than this is not waited for: the delivery fails now. */
  readonly maxRetryAfterMs: number;
}

/** The wait a 429 or 503 asks for (`Retry-After`, in seconds or as a date), in ms. */
function retryAfterMs(error: AxiosError): number | undefined {
  const header = error.response?.headers["retry-after"];
  if (typeof header !== "string") return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * axios-retry settings for one delivery. Network errors, attempts that timed out, 429 and 5xx are
 * retried with exponential backoff and jitter (honouring `Retry-After`); any other 4xx is final,
 * since sending the same body again cannot fix it. Each attempt gets the whole timeout: with one
 * shared budget, a slow receiver or a Retry-After longer than the timeout ended the delivery
 * before its last attempt. `beforeRetry` runs before each retry, with the config it will send.
 */
export function deliveryRetry(
  policy: DeliveryRetry,
  beforeRetry: (config: AxiosRequestConfig) => void,
): IAxiosRetryConfig {
  return {
    retries: policy.attempts - 1,
    shouldResetTimeout: true,
    retryDelay: (count, error) => exponentialDelay(count, error, policy.baseDelayMs),
    retryCondition: (error) => {
      const status = error.response?.status;
      if (status === undefined) return isNetworkError(error) || error.code === "ECONNABORTED";
      if (status !== 429 && status < 500) return false;
      return (retryAfterMs(error) ?? 0) <= policy.maxRetryAfterMs;
    },
    onRetry: (_count, _error, config) => beforeRetry(config),
  };
}
