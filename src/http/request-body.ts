import { BadRequestError } from "../errors/request-errors";
import type { RouteRequest } from "./route-table";

/** The request's body as JSON; a body that is not JSON is the caller's mistake. */
export function jsonBody({ event }: RouteRequest): unknown {
  const raw =
    event.body === undefined
      ? ""
      : event.isBase64Encoded
        ? Buffer.from(event.body, "base64").toString("utf8")
        : event.body;
  try {
    return JSON.parse(raw);
  } catch (cause) {
    throw new BadRequestError("the body is not JSON; send Flagger's webhook payload as application/json", {
      cause,
    });
  }
}
