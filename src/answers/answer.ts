import type { RequestStats } from "../metrics/request-stats";

/**
 * What a use case answers: the body to send, what the backend said on the way (passed on as
 * `Warning` headers) and what it cost. The one answer type: the HTTP edge adds only its status and
 * content type (`RouteResult`).
 */
export interface Answer<Body = unknown> {
  readonly body: Body;
  readonly warnings: readonly string[];
  readonly roundTrips: number;
  /** Items of a list answer, to suggest a page size when the whole list cannot be sent. */
  readonly items?: number;
}

/** An answer with the warnings and round trips its request gathered so far. */
export function answerOf<Body>(body: Body, stats: RequestStats, items?: number): Answer<Body> {
  return {
    body,
    warnings: [...stats.warnings],
    roundTrips: stats.roundTrips,
    ...(items === undefined ? {} : { items }),
  };
}

/** An answer that asked the backend nothing: a document. */
export function documentAnswer<Body>(body: Body): Answer<Body> {
  return { body, warnings: [], roundTrips: 0 };
}
