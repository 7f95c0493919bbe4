import { TABLE_CONTENT_TYPE } from "../smi/representation";
import type { JsonSchema } from "./json-schema";

/** A route as the route table states it; only what the document needs. */
export interface DocumentedRoute {
  readonly method: string;
  readonly path: string;
  readonly auth: "none" | "api" | "webhook";
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const param = (name: string) => ({ $ref: `#/components/parameters/${name}` });
const json = (schema: JsonSchema) => ({ "application/json": { schema } });

/** Error answers by code; every one is a `Status`. */
export const STATUS_RESPONSES: Readonly<Record<string, string>> = {
  "400": "BadRequest: a bad window, time, name, parameter or body; the message says what is accepted",
  "401": "Unauthorized: missing or wrong credentials",
  "404": "NotFound: unknown path, version or kind, or a kind or edge this mesh cannot answer",
  "403": "Forbidden: this route is switched off in this deployment",
  "405": "MethodNotAllowed: another method on a served path; the Allow header names the one it takes",
  "406":
    "NotAcceptable: the Accept header names no representation this path writes, or the answer is too large for Lambda; the message says how to get it (compression, pages)",
  "410":
    "Expired: a continue token past its lifetime, or the list changed since the first page; start again without continue",
  "500": "InternalError: an unexpected failure; the function's log has the details",
  "502": "BadGateway: the metrics backend answered an error or a body of the wrong shape",
  "503": "ServiceUnavailable: the metrics backend is unreachable",
  "504": "Timeout: the metrics backend did not answer in time",
};

const errors = (...codes: string[]) =>
  Object.fromEntries(codes.map((code) => [code, { $ref: `#/components/responses/Status${code}` }]));

const ok = (description: string, schema: JsonSchema) => ({ description, content: json(schema) });

const WARNING_HEADER = {
  Warning: {
    description: 'Warnings the metrics backend attached to its answer, as `299 - "text"`',
    schema: { type: "string" },
  },
};

const READ_ERRORS = ["400", "404", "406", "410", "500", "502", "503", "504"];
const TIME_PARAMS = [param("t"), param("window"), param("time")];
const RANGE_PARAMS = [param("start"), param("end"), param("step")];
const KUBECTL_PARAMS = [param("includeObject"), param("limit"), param("timeout")];

function metricsOperation(
  summary: string,
  single: "TrafficMetrics" | "TrafficMetricsList" | "TrafficMetrics or, for a split, TrafficMetricsList",
  extra: JsonSchema[],
) {
  // A split's path names one object, but its answer is a list: one item per backend. With start,
  // every answer is its series over a range instead.
  const instant = single.includes(" or,") ? ["TrafficMetrics", "TrafficMetricsList"] : [single];
  const series = instant.map((name) => name.replace("TrafficMetrics", "TrafficMetricsSeries"));
  const schema = { oneOf: [...instant, ...series].map(ref) };
  return {
    get: {
      summary,
      tags: ["SMI"],
      parameters: [param("version"), ...extra, ...TIME_PARAMS, ...RANGE_PARAMS, ...KUBECTL_PARAMS],
      responses: {
        "200": {
          description: `${single}, or with Accept: ${TABLE_CONTENT_TYPE} (as kubectl get sends) a Table of it; with start (v1alpha2), its ${series.join(" or ")} over the range`,
          headers: WARNING_HEADER,
          content: {
            "application/json": { schema },
            [TABLE_CONTENT_TYPE]: { schema: ref("Table") },
          },
        },
        ...errors(...READ_ERRORS),
      },
    },
  };
}

const discovery = (summary: string, schema: string, tags = ["Discovery"]) => ({
  get: {
    summary,
    tags,
    parameters: [param("timeout")],
    responses: { "200": ok(summary, ref(schema)), ...errors("400", "406") },
  },
});

const SMI = "/apis/metrics.smi-spec.io";

/**
 * A file of the web UI: no data and no lock of its own, its own cache policy, and the page's
 * Content-Security-Policy (src/http/ui-files.ts). Bodies are br or gzip as Accept-Encoding allows.
 */
function uiOperation(
  summary: string,
  types: readonly string[],
  cacheControl: string,
  parameters: JsonSchema[] = [],
) {
  const header = (description: string, example?: string) => ({
    description,
    schema: { type: "string", ...(example === undefined ? {} : { example }) },
  });
  return {
    get: {
      summary,
      tags: ["Web UI"],
      parameters,
      responses: {
        "200": {
          description: summary,
          headers: {
            "Cache-Control": header("how long a browser may keep it", cacheControl),
            "Content-Security-Policy": header(
              "the page's policy: its own origin only, no inline script, no eval",
            ),
            ETag: header("its content hash; If-None-Match with it answers 304"),
          },
          content: Object.fromEntries(types.map((type) => [type, { schema: { type: "string" } }])),
        },
        "304": { description: "Not Modified: the browser's copy (If-None-Match) is current" },
        ...errors("404"),
      },
    },
  };
}

/**
 * The OpenAPI paths one route serves, keyed by the route table's own pattern. A route without an
 * entry here fails document generation (and so its test): the document cannot fall behind the table.
 */
export const ROUTE_PATHS: Readonly<Record<string, () => Record<string, JsonSchema>>> = {
  "GET /healthz": () => ({
    "/healthz": {
      get: { summary: "Liveness", tags: ["Health"], responses: { "200": ok("alive", ref("Health")) } },
    },
  }),
  "GET /readyz": () => ({
    "/readyz": {
      get: {
        summary: "Readiness: the metrics backend answers",
        tags: ["Health"],
        responses: { "200": ok("ready", ref("Ready")), ...errors("503") },
      },
    },
  }),
  "GET /version": () => ({ "/version": discovery("This server's version", "VersionInfo") }),
  "GET /api": () => ({ "/api": discovery("The core group's versions (none)", "APIVersions") }),
  "GET /apis": () => ({ "/apis": discovery("API groups", "APIGroupList") }),
  [`GET ${SMI}`]: () => ({ [SMI]: discovery("The metrics.smi-spec.io group", "APIGroup") }),
  [`GET ${SMI}/*`]: () => ({
    [`${SMI}/{version}`]: {
      get: {
        summary: "Kinds the mesh serves",
        tags: ["Discovery"],
        parameters: [param("version"), param("timeout")],
        responses: { "200": ok("APIResourceList", ref("APIResourceList")), ...errors("400", "404", "406") },
      },
    },
  }),
  [`GET ${SMI}/*/**`]: () => ({
    [`${SMI}/{version}/{kind}`]: metricsOperation(
      "Every resource of a kind, all namespaces",
      "TrafficMetricsList",
      [param("kind")],
    ),
    [`${SMI}/{version}/namespaces/{namespace}/{kind}`]: metricsOperation(
      "Every resource of a kind in a namespace",
      "TrafficMetricsList",
      [param("namespace"), param("namespacedKind")],
    ),
    [`${SMI}/{version}/namespaces/{namespace}/{kind}/{name}`]: metricsOperation(
      "One resource, or a split's backends (trafficsplits, httproutes)",
      "TrafficMetrics or, for a split, TrafficMetricsList",
      [param("namespace"), param("namespacedKind"), param("name")],
    ),
    [`${SMI}/{version}/namespaces/{namespace}/{kind}/-/edges`]: metricsOperation(
      "Every edge of every resource of a kind in a namespace, both directions: a topology in one answer",
      "TrafficMetricsList",
      [param("namespace"), param("namespacedKind")],
    ),
    [`${SMI}/{version}/namespaces/{namespace}/{kind}/{name}/edges`]: metricsOperation(
      "A resource's edges, both directions",
      "TrafficMetricsList",
      [param("namespace"), param("namespacedKind"), param("name")],
    ),
    [`${SMI}/{version}/namespaces/{namespace}`]: metricsOperation("A whole namespace", "TrafficMetrics", [
      param("namespace"),
    ]),
    [`${SMI}/{version}/namespaces/{namespace}/edges`]: metricsOperation(
      "Edges between namespaces",
      "TrafficMetricsList",
      [param("namespace")],
    ),
  }),
  "GET /summary/**": () => ({
    "/summary/namespaces/{namespace}/{kind}/{name}": {
      get: {
        summary: "One resource's (or one split backend's) traffic as plain numbers",
        tags: ["Summary"],
        parameters: [
          param("namespace"),
          param("namespacedKind"),
          param("name"),
          ...TIME_PARAMS,
          param("backend"),
        ],
        responses: {
          "200": ok("Summary", ref("Summary")),
          ...errors(...READ_ERRORS.filter((c) => c !== "406")),
        },
      },
    },
    "/summary/namespaces/{namespace}": {
      get: {
        summary: "One namespace's traffic as plain numbers",
        tags: ["Summary"],
        parameters: [param("namespace"), ...TIME_PARAMS],
        responses: {
          "200": ok("Summary", ref("Summary")),
          ...errors(...READ_ERRORS.filter((c) => c !== "406")),
        },
      },
    },
  }),
  "POST /webhooks/flagger": () => ({
    "/webhooks/flagger": {
      post: {
        summary: "Flagger canary gate",
        tags: ["Webhooks"],
        parameters: [param("token")],
        requestBody: { required: true, content: json(ref("GateRequest")) },
        responses: {
          "200": ok("every check passed", ref("GateVerdict")),
          "412": ok("a check failed; Flagger fails the step and records the message", ref("GateVerdict")),
          ...errors("400", "404", "500", "502", "503", "504"),
        },
      },
    },
  }),
  "GET /openapi/v2": () => ({
    "/openapi/v2": discovery("The group's types as Swagger 2.0, for the aggregator", "OpenAPIDocument", [
      "OpenAPI",
    ]),
  }),
  "GET /openapi/v3": () => ({
    "/openapi/v3": discovery("Where each group-version's OpenAPI 3.0 document is", "OpenAPIV3Index", [
      "OpenAPI",
    ]),
  }),
  [`GET /openapi/v3${SMI}/*`]: () => ({
    [`/openapi/v3${SMI}/{version}`]: {
      get: {
        summary: "One version's types, for kubectl explain",
        tags: ["OpenAPI"],
        parameters: [param("version"), param("hash"), param("timeout")],
        responses: { "200": ok("OpenAPI 3.0", ref("OpenAPIDocument")), ...errors("400", "404", "406") },
      },
    },
  }),
  "GET /openapi.json": () => ({
    "/openapi.json": discovery("This document", "OpenAPIDocument", ["OpenAPI"]),
  }),
  "GET /ui/**": () => ({
    // A trailing slash reads as none: /ui/ is /ui.
    "/ui": uiOperation("The web UI's page (also at /ui/)", ["text/html; charset=utf-8"], "no-cache"),
    "/ui/index.html": uiOperation("The web UI's page", ["text/html; charset=utf-8"], "no-cache"),
    "/ui/assets/{file}": uiOperation(
      "One of the web UI's scripts or stylesheets, named by its content hash",
      ["text/javascript; charset=utf-8", "text/css; charset=utf-8"],
      "public, max-age=31536000, immutable",
      [{ name: "file", in: "path", required: true, schema: { type: "string" } }],
    ),
  }),
};
