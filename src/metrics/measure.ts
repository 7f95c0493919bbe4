import type { InstantVector, QueryEngine } from "../prometheus/client";
import { MeasureFold, type MeasureResult } from "./measure-fold";
import { buildQueries, type MeasureSpec } from "./query-plan";

/** Result label that tells the parts of a joined query apart. */
const PART_LABEL = "smi_part";

/** Callback that sees every query result: round trips and warnings are counted by the caller. */
type QueryObserver = (result: InstantVector) => void;

/** What the request being answered asks of every query: who observes them, and by when. */
export interface QueryContext {
  readonly observe?: QueryObserver;
  readonly deadline?: number | undefined;
}

/**
 * Measures every object a spec selects: counts from `increase` over the window, and the bucket
 * rates p50, p90 and p99 are interpolated from. The `separate` plan sends them as two concurrent
 * queries, the `joined` plan as one. Samples are folded as they are read, so a 10,000-pod answer
 * is never held whole.
 */
export async function measure(
  engine: QueryEngine,
  spec: MeasureSpec,
  context: QueryContext = {},
): Promise<MeasureResult> {
  const { counts, latency } = buildQueries(spec);
  const fold = new MeasureFold(spec);
  const deadline = context.deadline === undefined ? {} : { deadline: context.deadline };
  if (spec.plan === "joined") {
    const part = (query: string, name: string) =>
      `label_replace(${query}, "${PART_LABEL}", "${name}", "", "")`;
    const joined = await engine.instantQuery(
      `${part(counts, "counts")} or ${part(latency, "latency")}`,
      spec.time,
      {
        ...deadline,
        onSample: (sample) => {
          const which = sample.metric[PART_LABEL];
          if (which === "counts") fold.count(sample);
          else if (which === "latency") fold.latency(sample);
        },
      },
    );
    context.observe?.(joined);
    return fold.result();
  }
  // When one query fails, the answer is lost: stop the other instead of reading it to the end.
  const siblings = new AbortController();
  const both = { ...deadline, signal: siblings.signal };
  const [countResult, latencyResult] = await Promise.all([
    engine.instantQuery(counts, spec.time, { ...both, onSample: (s) => fold.count(s) }),
    engine.instantQuery(latency, spec.time, { ...both, onSample: (s) => fold.latency(s) }),
  ]).catch((error: unknown) => {
    siblings.abort(error);
    throw error;
  });
  context.observe?.(countResult);
  context.observe?.(latencyResult);
  return fold.result();
}
