/**
 * `GET /openapi.json`: an OpenAPI 3.1 document of this deployment's whole HTTP API, generated
 * from the route table (paths, who may call them) and the zod wire schemas (bodies, parameters).
 */
import * as z from "zod";
import { InstantSchema, type WindowBounds } from "../metrics/time-range";
import {
  APIGroupListSchema,
  APIGroupSchema,
  APIResourceListSchema,
  APIVersionsSchema,
  VersionInfoSchema,
} from "../smi/discovery-schemas";
import { NamespaceNameSchema, ResourceNameSchema } from "../smi/k8s-name";
import { API_VERSIONS, KINDS, type KindName } from "../smi/kinds";
import { KubectlQuerySchema } from "../smi/kubectl-query";
import {
  StatusSchema,
  TrafficMetricsListSchema,
  TrafficMetricsSchema,
  TrafficMetricsSeriesListSchema,
  TrafficMetricsSeriesSchema,
} from "../smi/schemas";
import { PartialObjectMetadataSchema, TableSchema } from "../smi/table-schemas";
import { formatDuration } from "../smi/time";
import {
  GateRequestBodySchema,
  GateVerdictSchema,
  HealthSchema,
  ReadySchema,
  SummarySchema,
} from "./http-bodies";
import { componentSchemas, type JsonSchema } from "./json-schema";
import { type DocumentedRoute, ROUTE_PATHS, STATUS_RESPONSES } from "./operations";

export interface HttpApiOptions {
  readonly routes: readonly DocumentedRoute[];
  /** The kinds the configured mesh serves. */
  readonly kinds: readonly KindName[];
  readonly auth: {
    readonly apiAuth?: { readonly mode: "iam" | "jwt" | "none"; readonly token?: string | undefined };
    readonly webhookToken?: string | undefined;
  };
  readonly window: WindowBounds;
  /** This server's version. */
  readonly version: string;
}

const ANY_OBJECT = z.record(z.string(), z.unknown());

function schemas(): Record<string, JsonSchema> {
  const output = componentSchemas(
    [
      { name: "TrafficMetrics", schema: TrafficMetricsSchema },
      { name: "TrafficMetricsList", schema: TrafficMetricsListSchema },
      { name: "TrafficMetricsSeries", schema: TrafficMetricsSeriesSchema },
      { name: "TrafficMetricsSeriesList", schema: TrafficMetricsSeriesListSchema },
      { name: "Table", schema: TableSchema },
      { name: "PartialObjectMetadata", schema: PartialObjectMetadataSchema },
      { name: "Status", schema: StatusSchema },
      { name: "APIResourceList", schema: APIResourceListSchema },
      { name: "APIGroup", schema: APIGroupSchema },
      { name: "APIGroupList", schema: APIGroupListSchema },
      { name: "APIVersions", schema: APIVersionsSchema },
      { name: "VersionInfo", schema: VersionInfoSchema },
      { name: "Summary", schema: SummarySchema },
      { name: "GateVerdict", schema: GateVerdictSchema },
      { name: "Health", schema: HealthSchema },
      { name: "Ready", schema: ReadySchema },
      { name: "OpenAPIDocument", schema: ANY_OBJECT.meta({ description: "an OpenAPI document" }) },
      {
        name: "OpenAPIV3Index",
        schema: z.strictObject({
          paths: z.record(z.string(), z.strictObject({ serverRelativeURL: z.string() })),
        }),
      },
    ],
    { target: "draft-2020-12", refPrefix: "#/components/schemas/" },
  );
  // A request body is described as the client writes it, before the gate's transforms.
  const input = componentSchemas([{ name: "GateRequest", schema: GateRequestBodySchema }], {
    target: "draft-2020-12",
    refPrefix: "#/components/schemas/",
    io: "input",
  });
  return { ...output, ...input };
}

