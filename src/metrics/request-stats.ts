import type { Context } from "../config/context";
import type { QueryResult } from "../prometheus/client";

/** What one request cost upstream, what the backend said on the way, and its deadline. */
export class RequestStats {
  roundTrips = 0;
  /** Epoch ms by which every query must be answered; unset means each query's own timeout. */
  constructor(readonly deadline?: number) {}
  /** The backend's warnings and ours (why a zero may not mean idle), in the order they arose. */
  readonly warnings = new Set<string>();
  /** Of those, the diagnosis' reasons a zero may not mean idle: a gate never passes such a zero. */
  readonly zeroDoubts = new Set<string>();
  readonly observe = (result: QueryResult): void => {
    this.roundTrips += 1;
    for (const w of result.warnings) this.warnings.add(w);
  };
}

/** Runs one extra instant query for the request, counted as one of its round trips. */
export function countedQuery({ engine }: Context, time: Date, stats: RequestStats) {
  return async (promql: string) => {
    const result = await engine.instantQuery(
      promql,
      time,
      stats.deadline === undefined ? {} : { deadline: stats.deadline },
    );
    stats.observe(result);
    return result;
  };
}
