import { answerOf } from "../answers/answer";
import { parseGateRequest, runFlaggerGate } from "../answers/flagger-gate";
import { measureSubject } from "../answers/subject";
import { summarize } from "../answers/summary";
import type { Context } from "../config/context";
import { NotFoundError, NotReadyError } from "../errors/request-errors";
import { checkReadiness, notReadyDetails } from "../metrics/readiness";
import { timeRangeOfQuery } from "../metrics/time-range";
import { parseObjectPath } from "../smi/route";
import { documentRoutes } from "./document-routes";
import { jsonBody } from "./request-body";
import type { RouteHandler, RouteName, RouteRequest } from "./route-table";
import { smiPath } from "./smi-routes";
import { type UiSource, uiRoute } from "./ui-files";

/**
 * The function that answers each named route of the table (`ROUTES`), bound to the context; the
 * web UI's files come from `ui`.
 */
export function routeHandlers(context: Context, ui: UiSource | undefined): Record<RouteName, RouteHandler> {
  return {
    health: async (r) => health(context, r),
    readiness: async (r) => readiness(context, r),
    // Discovery (`/apis/metrics.smi-spec.io[/{version}]`) and metrics paths share one reader.
    smiDiscovery: async (r) => smiPath(context, r),
    smiMetrics: async (r) => smiPath(context, r),
    summary: async (r) => summary(context, r),
    flaggerGate: async (r) => flaggerGate(context, r),
    ...documentRoutes(context),
    ui: uiRoute(context, ui),
  };
}

/** `/healthz`: liveness, which asks no backend. */
function health(context: Context, r: RouteRequest) {
  return answerOf({ status: "ok", mesh: context.mesh.name, backend: context.backendDescription }, r.stats);
}

/** `/readyz`: whether the backend answers and holds the mesh's series under the configured labels. */
async function readiness(context: Context, r: RouteRequest) {
  const readiness = await checkReadiness(context, r.now, r.stats.deadline);
  if (!readiness.ready) throw new NotReadyError(`not ready: ${notReadyDetails(readiness)}`);
  return answerOf({ status: "ready", mesh: context.mesh.name, ...readiness }, r.stats);
}

/** `/summary/namespaces/{ns}/{kind}/{name}` and `/summary/namespaces/{name}`: plain-number traffic. */
async function summary(context: Context, r: RouteRequest) {
  const unknown = () =>
    new NotFoundError(
      `no such path: ${r.path}; the summary path is /summary/namespaces/{ns}/{kind}/{name}, or /summary/namespaces/{name} for a namespace`,
    );
  const object = parseObjectPath("v1alpha2", r.rest, context.kinds.v1alpha2, unknown);
  if (object.type !== "resource") throw unknown();
  // A namespace is summarized at /summary/namespaces/{name}, as its SMI path names it.
  const namespace = object.namespace ?? (object.kind === "namespaces" ? object.name : undefined);
  if (namespace === undefined) throw unknown();
  const range = timeRangeOfQuery(r.query, context.config.window, r.now, ["backend"]);
  const subject = { ...object, namespace, backend: r.query.get("backend") ?? undefined };
  const measured = await measureSubject(context, subject, range, r.stats, "?backend=");
  return answerOf(summarize(measured, range), r.stats);
}

/** `POST /webhooks/flagger`: Flagger's gate. It passes only 200-202; 412 fails the check. */
async function flaggerGate(context: Context, r: RouteRequest) {
  const request = parseGateRequest(jsonBody(r), context.kinds.v1alpha2, context.config.window, r.now);
  const verdict = await runFlaggerGate(context, request, r.stats);
  // Its body lands in Flagger's events.
  return { ...answerOf(verdict, r.stats), status: verdict.passed ? 200 : 412 };
}
