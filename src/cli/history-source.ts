import * as z from "zod";
import { answerMetrics } from "../answers/smi-metrics";
import { timeOrRangeOfQuery } from "../metrics/range-of-query";
import { parseSmiPath, SMI_PREFIX } from "../smi/route";
import { TrafficMetricsSeriesListSchema, TrafficMetricsSeriesSchema } from "../smi/schemas";
import { formatTimestamp } from "../smi/time";
import { apiGetter } from "./api-source";
import type { SeriesAnswer } from "./history";
import type { HistoryCommand } from "./history-args";
import { inProcessContext } from "./source";

const SERIES = {
  schema: z.union([TrafficMetricsSeriesSchema, TrafficMetricsSeriesListSchema]),
  kind: "TrafficMetricsSeries",
};

/**
 * A history's range as the API's query parameters. `--since D` ends at `--end`, or at the last
 * whole step before now (as Grafana aligns a range, so points fall on whole minutes and the last
 * is not a part-filled step), and starts one step after `end - D`: its points are D / step windows
 * of one step each, which together cover exactly the last D.
 */
function historyQuery(command: HistoryCommand, now: Date): Record<string, string> {
  const { span, stepMs } = command;
  let start: Date;
  let end: Date | undefined;
  if ("sinceMs" in span) {
    end = span.end ?? new Date(Math.floor(now.getTime() / stepMs) * stepMs);
    start = new Date(end.getTime() - span.sinceMs + stepMs);
  } else {
    ({ start, end } = span);
  }
  return {
    window: command.window,
    start: formatTimestamp(start),
    ...(end === undefined ? {} : { end: formatTimestamp(end) }),
    step: command.step,
  };
}

/**
 * The range answer a history prints, from a running API or from the core in-process: the same
 * path and the same query parameters either way, so both check them with the same words.
 */
export async function fetchHistory(
  command: HistoryCommand,
  now: Date,
  warn: (warning: string) => void,
): Promise<SeriesAnswer> {
  try {
    return await answerOf(command, now, warn);
  } catch (error) {
    // A window the user never typed: say it is the step's, or "--step 5s" reads as a window problem.
    if (!command.windowGiven && error instanceof Error && error.message.startsWith("invalid window:"))
      error.message = `--step ${command.step} is each point's window too, as no --window is given: ${error.message}`;
    throw error;
  }
}

async function answerOf(
  command: HistoryCommand,
  now: Date,
  warn: (warning: string) => void,
): Promise<SeriesAnswer> {
  const { source, kind, namespace, name } = command;
  const query = historyQuery(command, now);
  const path =
    namespace === undefined
      ? `/namespaces/${encodeURIComponent(name)}`
      : `/namespaces/${encodeURIComponent(namespace)}/${kind}/${encodeURIComponent(name)}`;
  if (source.type === "api")
    return apiGetter({ url: source.url, token: source.token, warn })(path, SERIES, query);
  const context = inProcessContext(source);
  const route = parseSmiPath(`${SMI_PREFIX}/v1alpha2${path}`, context.kinds.v1alpha2);
  if (route.type !== "resource") throw new TypeError(`${path} names one resource`);
  const range = timeOrRangeOfQuery(new URLSearchParams(query), context.config.window, now);
  const { body, warnings } = await answerMetrics(context, route, range);
  for (const warning of warnings) warn(warning);
  if (body.kind !== "TrafficMetricsSeries" && body.kind !== "TrafficMetricsSeriesList")
    throw new TypeError("an answer with start is a series");
  return body;
}
