import { pipeline } from "node:stream";
import { constants, createGunzip } from "node:zlib";
import { type AxiosInstance, type AxiosResponse, isAxiosError } from "axios";
import axiosRetry, { exponentialDelay, isNetworkError } from "axios-retry";
import { createHttpInstance } from "../net/http-instance";
import type { RequestSigner } from "./sigv4";

/** How queries reach a Prometheus-compatible endpoint. */
export interface TransportOptions {
  /** Base URL, path prefix included; `user:pass@` in it becomes basic auth. */
  readonly baseUrl: string;
  /** Path of the query endpoint below the base URL, without a leading slash. */
  readonly queryPath: string;
  /** Extra headers on every query (a Consul token, `X-Scope-OrgID`). */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly bearerToken?: string | undefined;
  /** Signs each request last, over its final headers and body (SigV4 for AMP). */
  readonly signer?: RequestSigner | undefined;
  /** Attempts for connection errors and 503s, with jittered exponential backoff. */
  readonly retry?: { readonly attempts: number; readonly baseDelayMs: number } | undefined;
}

/** Node error codes that mean the connection itself failed, so trying again may help. */
const RETRYABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
]);

/** Inflate output per chunk: four times zlib's default, so a 22 MB answer takes 350 trips to the thread pool, not 1,400. */
const INFLATE_CHUNK_BYTES = 64 * 1024;

/**
 * The body of a response as a stream: a gzip body inflated here rather than by axios, in larger
 * chunks (`INFLATE_CHUNK_BYTES`); anything else as it came.
 */
export function inflated(response: AxiosResponse<unknown>): unknown {
  const data = response.data as NodeJS.ReadableStream | undefined;
  if (
    String(response.headers["content-encoding"] ?? "").toLowerCase() !== "gzip" ||
    data?.pipe === undefined
  ) {
    return data;
  }
  const gunzip = createGunzip({
    chunkSize: INFLATE_CHUNK_BYTES,
    flush: constants.Z_SYNC_FLUSH,
    finishFlush: constants.Z_SYNC_FLUSH,
  });
  // An error on either side ends the other; it surfaces where the body is read.
  return pipeline(data, gunzip, () => {});
}

/** Splits `user:pass@` off a base URL: axios sends it as basic auth, and it never reaches a message. */
function withoutCredentials(baseUrl: string): {
  baseURL: string;
  auth?: { username: string; password: string };
} {
  const base = new URL(baseUrl);
  const auth =
    base.username === ""
      ? undefined
      : { username: decodeURIComponent(base.username), password: decodeURIComponent(base.password) };
  base.username = "";
  base.password = "";
  return { baseURL: base.toString(), ...(auth === undefined ? {} : { auth }) };
}

/**
 * The request side of the Prometheus client: form-encoded POSTs whose answers are streamed, not
 * buffered (the client reads them as they arrive), on an instance from the shared factory.
 * Connection errors and 503s are retried within the request's signal; a signer signs every
 * attempt afresh.
 */
export class PrometheusTransport {
  readonly #http: AxiosInstance;
  readonly #queryPath: string;
  readonly #rangePath: string;
  readonly #headers: Readonly<Record<string, string>>;

  constructor(options: TransportOptions) {
    this.#queryPath = options.queryPath;
    // `/api/v1/query_range` beside `/api/v1/query`, below any prefix (Consul's metrics proxy too).
    this.#rangePath = options.queryPath.replace(/query$/, "query_range");
    const { baseURL, auth } = withoutCredentials(options.baseUrl);
    this.#headers = {
      ...options.headers,
      ...(options.bearerToken === undefined ? {} : { authorization: `Bearer ${options.bearerToken}` }),
    };
    this.#http = createHttpInstance({
      baseURL,
      ...(auth === undefined ? {} : { auth }),
      responseType: "stream",
      transformResponse: (data: unknown) => data,
    });
    this.#retry(options.retry ?? { attempts: 3, baseDelayMs: 100 });
    if (options.signer !== undefined) {
      const base = baseURL.endsWith("/") ? baseURL : `${baseURL}/`;
      this.#sign(options.signer, (path) => new URL(path, base));
    }
  }

  /**
   * Sends one query form. Resolves with whatever status answered (a 503 too, once the retries
   * are spent), its body an unread stream; rejects only when no answer came.
   */
  async post(form: string, signal: AbortSignal, range = false): Promise<AxiosResponse<unknown>> {
    try {
      return await this.#http.post(range ? this.#rangePath : this.#queryPath, form, {
        headers: {
          ...this.#headers,
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
          "accept-encoding": "gzip",
        },
        signal,
        responseType: "stream",
        decompress: false,
        transformResponse: (data: unknown) => data,
        // 503 is thrown so it can be retried; every other status is judged by the caller.
        validateStatus: (status) => status !== 503,
      });
    } catch (error) {
      const answered = isAxiosError(error) ? error.response : undefined;
      if (answered === undefined) throw error;
      return answered;
    }
  }

  #retry(retry: { readonly attempts: number; readonly baseDelayMs: number }): void {
    axiosRetry(this.#http, {
      retries: retry.attempts - 1,
      retryDelay: (count, error) => exponentialDelay(count, error, retry.baseDelayMs),
      retryCondition: (error) => {
        if (error.config?.signal instanceof AbortSignal && error.config.signal.aborted) return false;
        if (error.response !== undefined) return error.response.status === 503;
        return RETRYABLE_CODES.has(error.code ?? "") || isNetworkError(error);
      },
      // The 503's body is not read: release its connection before trying again.
      onRetry: (_count, error) => (error.response?.data as { destroy?: () => void } | undefined)?.destroy?.(),
    });
  }

  #sign(signer: RequestSigner, endpoint: (path: string) => URL): void {
    // Runs on every attempt, so a retried request is signed afresh.
    this.#http.interceptors.request.use(async (config) => {
      const headers = Object.fromEntries(
        Object.entries(config.headers?.toJSON() ?? {}).filter(
          (e): e is [string, string] => typeof e[1] === "string",
        ),
      );
      const signed = await signer({
        method: "POST",
        url: endpoint(config.url ?? this.#queryPath),
        headers,
        body: String(config.data ?? ""),
      });
      for (const [name, value] of Object.entries(signed)) config.headers.set(name, value);
      return config;
    });
  }
}
