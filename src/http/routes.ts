import { parseGateRequest, runFlaggerGate } from "../answers/flagger-gate";
import { measureSubject } from "../answers/subject";
import { summarize } from "../answers/summary";
import type { ListCache } from "../config/list-cache";
import { servedKinds } from "../config/served-kinds";
import { NotFoundError, NotReadyError } from "../errors/request-errors";
import type { SplitSource } from "../kubernetes/split";
import type { MeshAdapter } from "../mesh/adapter";
import { checkReadiness } from "../metrics/readiness";
import { timeRangeOfQuery, type WindowBounds } from "../metrics/time-range";
import type { QueryEngine } from "../prometheus/client";
import { parseObjectPath, SMI_PREFIX } from "../smi/route";
import type { AuthSettings } from "./auth";
import { jsonBody } from "./request-body";
import type { Answer, Route, RouteRequest } from "./route-table";
import { answerSmiPath, kubernetesRoutes } from "./smi-routes";

/** What the routes need from the deployment. */
export interface RouteDeps {
  readonly engine: QueryEngine;
  readonly mesh: MeshAdapter;
  /** Whole lists kept while a client pages through them (module scope in Lambda). */
  readonly lists?: ListCache;
  /** Where split objects are read; absent: split kinds are not served. */
  readonly splits?: SplitSource | undefined;
  readonly window: WindowBounds;
  /** What `/healthz` may say about the backend; never a secret. */
  readonly backendDescription: string;
}

/**
 * The api function's one route table: every path it serves, who may call it, whether its answers
 * may be cached, and what answers it. The dispatcher reads this and nothing else; the gateway's
 * routes in `serverless.yml` mirror it.
 */
export function apiRoutes(deps: RouteDeps & AuthSettings): readonly Route[] {
  const answered = (request: RouteRequest, body: unknown, status?: number): Answer => ({
    ...(status === undefined ? {} : { status }),
    body,
    warnings: [...request.stats.warnings],
    roundTrips: request.stats.roundTrips,
  });
  const smi = (r: RouteRequest) => answerSmiPath(deps, r);
  const table: readonly Route[] = [
    {
      method: "GET",
      path: "/healthz",
      auth: "none",
      cacheable: false,
      handle: async (r) =>
        answered(r, { status: "ok", mesh: deps.mesh.name, backend: deps.backendDescription }),
    },
    {
      method: "GET",
      path: "/readyz",
      auth: "none",
      cacheable: false,
      handle: async (r) => {
        const readiness = await checkReadiness(deps, r.now, r.stats.deadline);
        if (!readiness.ready) {
          const { backend, meshSeries, labels } = readiness;
          const failed = [backend, meshSeries, labels].filter((c) => !c.ok && c.skipped !== true);
          throw new NotReadyError(`not ready: ${failed.map((c) => c.detail).join("; ")}`);
        }
        return answered(r, { status: "ready", mesh: deps.mesh.name, ...readiness });
      },
    },
    // Discovery needs no metrics and no credentials: it says only which kinds this mesh serves.
    { method: "GET", path: SMI_PREFIX, auth: "none", cacheable: false, handle: smi },
    { method: "GET", path: `${SMI_PREFIX}/*`, auth: "none", cacheable: false, handle: smi },
    { method: "GET", path: `${SMI_PREFIX}/*/**`, auth: "api", cacheable: true, handle: smi },
    {
      method: "GET",
      path: "/summary/**",
      auth: "api",
      cacheable: true,
      handle: async (r) => {
        const unknown = () =>
          new NotFoundError(
            `no such path: ${r.path}; the summary path is /summary/namespaces/{ns}/{kind}/{name}, or /summary/namespaces/{name} for a namespace`,
          );
        const object = parseObjectPath("v1alpha2", r.rest, servedKinds(deps), unknown);
        if (object.type !== "resource") throw unknown();
        // A namespace is summarized at /summary/namespaces/{name}, as its SMI path names it.
        const namespace = object.namespace ?? (object.kind === "namespaces" ? object.name : undefined);
        if (namespace === undefined) throw unknown();
        const range = timeRangeOfQuery(r.query, deps.window, r.now, ["backend"]);
        const subject = {
          ...object,
          namespace,
          backend: r.query.get("backend") ?? undefined,
        };
        const measured = await measureSubject(deps, subject, range, r.stats, "?backend=");
        return answered(r, summarize(measured.measurement, range, measured.backend));
      },
    },
    {
      method: "POST",
      path: "/webhooks/flagger",
      auth: "webhook",
      cacheable: false,
      handle: async (r) => {
        const request = parseGateRequest(jsonBody(r), servedKinds(deps), deps.window, r.now);
        const verdict = await runFlaggerGate(deps, request, r.stats);
        // Flagger passes only 200-202; 412 fails the check and its body lands in Flagger's events.
        return answered(r, verdict, verdict.passed ? 200 : 412);
      },
    },
    ...kubernetesRoutes(deps, () => table),
  ];
  return table;
}
