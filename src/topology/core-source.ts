import { answerMetrics } from "../answers/smi-metrics";
import type { Context } from "../config/context";
import { NotFoundError } from "../errors/request-errors";
import { RequestStats } from "../metrics/request-stats";
import type { TimeRange } from "../metrics/time-range";
import { PREFERRED_VERSION } from "../smi/discovery";
import { type KindName, servedKind } from "../smi/kinds";
import type { ObjectPath } from "../smi/route";
import type { TrafficMetricsList } from "../smi/schemas";
import type { TrafficSource } from "./source";

/**
 * SMI answers from the core in-process, exactly as the API builds them: the CLI's
 * `--prometheus` mode and the reports use this. Each answer is one request's worth of queries.
 */
export function coreSource(
  context: Context,
  range: TimeRange,
  warn: (warning: string) => void = () => {},
): TrafficSource {
  const listOf = async (route: Exclude<ObjectPath, { type: "resource" }>): Promise<TrafficMetricsList> => {
    const { body, warnings } = await answerMetrics(context, route, range, new RequestStats());
    for (const warning of warnings) warn(warning);
    if (body.kind !== "TrafficMetricsList") throw new TypeError(`a ${route.type} answer is a list`);
    return body;
  };
  const version = PREFERRED_VERSION;
  // The same check, and the same 404 wording, as the API's paths.
  const served = (kind: KindName) =>
    servedKind(kind, context.mesh.kinds, (message) => new NotFoundError(message));
  return {
    list: (kind, namespace) =>
      listOf({
        type: "list",
        version,
        kind: served(kind),
        ...(namespace === undefined ? {} : { namespace }),
      }),
    edges: (kind, namespace) =>
      listOf(
        kind === "namespaces"
          ? { type: "edges", version, kind: served(kind), name: namespace }
          : { type: "kindEdges", version, kind: served(kind), namespace },
      ),
  };
}
