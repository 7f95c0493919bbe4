import { BackendResponseError, BackendTimeoutError, BackendUnreachableError } from "../errors/backend-errors";
import {
  AnswerTooLargeError,
  BadRequestError,
  ExpiredError,
  ForbiddenError,
  MethodNotAllowedError,
  NotAcceptableError,
  NotFoundError,
  NotReadyError,
  UnauthorizedError,
} from "../errors/request-errors";
import type { Status } from "../smi/schemas";

const status = (code: number, reason: Status["reason"], message: string): Status => ({
  kind: "Status",
  apiVersion: "v1",
  metadata: {},
  status: "Failure",
  message,
  reason,
  code,
});

/**
 * The one place errors become HTTP codes. Unknown errors are 500 with a generic message: their
 * text may hold internals, so it goes to the log, not to the caller.
 */
export function statusOf(error: unknown): Status {
  if (error instanceof BadRequestError) return status(400, "BadRequest", error.message);
  if (error instanceof UnauthorizedError) return status(401, "Unauthorized", error.message);
  if (error instanceof ForbiddenError) return status(403, "Forbidden", error.message);
  if (error instanceof NotFoundError) return status(404, "NotFound", error.message);
  if (error instanceof MethodNotAllowedError) return status(405, "MethodNotAllowed", error.message);
  if (error instanceof NotAcceptableError) return status(406, "NotAcceptable", error.message);
  if (error instanceof AnswerTooLargeError) return status(406, "NotAcceptable", error.message);
  if (error instanceof ExpiredError) return status(410, "Expired", error.message);
  if (error instanceof BackendResponseError) return status(502, "BadGateway", error.message);
  if (error instanceof BackendUnreachableError) return status(503, "ServiceUnavailable", error.message);
  if (error instanceof NotReadyError) return status(503, "ServiceUnavailable", error.message);
  if (error instanceof BackendTimeoutError) return status(504, "Timeout", error.message);
  return status(500, "InternalError", "internal error; see the function's log");
}

/** Headers an error answer must carry besides its body: `Allow` on a 405, as HTTP requires. */
export function statusHeaders(error: unknown): Record<string, string> {
  if (error instanceof MethodNotAllowedError) return { allow: error.allowed.join(", ") };
  // Whether the answer fits depends on the coding the client accepts, as the answer would.
  if (error instanceof AnswerTooLargeError) return { vary: "accept, accept-encoding" };
  return {};
}
