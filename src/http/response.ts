import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";

/** A JSON answer in API Gateway's v2 result shape. */
export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  };
}

/** Backend warnings as RFC 7234 `Warning` headers, the way Kubernetes APIs pass them on. */
export function warningHeader(warnings: readonly string[]): Record<string, string> {
  if (warnings.length === 0) return {};
  return { warning: warnings.map((w) => `299 - ${JSON.stringify(w.replace(/[\r\n]+/g, " "))}`).join(", ") };
}
