import { warningTexts } from "../topology/source";
import { tokenOf } from "./auth";

/** Where the SMI answers are, on this page's own origin. */
const SMI_ROOT = "/apis/metrics.smi-spec.io/v1alpha2";

/** An answer the API refused or failed: its status and the message of its `Status` body. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** One Warning the API returned, and which of the view's calls it came with. */
export interface ViewWarning {
  readonly call: string;
  readonly text: string;
}

/**
 * The calls one rendering of a view makes: how many, and every Warning they returned, which the
 * view must show. A new rendering aborts the one before it, so a slow answer never paints over a
 * newer view.
 */
export class ViewCalls {
  readonly warnings: ViewWarning[] = [];
  readonly paths: string[] = [];
  readonly #abort = new AbortController();

  abort(): void {
    this.#abort.abort();
  }

  get aborted(): boolean {
    return this.#abort.signal.aborted;
  }

  /** GETs an SMI path (below the version) with a query; the body as JSON, or an `ApiError`. */
  async get<T>(path: string, query: URLSearchParams): Promise<T> {
    const url = `${SMI_ROOT}${path}?${query.toString()}`;
    this.paths.push(url);
    const token = tokenOf();
    const response = await fetch(url, {
      headers: {
        accept: "application/json",
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      signal: this.#abort.signal,
      credentials: "omit",
      cache: "no-store",
    });
    for (const text of warningTexts(response.headers.get("warning"))) {
      if (!this.warnings.some((w) => w.text === text)) this.warnings.push({ call: path, text });
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (!response.ok) throw errorOf(response.status, body);
    return body as T;
  }
}

/** The `Status` an error answer carries, or what the gateway said instead. */
function errorOf(status: number, body: unknown): ApiError {
  const fields = (body ?? {}) as { kind?: unknown; reason?: unknown; message?: unknown };
  const message = typeof fields.message === "string" ? fields.message : `the API answered HTTP ${status}`;
  const reason = typeof fields.reason === "string" ? fields.reason : `HTTP ${status}`;
  return new ApiError(status, reason, message);
}

/** A path segment: names from the URL or from answers are encoded, never pasted raw. */
export const seg = (text: string) => encodeURIComponent(text);
