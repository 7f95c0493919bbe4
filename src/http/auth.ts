import { createHash, timingSafeEqual } from "node:crypto";
import { UnauthorizedError } from "../errors";

/**
 * Compares a presented secret with the expected one in constant time. Both are hashed first so the
 * comparison takes the same time whatever their lengths.
 */
export function secretsMatch(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

/** `Authorization: Bearer <token>`, or undefined. */
export function bearerToken(headers: Readonly<Record<string, string | undefined>>): string | undefined {
  const value = headers.authorization ?? headers.Authorization;
  const match = value === undefined ? null : /^Bearer\s+(.+)$/i.exec(value.trim());
  return match?.[1];
}

/**
 * Throws a 401 unless no token is configured or the presented one matches one of those that are.
 * The message never echoes either token.
 */
export function requireToken(
  presented: string | undefined,
  accepted: string | undefined | readonly (string | undefined)[],
  how: string,
): void {
  const tokens = (Array.isArray(accepted) ? accepted : [accepted]).filter(
    (t): t is string => t !== undefined,
  );
  if (tokens.length === 0) return;
  // Compare against every configured token, so the time taken does not say which one matched.
  const matches = tokens.map((t) => secretsMatch(presented, t));
  if (!matches.includes(true)) throw new UnauthorizedError(`missing or wrong token; send it as ${how}`);
}