const schemaOf = (schema: z.ZodType) => {
  const { $schema: _schema, ...rest } = z.toJSONSchema(schema, { target: "draft-2020-12", io: "input" });
  return rest;
};

const pathParameter = (name: string, schema: z.ZodType, description: string) => ({
  name,
  in: "path",
  required: true,
  description,
  schema: schemaOf(schema),
});

const queryParameter = (name: string, schema: z.ZodType, description: string) => ({
  name,
  in: "query",
  required: false,
  description,
  schema: schemaOf(schema),
});

/** The path parameters of the SMI paths: version, kind, namespace and name. */
function pathParameters(kinds: readonly KindName[]): Record<string, JsonSchema> {
  const namespaced = kinds.filter((k) => KINDS[k].namespaced);
  return {
    version: pathParameter("version", z.enum(API_VERSIONS), "API version"),
    kind: pathParameter(
      "kind",
      z.enum(kinds as [KindName, ...KindName[]]),
      "a kind the mesh serves (plural)",
    ),
    namespacedKind: pathParameter(
      "kind",
      z.enum(namespaced as [KindName, ...KindName[]]),
      "a namespaced kind the mesh serves (plural)",
    ),
    namespace: pathParameter("namespace", NamespaceNameSchema, "a namespace (DNS-1123 label)"),
    name: pathParameter("name", ResourceNameSchema, "a resource name (DNS-1123 subdomain)"),
  };
}

/** The time parameters: an instant answer's window and time, a range answer's start, end and step. */
function timeParameters(window: WindowBounds): Record<string, JsonSchema> {
  const windowText = `a duration such as 30s, 5m or 1h30m, from ${formatDuration(window.minMs)} to ${formatDuration(window.maxMs)}; default ${formatDuration(window.defaultMs)}`;
  return {
    t: queryParameter("t", z.string(), `the window ending at time: ${windowText}`),
    window: queryParameter("window", z.string(), "alias of t"),
    time: queryParameter(
      "time",
      InstantSchema,
      "end of the window, RFC 3339 (2026-11-25T09:00:00Z) or Unix seconds; default now; never in the future",
    ),
    start: queryParameter(
      "start",
      InstantSchema,
      "makes the answer a range (v1alpha2): its first point, RFC 3339 or Unix seconds; the answer is then a TrafficMetricsSeries (a list: TrafficMetricsSeriesList), each point the window t ending there",
    ),
    end: queryParameter(
      "end",
      InstantSchema,
      "a range's end, before which its last point lies; default now; never in the future",
    ),
    step: queryParameter(
      "step",
      z.string(),
      `time between a range's points, at least ${formatDuration(window.minMs)} (SCRAPE_INTERVAL); default the window t; at most 1000 points per object`,
    ),
  };
}

function parameters(kinds: readonly KindName[], window: WindowBounds): Record<string, JsonSchema> {
  const kubectl = KubectlQuerySchema.shape;
  return {
    ...pathParameters(kinds),
    ...timeParameters(window),
    includeObject: queryParameter(
      "includeObject",
      kubectl.includeObject,
      "Table answers: what each row's object holds",
    ),
    limit: queryParameter(
      "limit",
      z.string().regex(/^\d+$/),
      "items per page (kubectl sends 500); 0 or absent: the whole list",
    ),
    continue: queryParameter("continue", z.string(), "metadata.continue of the previous page, as it came"),
    backend: queryParameter(
      "backend",
      ResourceNameSchema,
      "trafficsplits and httproutes only, and required there: the split's backend to summarize",
    ),
    timeout: queryParameter(
      "timeout",
      kubectl.timeout,
      "accepted for kubectl; the server keeps its own deadline",
    ),
    hash: queryParameter("hash", z.string(), "the document's content hash, from /openapi/v3"),
    token: queryParameter(
      "token",
      z.string(),
      "the webhook's shared secret, when it is not in the payload's metadata",
    ),
  };
}

