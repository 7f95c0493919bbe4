import type { Context } from "../config/context";
import { BadRequestError, NotFoundError } from "../errors/request-errors";
import type { SplitBackend } from "../kubernetes/split";
import type { Side } from "../mesh/adapter";
import type { Measurement } from "../metrics/measurement";
import type { RequestStats } from "../metrics/request-stats";
import { refOf } from "../metrics/resource-ref";
import { measureResource } from "../metrics/resources";
import { explainUnobservedBackends, measureSplit } from "../metrics/splits";
import type { TimeRange } from "../metrics/time-range";
import { isSplitKindName, type KindName } from "../smi/kinds";

/** What a gate or a summary judges: a resource, or one backend of a split (`backend`). */
export interface Subject {
  readonly kind: KindName;
  readonly namespace: string;
  readonly name: string;
  readonly backend?: string | undefined;
}

export interface MeasuredSubject {
  readonly measurement: Measurement;
  /** Whose proxy measured it: a split's backend at its clients, a resource as its kind is read. */
  readonly side: Side;
  /** For a split's backend: its configured weight and observed share of the split's requests. */
  readonly backend?: { readonly name: string; readonly weight: number; readonly trafficShare: number };
}

/**
 * Measures a subject. A split kind needs the backend to judge (Flagger's canary is usually
 * `<name>-canary`): the split's numbers are per backend, and there is no one right default.
 */
export async function measureSubject(
  context: Context,
  subject: Subject,
  range: TimeRange,
  stats: RequestStats,
  backendParameter = "backend",
): Promise<MeasuredSubject> {
  const { kind, namespace, name, backend } = subject;
  if (!isSplitKindName(kind)) {
    if (backend !== undefined) {
      throw new BadRequestError(
        `${backendParameter} is only read for trafficsplits and httproutes, not ${kind}`,
      );
    }
    return measureResource(context, refOf(kind, subject), range, stats);
  }
  if (backend === undefined) {
    throw new BadRequestError(
      `${kind} are measured per backend: give ${backendParameter}, the backend to judge (for a Flagger canary, ${name}-canary)`,
    );
  }
  if (context.splits === undefined) throw new NotFoundError(`${kind} are not served here`);
  const splits = await context.splits.get(kind, namespace, name);
  const measured = await Promise.all(splits.map((split) => measureSplit(context, split, range, stats)));
  const all = measured.flatMap((m) => m.backends);
  const isJudged = (b: SplitBackend) => (b.subset ?? b.name) === backend;
  const found = all.find((b) => isJudged(b.backend));
  if (found === undefined) {
    const names = [...new Set(all.map((b) => b.backend.subset ?? b.backend.name))].join(", ");
    throw new NotFoundError(
      `${kind} ${namespace}/${name} has no backend ${backend}; its backends are ${names}`,
    );
  }
  await explainUnobservedBackends(context, measured, range, stats, isJudged);
  return {
    measurement: found.measurement,
    side: found.side,
    backend: { name: backend, weight: found.backend.weight, trafficShare: found.share },
  };
}
