import type { AxiosResponse } from "axios";
import type { z } from "zod";
import { BackendResponseError } from "../errors/backend-errors";
import { bodySnippet } from "./transport-error";

/** An HTTP answer to a JSON read, as the wording of its errors sees it. */
export interface JsonAnswer {
  /** The URL as messages show it: no credentials, no query added by the client. */
  readonly url: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, unknown>>;
  readonly text: string;
  /** The body parsed as JSON; `undefined` when it is not JSON (`jsonError` says why). */
  readonly json: unknown;
  readonly jsonError: unknown;
}

/** An error's message, and the backend's own name for the error when it gave one. */
interface WordedError {
  readonly message: string;
  readonly errorType?: string;
}

/**
 * How one backend words the errors of a JSON read. The mapping (which status is which error, in
 * which order) is the client's; the words are the backend's, since each names its own settings
 * and permissions, and messages are compared byte for byte by callers and golden records.
 */
export interface AnswerWording {
  /** HTTP 401 or 403: our credentials were not accepted. */
  refused(answer: JsonAnswer): WordedError;
  /** Any other status outside 200-299 (a 404 too, unless the read takes 404 as "none"). */
  failed(answer: JsonAnswer): WordedError;
  /** A 2xx whose body is not JSON. */
  notJson(answer: JsonAnswer): string;
  /** A 2xx JSON body of the wrong shape. */
  unexpected(answer: JsonAnswer, issues: readonly z.core.$ZodIssue[]): string;
}

/** The wording of a backend with nothing to add: its name, the status, a snippet of the body. */
export function defaultWording(backend: string, credentialHint: string): AnswerWording {
  return {
    refused: ({ status, text }) => ({
      message: `${backend} refused the request (HTTP ${status}): ${bodySnippet(text)}. Check ${credentialHint}`,
    }),
    failed: ({ status, text }) => ({ message: `${backend} answered HTTP ${status}: ${bodySnippet(text)}` }),
    notJson: () => `${backend} answered with malformed JSON`,
    unexpected: (_answer, issues) => `${backend} answered an unexpected body: ${issues[0]?.message}`,
  };
}

/** Reads an axios answer taken as text (`responseType: "text"`, no transform) into a `JsonAnswer`. */
export function answerOf(url: string, response: AxiosResponse<unknown>): JsonAnswer {
  const text = typeof response.data === "string" ? response.data : "";
  let json: unknown;
  let jsonError: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    jsonError = error;
  }
  return { url, status: response.status, headers: response.headers, text, json, jsonError };
}

/** What a read does with a 404 when 404 means "there is none": gives this answer instead. */
export type NotFound<N> = ((answer: JsonAnswer) => N) | undefined;

/**
 * The one mapping of an answer to a body or a typed error: a 404 the read expects is its
 * `notFound` answer; 401/403 are refusals; any other non-2xx, a body that is not JSON and a body
 * of the wrong shape are `BackendResponseError`s (the backend is up, its answer unusable).
 */
export function judgeAnswer<T, N>(
  backend: string,
  answer: JsonAnswer,
  schema: z.ZodType<T>,
  wording: AnswerWording,
  notFound: NotFound<N>,
): T | N {
  const { url, status } = answer;
  if (status === 404 && notFound !== undefined) return notFound(answer);
  if (status === 401 || status === 403 || status < 200 || status > 299) {
    const worded = status === 401 || status === 403 ? wording.refused(answer) : wording.failed(answer);
    throw new BackendResponseError(backend, worded.message, {
      url,
      status,
      ...(worded.errorType === undefined ? {} : { errorType: worded.errorType }),
    });
  }
  if (answer.json === undefined) {
    throw new BackendResponseError(backend, wording.notJson(answer), {
      url,
      status,
      cause: answer.jsonError,
    });
  }
  const parsed = schema.safeParse(answer.json);
  if (!parsed.success) {
    throw new BackendResponseError(backend, wording.unexpected(answer, parsed.error.issues), {
      url,
      status,
      issues: parsed.error.issues,
    });
  }
  return parsed.data;
}
