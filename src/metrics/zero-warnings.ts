import type { Context } from "../config/context";
import type { ZeroTarget } from "../mesh/adapter";
import type { ResourceRef } from "../smi/kinds";
import { countedQuery, type RequestStats } from "./request-stats";
import type { TimeRange } from "./time-range";
import { diagnoseZeros, type ZeroAsk } from "./zero-diagnosis";

/** After a zero or empty answer, spends one cheap query on saying why it may not mean idle. */
export async function explainZero(
  context: Context,
  target: ZeroTarget,
  range: TimeRange,
  stats: RequestStats,
  named: readonly string[] = [],
): Promise<void> {
  await explainZeros(context, [{ target, named }], range, stats);
}

/** The same for several zero objects of one kind (a split's backends), in the same one query. */
export async function explainZeros(
  context: Context,
  asks: readonly ZeroAsk[],
  range: TimeRange,
  stats: RequestStats,
): Promise<void> {
  const verdicts = await diagnoseZeros(context, asks, range.time, countedQuery(context, range.time, stats));
  for (const verdict of verdicts) {
    if (verdict === undefined) continue;
    stats.warnings.add(verdict.text);
    if (verdict.doubt) stats.zeroDoubts.add(verdict.text);
  }
}

/** What a zero answer about one resource asks the diagnosis. */
export const targetOf = (ref: ResourceRef): ZeroTarget => ({
  kind: ref.kind,
  name: ref.name,
  ...(ref.namespace === undefined ? {} : { namespace: ref.namespace }),
});
