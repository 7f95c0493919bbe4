import type { InstantVector, QueryEngine } from "../../src/prometheus/client";

/** A query engine that records queries and answers empty vectors; for routing and validation tests. */
export class RecordingEngine implements QueryEngine {
  readonly queries: string[] = [];
  readonly times: Date[] = [];
  async instantQuery(query: string, time: Date): Promise<InstantVector> {
    this.queries.push(query);
    this.times.push(time);
    return { samples: [], warnings: [] };
  }
}
