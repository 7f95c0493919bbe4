import { documentAnswer } from "../answers/answer";
import { parsePageRequest, pinnedTime, queryIdentity } from "../answers/paging";
import { answerMetrics, discoveryAnswer } from "../answers/smi-metrics";
import type { Context } from "../config/context";
import { NotAcceptableError } from "../errors/request-errors";
import { refuseUnknownParameters, timeRangeOfQuery } from "../metrics/time-range";
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
      ? await answerMetrics(
          context,
          route,
          timeRangeOfQuery(r.query, context.config.window, r.now, KUBECTL_PARAMETERS),
          r.stats,
        )
      : await answerList(context, route, r);
  if (representation === "json") return { ...answer, body: servedBody(answer.body) };
  const { includeObject } = readKubectlQuery(r.query);
  return { ...answer, body: trafficTable(answer.body, includeObject), contentType: TABLE_CONTENT_TYPE };
}

/**
 * A list, or the caller's page of it (`limit`, `continue`): every page is measured at the time
 * the first one pinned, so pages of one list fit together.
 */
async function answerList(context: Context, route: ObjectPath, r: RouteRequest) {
  const asked = timeRangeOfQuery(r.query, context.config.window, r.now, [
    ...PAGE_PARAMETERS,
    ...KUBECTL_PARAMETERS,
  ]);
  const page = parsePageRequest(r.query);
  const identity = queryIdentity(r.path, asked.windowMs);
  const explicit = r.query.has("time") ? asked.time : undefined;
  const pinned = pinnedTime(page, identity, explicit, r.now);
  const range = pinned === undefined ? asked : { ...asked, time: pinned };
  return answerMetrics(context, route, range, r.stats, { page, identity, now: r.now });
}
