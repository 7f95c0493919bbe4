import { createHash } from "node:crypto";
import * as z from "zod";
import type { Context } from "../config/context";
import { BadRequestError, ExpiredError } from "../errors/request-errors";
import type { Measurement } from "../metrics/measurement";
import type { RequestStats } from "../metrics/request-stats";
import type { TimeRange } from "../metrics/time-range";
import type { ResourceRef } from "../smi/kinds";

/**
 * Kubernetes list paging (`?limit=N`, `metadata.continue`) for a stateless function. Every page
 * is cut from the same whole answer: the token pins the query's time, and carries a digest of the
 * whole answer, so a page computed again in another container is checked against the first
 * page's answer and refused (410 Expired) rather than served from a different one.
 */

/** How long a token may be used after the first page, like an API server's compaction window. */
const CONTINUE_TTL_MS = 15 * 60_000;

const ContinueTokenSchema = z.object({
  v: z.literal(1),
  /** The query the token belongs to: path and window. */
  q: z.string(),
  /** The pinned end of the window, epoch ms. */
  t: z.number().int(),
  /** Index of the next item. */
  o: z.number().int().min(0),
  /** Digest of the whole answer the first page was cut from. */
  d: z.string(),
  /** Epoch ms after which the token is refused. */
  x: z.number().int(),
});
type ContinueToken = z.infer<typeof ContinueTokenSchema>;

/** What the caller asked for: a page size, and where to resume. */
export interface PageRequest {
  readonly limit?: number;
  readonly token?: ContinueToken;
}

/**
 * The identity a token is bound to: the same kind, scope and version (the path) and window, and for
 * a range answer its first point and step.
 */
export function queryIdentity(path: string, windowMs: number, points?: TimeRange["points"]): string {
  const range = points === undefined ? "" : `\n${points.start.getTime()}\n${points.stepMs}`;
  return createHash("sha256").update(`${path}\n${windowMs}${range}`).digest("base64url").slice(0, 22);
}

/** Reads `limit` and `continue`; a malformed value is a 400 that says what is accepted. */
export function parsePageRequest(query: URLSearchParams): PageRequest {
  const limitText = query.get("limit");
  const continueText = query.get("continue");
  let limit: number | undefined;
  if (limitText !== null && limitText !== "0") {
    if (!/^[1-9]\d{0,8}$/.test(limitText)) {
      throw new BadRequestError(
        `invalid limit: "${limitText}"; expected a whole number of items from 1 to 999999999 (0, or no limit: the whole list)`,
      );
    }
    limit = Number(limitText);
  }
  if (continueText === null || continueText === "") return limit === undefined ? {} : { limit };
  return { ...(limit === undefined ? {} : { limit }), token: decodeToken(continueText) };
}

function decodeToken(text: string): ContinueToken {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    parsed = undefined;
  }
  const token = ContinueTokenSchema.safeParse(parsed);
  if (!token.success) {
    throw new BadRequestError(
      "invalid continue: not a token this API issued; send metadata.continue as it came",
    );
  }
  return token.data;
}

/**
 * The time a page is measured at: a token's pinned time, which an explicit end (`name`: `time`, or
 * a range's `end`) must agree with. A token for another query is a 400; one past its lifetime is a 410.
 */
export function pinnedTime(
  page: PageRequest,
  identity: string,
  explicit: Date | undefined,
  now: Date,
  name: "time" | "end" = "time",
): Date | undefined {
  const { token } = page;
  if (token === undefined) return undefined;
  if (token.q !== identity) {
    const same = name === "end" ? "path, window (t), start and step" : "path and window (t)";
    throw new BadRequestError(
      `invalid continue: the token belongs to another query; send it with the same ${same} as the page it came with`,
    );
  }
  if (explicit !== undefined && explicit.getTime() !== token.t) {
    throw new BadRequestError(
      `invalid continue: the token is for ${name} ${new Date(token.t).toISOString()}, and ${name} says ${explicit.toISOString()}; leave ${name} out or give the same one`,
    );
  }
  if (now.getTime() > token.x) {
    throw new ExpiredError(
      `the continue token expired at ${new Date(token.x).toISOString()}; tokens last ${CONTINUE_TTL_MS / 60_000} minutes. Ask again without continue for a new first page`,
    );
  }
  return new Date(token.t);
}

/** Identity and numbers of one item of a list, at each point (one for an instant answer), for the answer's digest. */
export interface DigestItem {
  readonly id: string;
  readonly series: readonly Measurement[];
}

/** A digest of a whole answer: its items in order, with their numbers at every point. */
function answerDigest(items: readonly DigestItem[]): string {
  const hash = createHash("sha256");
  for (const { id, series } of items) {
    for (const m of series) {
      hash.update(`${id}|${m.successCount}|${m.failureCount}|${m.p50Ms}|${m.p90Ms}|${m.p99Ms}\n`);
    }
  }
  return hash.digest("base64url").slice(0, 22);
}

/** Where a page is cut: the request, the query it belongs to, and the clock. */
export interface PageContext {
  readonly page: PageRequest;
  readonly identity: string;
  readonly now: Date;
}

/** Whether the caller pages at all; a caller that does not gets the whole answer, as Kubernetes does. */
const isPaged = (page: PageRequest) => page.limit !== undefined || page.token !== undefined;

/** A page of a whole answer, and the token for the next one when more remain. */
export function cutPage<T>(
  all: readonly T[],
  digestItem: (item: T) => DigestItem,
  { page, identity, now }: PageContext,
  time: Date,
): { items: readonly T[]; continue?: string; remainingItemCount?: number } {
  if (!isPaged(page)) return { items: all };
  const digest = answerDigest(all.map(digestItem));
  if (page.token !== undefined && page.token.d !== digest) {
    throw new ExpiredError(
      "the answer changed since the first page (data arrived late for its time), so its pages would not fit together; ask again without continue, or give an explicit time a minute or more in the past",
    );
  }
  const offset = page.token?.o ?? 0;
  const end = page.limit === undefined ? all.length : Math.min(all.length, offset + page.limit);
  if (end >= all.length) return { items: all.slice(offset) };
  const next: ContinueToken = {
    v: 1,
    q: identity,
    t: time.getTime(),
    o: end,
    d: digest,
    x: page.token?.x ?? now.getTime() + CONTINUE_TTL_MS,
  };
  return {
    items: all.slice(offset, end),
    continue: Buffer.from(JSON.stringify(next)).toString("base64url"),
    remainingItemCount: all.length - end,
  };
}

/** An object's place in a page's digest: kind, namespace and name. */
export const pageIdOf = (ref: ResourceRef) => `${ref.kind}/${ref.namespace ?? ""}/${ref.name}`;

/**
 * The whole list, measured once per page request, or taken from the warm container's cache while
 * the caller pages through it.
 */
export async function wholeList<T>(
  context: Context,
  paging: PageContext,
  time: Date,
  stats: RequestStats,
  measure: () => Promise<readonly T[]>,
): Promise<readonly T[]> {
  const fresh = async () => ({ items: await measure(), warnings: [...stats.warnings] });
  if (!isPaged(paging.page)) return (await fresh()).items;
  const list = await context.lists.get(`${paging.identity}|${time.getTime()}`, fresh);
  for (const warning of list.warnings) stats.warnings.add(warning);
  return list.items;
}

/** Page fields of a list's metadata, when there is a next page. */
export function pageMetadata(cut: { continue?: string; remainingItemCount?: number }) {
  return cut.continue === undefined
    ? {}
    : { continue: cut.continue, remainingItemCount: cut.remainingItemCount };
}
