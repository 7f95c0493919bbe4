import type { QueryEngine, QueryRange, QueryResult } from "../../src/prometheus/client";

/** A query engine that records queries and answers empty results; for routing and validation tests. */
export class RecordingEngine implements QueryEngine {
  readonly queries: string[] = [];
  readonly times: Date[] = [];
  readonly ranges: QueryRange[] = [];
  async instantQuery(query: string, time: Date): Promise<QueryResult> {
    this.queries.push(query);
    this.times.push(time);
    return { samples: [], warnings: [] };
  }
  async rangeQuery(query: string, range: QueryRange): Promise<QueryResult> {
    this.queries.push(query);
    this.ranges.push(range);
    return { samples: [], warnings: [] };
  }
}
