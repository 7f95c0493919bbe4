import { version as SERVICE_VERSION } from "../../package.json";
import { parsePageRequest, pinnedTime, queryIdentity } from "../answers/paging";
import { answerMetrics, discoveryAnswer, type SmiDeps } from "../answers/smi-metrics";
import { servedKinds } from "../config/served-kinds";
import { NotAcceptableError, NotFoundError } from "../errors/request-errors";
import { refuseUnknownParameters, timeRangeOfQuery, type WindowBounds } from "../metrics/time-range";
import { apiGroupList, apiVersions, versionInfo } from "../smi/discovery";
import { API_GROUP, API_VERSIONS, type ApiVersion, isSplitKindName } from "../smi/kinds";
import { checkTimeout, KUBECTL_PARAMETERS, readKubectlQuery } from "../smi/kubectl-query";
import { negotiate, type Representation, TABLE_CONTENT_TYPE } from "../smi/representation";
import { type ObjectPath, parseSmiPath } from "../smi/route";
import { trafficTable } from "../smi/table";
import type { AuthSettings } from "./auth";
import type { Answer, Route, RouteRequest } from "./route-table";

/** What the SMI and Kubernetes routes read: the metrics backend, list cache and window bounds. */
export interface SmiRouteDeps extends SmiDeps {
  readonly window: WindowBounds;
}

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
function document(r: RouteRequest, body: unknown, alsoAccepted: readonly string[] = []): Answer {
  representationOf(r, ["json"]);
  refuseUnknownParameters(r.query, ["timeout", ...alsoAccepted]);
  checkTimeout(r.query);
  return { body, warnings: [], roundTrips: 0 };
}

/**
 * Answers `/apis/metrics.smi-spec.io/...`: discovery as plain JSON, metrics as the SMI object or,
 * when `Accept` asks for one (`kubectl get`), a `meta.k8s.io/v1` Table of it.
 */
export async function answerSmiPath(deps: SmiRouteDeps, r: RouteRequest): Promise<Answer> {
  const route = parseSmiPath(r.path, servedKinds(deps));
  if (route.type === "group" || route.type === "resources") {
    return document(r, discoveryAnswer(route, deps).body);
  }
  const representation = representationOf(r, ["json", "table"]);
  // A split's path names one object, but its answer is a list: one item per backend.
  const answer =
    route.type === "resource" && !isSplitKindName(route.kind)
      ? await answerMetrics(
          deps,
          route,
          timeRangeOfQuery(r.query, deps.window, r.now, KUBECTL_PARAMETERS),
          r.stats,
        )
      : await answerList(deps, route, r);
  if (representation === "json") return answer;
  const { includeObject } = readKubectlQuery(r.query);
  return { ...answer, body: trafficTable(answer.body, includeObject), contentType: TABLE_CONTENT_TYPE };
}

/**
 * A list, or the caller's page of it (`limit`, `continue`): every page is measured at the time
 * the first one pinned, so pages of one list fit together.
 */
async function answerList(deps: SmiRouteDeps, route: ObjectPath, r: RouteRequest) {
  const asked = timeRangeOfQuery(r.query, deps.window, r.now, [...PAGE_PARAMETERS, ...KUBECTL_PARAMETERS]);
  const page = parsePageRequest(r.query);
  const identity = queryIdentity(r.path, asked.windowMs);
  const explicit = r.query.has("time") ? asked.time : undefined;
  const pinned = pinnedTime(page, identity, explicit, r.now);
  const range = pinned === undefined ? asked : { ...asked, time: pinned };
  return answerMetrics(deps, route, range, r.stats, { page, identity, now: r.now });
}

/** Builds a document once, on first request: generating it is kept off the cold start. */
function once<T>(build: () => Promise<T>): () => Promise<T> {
  let built: Promise<T> | undefined;
  return () => {
    built ??= build().catch((error: unknown) => {
      built = undefined;
      throw error;
    });
    return built;
  };
}

/**
 * The Kubernetes API server's own paths that kubectl reads before anything else (`/version`,
 * `/api`, `/apis`), and the OpenAPI documents: Kubernetes' for `kubectl explain` and the
 * aggregator, and `/openapi.json` for the whole HTTP API. All are public, as discovery is.
 */
export function kubernetesRoutes(deps: SmiRouteDeps & AuthSettings, table: () => readonly Route[]): Route[] {
  const kubernetesDocs = once(async () => {
    const { openapiV2, openapiV3GroupVersion, openapiV3Index } = await import("../openapi/kubernetes");
    const perVersion = new Map(API_VERSIONS.map((v) => [v, openapiV3GroupVersion(v, servedKinds(deps, v))]));
    return {
      v2: openapiV2(),
      perVersion,
      index: openapiV3Index((v) => JSON.stringify(perVersion.get(v))),
    };
  });
  const httpApiDoc = once(async () => {
    const { httpApiDocument } = await import("../openapi/http-api");
    return httpApiDocument({
      routes: table(),
      kinds: servedKinds(deps),
      auth: deps,
      window: deps.window,
      version: SERVICE_VERSION,
    });
  });
  const route = (path: string, handle: Route["handle"]): Route => ({
    method: "GET",
    path,
    auth: "none",
    cacheable: false,
    handle,
  });
  return [
    route("/version", async (r) =>
      document(r, versionInfo(SERVICE_VERSION, `${process.platform}/${process.arch}`)),
    ),
    route("/api", async (r) => document(r, apiVersions())),
    route("/apis", async (r) => document(r, apiGroupList())),
    route("/openapi/v2", async (r) => document(r, (await kubernetesDocs()).v2)),
    route("/openapi/v3", async (r) => document(r, (await kubernetesDocs()).index)),
    route(`/openapi/v3/apis/${API_GROUP}/*`, async (r) => {
      const docs = await kubernetesDocs();
      const body = docs.perVersion.get(r.rest[0] as ApiVersion);
      if (body === undefined) {
        throw new NotFoundError(
          `no OpenAPI document for ${API_GROUP}/${r.rest[0]}; served versions are ${API_VERSIONS.join(", ")}`,
        );
      }
      return document(r, body, ["hash"]);
    }),
    route("/openapi.json", async (r) => document(r, await httpApiDoc())),
  ];
}
