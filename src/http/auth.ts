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

/** Throws a 401 unless the token is not required or matches. */
export function requireToken(presented: string | undefined, expected: string | undefined, how: string): void {
  if (expected !== undefined && !secretsMatch(presented, expected)) {
    throw new UnauthorizedError(`missing or wrong token; send it as ${how}`);
  }
}
