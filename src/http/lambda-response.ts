import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { AnswerTooLargeError } from "../errors/request-errors";
import { COMPRESS_THRESHOLD_BYTES, type Coding, negotiateCoding } from "./encoding";
import { warningHeader } from "./response";
import type { ResponseBody } from "./response-body";
import type { RenderedResponse } from "./response-cache";

/**
 * A synchronous Lambda response's limit: the whole result object as Lambda serializes it, body
 * base64 or JSON-escaped included. API Gateway HTTP APIs do not compress for us.
 */
export const LAMBDA_RESPONSE_LIMIT_BYTES = 6_291_456;

/** Bytes Lambda would send for a result: the result object as JSON. */
export function lambdaPayloadBytes(result: APIGatewayProxyStructuredResultV2): number {
  return Buffer.byteLength(JSON.stringify(result));
}

/**
 * Turns an answer into API Gateway's result: compressed when the client allows it and the body is
 * worth it, and refused with advice (never truncated) when Lambda could not send it.
 */
export function lambdaResponse(
  answer: RenderedResponse,
  acceptEncoding: string | undefined,
): APIGatewayProxyStructuredResultV2 {
  const headers = {
    "content-type": answer.contentType ?? "application/json",
    // SMI reads answer a Table or the plain object depending on Accept.
    vary: "accept, accept-encoding",
    ...warningHeader(answer.warnings),
  };
  const coding = answer.body.length >= COMPRESS_THRESHOLD_BYTES ? negotiateCoding(acceptEncoding) : undefined;
  const response =
    coding === undefined
      ? { statusCode: answer.status, headers, body: answer.body.json }
      : compressed(answer.status, headers, answer.body, coding);
  // A body under half the limit cannot exceed it however it is escaped: skip the measuring.
  if ((response.body?.length ?? 0) < LAMBDA_RESPONSE_LIMIT_BYTES / 2) return response;
  const bytes = lambdaPayloadBytes(response);
  if (bytes <= LAMBDA_RESPONSE_LIMIT_BYTES) return response;
  throw new AnswerTooLargeError(
    answer.body.length,
    bytes,
    LAMBDA_RESPONSE_LIMIT_BYTES,
    advice(answer, coding, headers),
  );
}

function compressed(
  statusCode: number,
  headers: Record<string, string>,
  body: ResponseBody,
  coding: Coding,
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { ...headers, "content-encoding": coding },
    body: body.encoded(coding).toString("base64"),
    isBase64Encoded: true,
  };
}

/** How the caller can get an answer that does not fit: compression if that is enough, else pages. */
function advice(
  answer: RenderedResponse,
  coding: Coding | undefined,
  headers: Record<string, string>,
): string {
  const plain = { statusCode: answer.status, headers, body: answer.body.json };
  const paging = pageAdvice(answer.items, lambdaPayloadBytes(plain));
  if (coding === undefined) {
    const gzipped = lambdaPayloadBytes(compressed(answer.status, headers, answer.body, "gzip"));
    if (gzipped <= LAMBDA_RESPONSE_LIMIT_BYTES) {
      return `it fits compressed (${gzipped.toLocaleString("en")} bytes gzip-compressed, as Lambda carries it in base64): send Accept-Encoding: gzip${paging ? `, or ${paging}` : ""}`;
    }
  }
  return `it does not fit even compressed${paging ? `: ${paging}` : ""}`;
}

/**
 * A page size whose pages fit even uncompressed: about half the limit each, rounded down to a
 * round number of items. Empty for an answer that is not a list.
 */
function pageAdvice(items: number | undefined, plainBytes: number): string {
  if (items === undefined || items === 0) return "";
  const perPage = Math.max(1, Math.floor((items * LAMBDA_RESPONSE_LIMIT_BYTES) / 2 / plainBytes));
  const round = 10 ** (String(perPage).length - 1);
  return `ask for pages with ?limit=${Math.floor(perPage / round) * round} and follow metadata.continue`;
}
