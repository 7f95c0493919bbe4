import { isAxiosError } from "axios";
import { BackendTimeoutError, BackendUnreachableError } from "../errors/backend-errors";

/**
 * Classifies a failed request that got no HTTP answer: our deadline passed (timeout) or the
 * connection failed (unreachable). Shared by every backend client so both read failures alike.
 */
export function transportError(
  backend: string,
  url: string,
  timeoutMs: number,
  error: unknown,
  signal: AbortSignal,
): BackendTimeoutError | BackendUnreachableError {
  const code = isAxiosError(error) ? error.code : undefined;
  if (signal.aborted || code === "ECONNABORTED" || code === "ETIMEDOUT") {
    return new BackendTimeoutError(backend, url, timeoutMs, { cause: error });
  }
  return new BackendUnreachableError(backend, url, { cause: error, detail: code ?? "connection failed" });
}

/** The URL as it may appear in messages and logs: no user, no password, no query. */
export function displayUrl(base: string, path: string): string {
  const url = new URL(base);
  url.username = "";
  url.password = "";
  url.search = "";
  return `${url.toString().replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}

/** A short, tag-free excerpt of a response body for error messages. */
export function bodySnippet(text: string): string {
  const flat = text
    .replace(/<[^>]*>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat || "(empty body)";
}
