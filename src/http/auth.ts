import { createHash, timingSafeEqual } from "node:crypto";
import type { Config } from "../config/settings";
import { ForbiddenError, UnauthorizedError } from "../errors/request-errors";
import { jsonBody } from "./request-body";
import type { RouteAuth, RouteRequest } from "./route-table";

/**
 * Compares a presented secret with the expected one in constant time. Both are hashed first so the
 * comparison takes the same time whatever their lengths.
 */
function secretsMatch(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

/** `Authorization: Bearer <token>`, or undefined. */
function bearerToken(headers: Readonly<Record<string, string | undefined>>): string | undefined {
  const value = headers.authorization ?? headers.Authorization;
  const match = value === undefined ? null : /^Bearer\s+(.+)$/i.exec(value.trim());
  return match?.[1];
}

/** Throws a 401 unless no token is configured or the presented one matches. Never echoes either. */
function requireToken(presented: string | undefined, expected: string | undefined, how: string): void {
  if (expected !== undefined && !secretsMatch(presented, expected)) {
    throw new UnauthorizedError(`missing or wrong token; send it as ${how}`);
  }
}

/** How the deployment locks its routes: `API_AUTH`, `API_TOKEN`, `WEBHOOK_TOKEN`, and whether it runs in Lambda. */
type AuthSettings = Pick<Config, "apiAuth" | "webhookToken" | "lambdaFunctionName">;

/**
 * Checks a request against its route's lock, before any answer (cached or not) is produced. Under
 * `iam` and `jwt` the gateway has already authorized `api` routes, and the `Authorization` header
 * carries its SigV4 signature or JWT, so the function checks no token of its own there.
 */
export function authorize(auth: RouteAuth, request: RouteRequest, settings: AuthSettings): void {
  const { apiAuth } = settings;
  if (auth === "api" && apiAuth.mode === "none") {
    requireToken(bearerToken(request.event.headers ?? {}), apiAuth.token, "Authorization: Bearer <token>");
  }
  // Deployed, a webhook without a token is refused rather than open: no gateway authorizer guards
  // it, and it judges any workload it is asked about.
  if (
    auth === "webhook" &&
    settings.webhookToken === undefined &&
    settings.lambdaFunctionName !== undefined
  ) {
    throw new ForbiddenError(
      "the Flagger webhook is off in this deployment: it has no WEBHOOK_TOKEN (parameter webhookToken) to check callers against. Set one to turn it on",
    );
  }
  if (auth === "webhook" && settings.webhookToken !== undefined) {
    const metadata = (jsonBody(request) as { metadata?: Record<string, unknown> } | null)?.metadata;
    const presented =
      typeof metadata?.token === "string" ? metadata.token : (request.query.get("token") ?? undefined);
    requireToken(presented, settings.webhookToken, 'metadata "token" or the ?token= query parameter');
  }
}
