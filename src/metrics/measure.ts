import type { QueryEngine, QueryOptions, QueryResult } from "../prometheus/client";

import { type MeasureResult, PointFolds } from "./point-folds";
import { buildQueries, type MeasureSpec } from "./query-plan";

/** Result label that tells the parts of a joined query apart. */
const PART_LABEL = "smi_part";

/** Callback that sees every query result: round trips and warnings are counted by the caller. */
type QueryObserver = (result: QueryResult) => void;

/** What the request being answered asks of every query: who observes them, and by when. */
export interface QueryContext {
  readonly observe?: QueryObserver;
  readonly deadline?: number | undefined;
}

/**
 * Measures every object a spec selects: counts from `increase` over the window, and the bucket
 * rates p50, p90 and p99 are interpolated from. The `separate` plan sends them as two concurrent
 * queries, the `joined` plan as one. An instant answer asks at its time; a range answer asks the
 * same queries once over its points (`query_range`), never once per point. Samples are folded as
 * they are read, so a 10,000-pod answer is never held whole.
 */
export async function measure(
  engine: QueryEngine,
  spec: MeasureSpec,
  context: QueryContext = {},
): Promise<MeasureResult> {
  const { counts, latency } = buildQueries(spec);
  const folds = new PointFolds(spec);
  const ask = asker(engine, spec, context.deadline);
  if (spec.plan === "joined") {
    const part = (query: string, name: string) =>
      `label_replace(${query}, "${PART_LABEL}", "${name}", "", "")`;
    const joined = await ask(`${part(counts, "counts")} or ${part(latency, "latency")}`, {
      onSample: (sample) => {
        const which = sample.metric[PART_LABEL];
        if (which === "counts") folds.count(sample);
        else if (which === "latency") folds.latency(sample);
      },
    });
    context.observe?.(joined);
    return folds.result();
  }
  // When one query fails, the answer is lost: stop the other instead of reading it to the end.
  const siblings = new AbortController();
  const signal = siblings.signal;
  const [countResult, latencyResult] = await Promise.all([
    ask(counts, { signal, onSample: (s) => folds.count(s) }),
    ask(latency, { signal, onSample: (s) => folds.latency(s) }),
  ]).catch((error: unknown) => {
    siblings.abort(error);
    throw error;
  });
  context.observe?.(countResult);
  context.observe?.(latencyResult);
  return folds.result();
}

/** Sends one query of the spec: an instant query at its time, or a range query over its points. */
function asker(engine: QueryEngine, spec: MeasureSpec, deadline: number | undefined) {
  const limits = deadline === undefined ? {} : { deadline };
  return (query: string, options: QueryOptions): Promise<QueryResult> => {
    const { points } = spec;
    return points === undefined
      ? engine.instantQuery(query, spec.time, { ...limits, ...options })
      : engine.rangeQuery(
          query,
          { start: points.start, end: spec.time, stepMs: points.stepMs },
          { ...limits, ...options },
        );
  };
}
