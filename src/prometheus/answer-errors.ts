import { BackendResponseError, BackendTimeoutError, BackendUnreachableError } from "../errors/backend-errors";
import { bodySnippet as snippet } from "../net/transport-error";
import { EnvelopeSchema } from "./envelope";

/** Error bodies are read for a message; one larger than this is not an error message. */
const MAX_ERROR_BODY_BYTES = 1024 * 1024;

type Extra = { errorType?: string; issues?: BackendResponseError["issues"]; cause?: unknown };

/**
 * What a Prometheus answer that cannot be used fails with. Apart from the transport, because
 * deciding it is most of the client: the status decides first (a proxy's 503 or 504), then the
 * engine's own error envelope, then the body's type and shape. Messages name the backend
 * (`Prometheus`, `Consul metrics proxy`) and its display URL, never credentials.
 */
export class AnswerErrors {
  constructor(
    readonly backend: string,
    readonly url: string,
    /** What to check when the backend refuses us (401/403). */
    readonly credentialHint: string,
  ) {}

  /** An answer we cannot use: `what` follows the backend's name in the message. */
  response(what: string, status: number, extra: Extra = {}): BackendResponseError {
    return new BackendResponseError(this.backend, `${this.backend} ${what}`, {
      url: this.url,
      status,
      ...extra,
    });
  }

  /** A body that is not a Prometheus query response: its first three zod issues. */
  shape(status: number, issues: BackendResponseError["issues"]): BackendResponseError {
    return this.response(
      `answered with a body that is not a Prometheus query response: ${issues
        .slice(0, 3)
        .map((i) => `${i.path.join(".")}: ${i.message}`)
        .join("; ")}`,
      status,
      { issues },
    );
  }

  /**
   * Reads a response that is not a 2xx JSON body for its message (only so far: an error message
   * is not megabytes long) and says why it cannot be used. `budgetMs` is the time the query had.
   */
  async ofBody(
    status: number,
    contentType: string,
    read: (consume: (chunk: Buffer) => void) => Promise<void>,
    budgetMs: number,
  ): Promise<Error> {
    const chunks: Buffer[] = [];
    let size = 0;
    await read((chunk) => {
      size += chunk.length;
      if (size > MAX_ERROR_BODY_BYTES) {
        throw status === 503 || status === 504
          ? this.failure(status, "", `(a body over ${MAX_ERROR_BODY_BYTES} bytes)`, budgetMs)
          : this.response(`answered HTTP ${status} with a body over ${MAX_ERROR_BODY_BYTES} bytes`, status);
      }
      chunks.push(chunk);
    });
    const text = Buffer.concat(chunks)
      .toString("utf8")
      .replace(/^\uFEFF/, "");
    return this.failure(status, contentType, text, budgetMs);
  }

  /**
   * Why a response that is not a 2xx JSON body cannot be used. The status decides first: a proxy's
   * 503 or 504 is unavailability or a time-out whatever its body looks like; the body only refines
   * an answer that has no such meaning. `budgetMs` is the time this query had.
   */
  failure(status: number, contentType: string, text: string, budgetMs: number): Error {
    const isJson = contentType.includes("json");
    let body: unknown;
    let malformed: unknown;
    if (isJson) {
      try {
        body = JSON.parse(text);
      } catch (cause) {
        malformed = cause;
      }
    }
    const envelope = body === undefined ? undefined : EnvelopeSchema.safeParse(body);
    const error = envelope?.success && envelope.data.status === "error" ? envelope.data : undefined;
    if (status === 504 || error?.errorType === "timeout") {
      const said = error?.errorType === "timeout" ? `(timeout) ${error.error}` : `HTTP 504 ${snippet(text)}`;
      return new BackendTimeoutError(this.backend, this.url, budgetMs, { said });
    }
    if (status === 503) {
      return new BackendUnreachableError(this.backend, this.url, { detail: `HTTP 503 ${snippet(text)}` });
    }
    if (status >= 200 && status <= 299) {
      // A 2xx with a JSON content type is read as a vector; this one had another type.
      return this.response(
        `answered HTTP ${status} with content type "${contentType}" instead of JSON: ${snippet(text)}`,
        status,
      );
    }
    if (error !== undefined) {
      return this.response(`answered HTTP ${status} (${error.errorType}): ${error.error}`, status, {
        errorType: error.errorType,
      });
    }
    if (status === 401 || status === 403) {
      return this.response(
        `refused the request (HTTP ${status}): ${snippet(text)}. Check ${this.credentialHint}`,
        status,
      );
    }
    if (malformed !== undefined) {
      return this.response(`answered HTTP ${status} with malformed JSON`, status, { cause: malformed });
    }
    return this.response(
      `answered HTTP ${status} with ${isJson ? "an unexpected JSON body" : `a non-JSON body (${contentType || "no content type"})`}: ${snippet(text)}`,
      status,
    );
  }
}
