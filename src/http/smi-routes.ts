import { documentAnswer } from "../answers/answer";
import { parsePageRequest, pinnedTime, queryIdentity } from "../answers/paging";
import { answerMetrics, discoveryAnswer } from "../answers/smi-metrics";
import type { Context } from "../config/context";
import { BadRequestError, NotAcceptableError } from "../errors/request-errors";
import { timeOrRangeOfQuery } from "../metrics/range-of-query";
import { refuseUnknownParameters, type TimeRange } from "../metrics/time-range";
import { isSplitKindName } from "../smi/kinds";
import { checkTimeout, KUBECTL_PARAMETERS, readKubectlQuery, refuseWatch } from "../smi/kubectl-query";
import { negotiate, type Representation, TABLE_CONTENT_TYPE } from "../smi/representation";
import { type ObjectPath, parseSmiPath } from "../smi/route";
import { servedBody } from "../smi/served";
import { trafficTable } from "../smi/table";
import type { RouteRequest, RouteResult } from "./route-table";

/** Query parameters of list answers, besides the window and time: Kubernetes paging. */
const PAGE_PARAMETERS = ["limit", "continue"];

/** The representation a request accepts among `offers`, or a 406 that names what is on offer. */
function representationOf(r: RouteRequest, offers: readonly Representation[]): Representation {
  const accept = r.event.headers?.accept;
  const chosen = negotiate(accept, offers);
  if (chosen === undefined) {
    const offered = offers.map((o) => (o === "table" ? TABLE_CONTENT_TYPE : "application/json"));
    throw new NotAcceptableError(
      `cannot answer Accept: ${accept}; this path answers ${offered.join(" or ")}`,
    );
  }
  return chosen;
}

/** A document that needs neither Prometheus nor parameters beyond kubectl's `timeout`. */
export function document(r: RouteRequest, body: unknown, alsoAccepted: readonly string[] = []): RouteResult {
  representationOf(r, ["json"]);
  refuseUnknownParameters(r.query, ["timeout", ...alsoAccepted]);
  checkTimeout(r.query);
  return documentAnswer(body);
}

/**
 * Answers `/apis/metrics.smi-spec.io/...`: discovery as plain JSON, metrics as the SMI object or,
 * when `Accept` asks for one (`kubectl get`), a `meta.k8s.io/v1` Table of it.
 */
export async function smiPath(context: Context, r: RouteRequest): Promise<RouteResult> {
  const route = parseSmiPath(r.path, context.kinds.v1alpha2);
  if (route.type === "group" || route.type === "resources") {
    return document(r, discoveryAnswer(route, context).body);
  }
  const representation = representationOf(r, ["json", "table"]);
  refuseWatch(r.query, route);
  // A split's path names one object, but its answer is a list: one item per backend.
  const answer =
    route.type === "resource" && !isSplitKindName(route.kind)
      ? await answerMetrics(context, route, rangeOf(context, route, r, KUBECTL_PARAMETERS), r.stats)
      : await answerList(context, route, r);
  const { body } = answer;
  if (body.kind === "TrafficMetricsSeries" || body.kind === "TrafficMetricsSeriesList") {
    if (representation === "table") throw new NotAcceptableError(SERIES_NOT_TABULAR);
    return { ...answer, body };
  }
  if (representation === "json") return { ...answer, body: servedBody(body) };
  const { includeObject } = readKubectlQuery(r.query);
  return { ...answer, body: trafficTable(body, includeObject), contentType: TABLE_CONTENT_TYPE };
}

/** Why a range answer has no kubectl Table: a table row holds one point. */
const SERIES_NOT_TABULAR =
  "a range answer (start, end, step) is a TrafficMetricsSeries, which has no Table form: ask for application/json, or leave start, end and step out for kubectl's table";

/**
 * The time parameters of a metrics path: an instant, or with `start` a range, which v1alpha2 alone
 * serves (its objects carry the side and backend a series needs).
 */
function rangeOf(context: Context, route: ObjectPath, r: RouteRequest, extra: readonly string[]): TimeRange {
  const range = timeOrRangeOfQuery(r.query, context.config.window, r.now, extra);
  if (range.points !== undefined && route.version !== "v1alpha2") {
    throw new BadRequestError(
      `ranges (start, end, step) are served in v1alpha2 only: ask /apis/metrics.smi-spec.io/v1alpha2/... instead of ${route.version}`,
    );
  }
  return range;
}

/**
 * A list, or the caller's page of it (`limit`, `continue`): every page is measured at the time
 * the first one pinned, so pages of one list fit together.
 */
async function answerList(context: Context, route: ObjectPath, r: RouteRequest) {
  const asked = rangeOf(context, route, r, [...PAGE_PARAMETERS, ...KUBECTL_PARAMETERS]);
  const page = parsePageRequest(r.query);
  const identity = queryIdentity(r.path, asked.windowMs, asked.points);
  // The end a page is measured at: `time` for an instant list, `end` for a range.
  const end = asked.points === undefined ? "time" : "end";
  const explicit = r.query.has(end) ? asked.time : undefined;
  const pinned = pinnedTime(page, identity, explicit, r.now, end);
  const range = pinned === undefined ? asked : { ...asked, time: pinned };
  return answerMetrics(context, route, range, r.stats, { page, identity, now: r.now });
}
