import { version as SERVICE_VERSION } from "../../package.json";
import type { Context } from "../config/context";
import { NotFoundError } from "../errors/request-errors";
import { apiGroupList, apiVersions, versionInfo } from "../smi/discovery";
import { API_GROUP, API_VERSIONS, type ApiVersion } from "../smi/kinds";
import { ROUTES, type RouteHandler, type RouteName, type RouteRequest } from "./route-table";
import { document } from "./smi-routes";

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

/** Kubernetes' OpenAPI documents of the served kinds, for `kubectl explain` and the aggregator. */
async function kubernetesDocuments(context: Context) {
  const { openapiV2, openapiV3GroupVersion, openapiV3Index } = await import("../openapi/kubernetes");
  const perVersion = new Map(API_VERSIONS.map((v) => [v, openapiV3GroupVersion(v, context.kinds[v])]));
  return {
    v2: openapiV2(),
    perVersion,
    index: openapiV3Index((v) => JSON.stringify(perVersion.get(v))),
  };
}

/** `/openapi.json`: the whole HTTP API, from the route table and the wire schemas. */
async function httpApiDocument(context: Context) {
  const { httpApiDocument } = await import("../openapi/http-api");
  return httpApiDocument({
    routes: ROUTES,
    kinds: context.kinds.v1alpha2,
    auth: context.config,
    window: context.config.window,
    version: SERVICE_VERSION,
  });
}

type DocumentRoute = Extract<
  RouteName,
  "version" | "coreApi" | "apiGroups" | "openapiV2" | "openapiV3" | "openapiV3GroupVersion" | "openapiJson"
>;

/**
 * The Kubernetes API server's own paths that kubectl reads before anything else (`/version`,
 * `/api`, `/apis`), and the OpenAPI documents: Kubernetes' for `kubectl explain` and the
 * aggregator, and `/openapi.json` for the whole HTTP API. All are public, as discovery is.
 */
export function documentRoutes(context: Context): Record<DocumentRoute, RouteHandler> {
  const kubernetesDocs = once(() => kubernetesDocuments(context));
  const httpApiDoc = once(() => httpApiDocument(context));
  const groupVersion = async (r: RouteRequest) => {
    const body = (await kubernetesDocs()).perVersion.get(r.rest[0] as ApiVersion);
    if (body === undefined) {
      throw new NotFoundError(
        `no OpenAPI document for ${API_GROUP}/${r.rest[0]}; served versions are ${API_VERSIONS.join(", ")}`,
      );
    }
    return document(r, body, ["hash"]);
  };
  return {
    version: async (r) => document(r, versionInfo(SERVICE_VERSION, `${process.platform}/${process.arch}`)),
    coreApi: async (r) => document(r, apiVersions()),
    apiGroups: async (r) => document(r, apiGroupList()),
    openapiV2: async (r) => document(r, (await kubernetesDocs()).v2),
    openapiV3: async (r) => document(r, (await kubernetesDocs()).index),
    openapiV3GroupVersion: groupVersion,
    openapiJson: async (r) => document(r, await httpApiDoc()),
  };
}