/** The schemes a deployment's routes are locked with, and which apply to each kind of route. */
function security(auth: HttpApiOptions["auth"]) {
  const mode = auth.apiAuth?.mode ?? "none";
  const schemes: Record<string, JsonSchema> = {};
  let api: Record<string, string[]>[] = [];
  if (mode === "iam") {
    schemes.sigv4 = {
      type: "apiKey",
      in: "header",
      name: "Authorization",
      description: "AWS SigV4-signed requests, checked by API Gateway's IAM authorizer",
    };
    api = [{ sigv4: [] }];
  } else if (mode === "jwt") {
    schemes.jwt = {
      type: "http",
      scheme: "bearer",
      bearerFormat: "JWT",
      description: "a JWT from the configured issuer, checked by API Gateway's JWT authorizer",
    };
    api = [{ jwt: [] }];
  } else if (auth.apiAuth?.token !== undefined) {
    schemes.apiToken = {
      type: "http",
      scheme: "bearer",
      description: "the API_TOKEN, checked by the function",
    };
    api = [{ apiToken: [] }];
  }
  let webhook: Record<string, string[]>[] = [];
  if (auth.webhookToken !== undefined) {
    schemes.webhookToken = {
      type: "apiKey",
      in: "query",
      name: "token",
      description:
        'the WEBHOOK_TOKEN; may instead be sent as metadata "token" in the payload (Flagger cannot send headers)',
    };
    webhook = [{ webhookToken: [] }];
  }
  const byAuth = { none: [], api, webhook };
  return { schemes, of: (route: DocumentedRoute) => byAuth[route.auth] };
}

/** Every operation of every route in the table, locked as the table says. */
function paths(routes: readonly DocumentedRoute[], lockOf: (route: DocumentedRoute) => unknown[]) {
  const out: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const describe = ROUTE_PATHS[`${route.method} ${route.path}`];
    if (describe === undefined) {
      throw new Error(
        `route ${route.method} ${route.path} has no OpenAPI description in src/openapi/operations.ts`,
      );
    }
    for (const [path, item] of Object.entries(describe())) {
      const lock = lockOf(route);
      // Every path answers another method with a 405; a locked one may answer 401, and the
      // webhook is off (403) in a deployment without its token.
      const extra = {
        ...errors405,
        ...(lock.length > 0 ? errors401 : {}),
        ...(route.auth === "webhook" ? errors403 : {}),
      };
      out[path] = Object.fromEntries(
        Object.entries(item).map(([method, operation]) => [
          method,
          {
            ...(operation as JsonSchema),
            security: lock,
            responses: { ...((operation as JsonSchema).responses as JsonSchema), ...extra },
          },
        ]),
      );
    }
  }
  return out;
}

const errors401 = { "401": { $ref: "#/components/responses/Status401" } };
const errors403 = { "403": { $ref: "#/components/responses/Status403" } };
const errors405 = { "405": { $ref: "#/components/responses/Status405" } };

export function httpApiDocument(options: HttpApiOptions): JsonSchema {
  const { schemes, of } = security(options.auth);
  const statusResponses = Object.fromEntries(
    Object.entries(STATUS_RESPONSES).map(([code, description]) => [
      `Status${code}`,
      { description, content: { "application/json": { schema: { $ref: "#/components/schemas/Status" } } } },
    ]),
  );
  return {
    openapi: "3.1.0",
    info: {
      title: "SMI Traffic Metrics API",
      version: options.version,
      description:
        "metrics.smi-spec.io (v1alpha1, v1alpha2) over a service mesh's metrics in Prometheus, with Kubernetes discovery for kubectl, a Flagger gate and a plain-number summary. Every error is a Kubernetes Status; another method on a served path is a 405 Status with Allow.",
    },
    paths: paths(options.routes, of),
    components: {
      schemas: schemas(),
      parameters: parameters(options.kinds, options.window),
      responses: statusResponses,
      securitySchemes: schemes,
    },
  };
}
