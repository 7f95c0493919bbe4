/**
 * The OpenAPI documents Kubernetes clients read to learn a group's types: `/openapi/v3` (an index
 * of one document per group-version, which `kubectl explain` reads) and `/openapi/v2` (one Swagger
 * 2.0 document, which the aggregator merges into a cluster's when this runs behind an
 * APIService). Types carry `x-kubernetes-group-version-kind`, which is how clients find the
 * schema of a kind. Generated from the wire schemas; never written by hand.
 */
import { createHash } from "node:crypto";
import { discoveryKindOf } from "../smi/discovery";
import { API_GROUP, API_VERSIONS, type ApiVersion, KIND_NAMES, KINDS, type KindName } from "../smi/kinds";
import {
  EdgeSchema,
  ObjectReferenceSchema,
  TrafficMetricsListSchema,
  TrafficMetricsMetadataSchema,
  TrafficMetricsSchema,
} from "../smi/schemas";
import { componentSchemas, type JsonSchema, type NamedSchema } from "./json-schema";
import { structural } from "./structural";
import { toSwagger2 } from "./swagger2";

/** `io.smi-spec.metrics.v1alpha2.TrafficMetrics`: Kubernetes names definitions by reversed group. */
const definitionName = (version: ApiVersion, type: string) =>
  `${API_GROUP.split(".").reverse().join(".")}.${version}.${type}`;

/**
 * The group's types. `TrafficMetrics` also answers to each resource's discovery Kind
 * (`DeploymentTrafficMetrics`, ...), which is what kubectl looks its schema up by.
 */
function namedSchemas(version: ApiVersion): NamedSchema[] {
  const gvk = (...kinds: string[]) => ({
    "x-kubernetes-group-version-kind": kinds.map((kind) => ({ group: API_GROUP, version, kind })),
  });
  return [
    {
      name: definitionName(version, "TrafficMetrics"),
      schema: TrafficMetricsSchema,
      extra: gvk("TrafficMetrics", ...KIND_NAMES.map(discoveryKindOf)),
    },
    {
      name: definitionName(version, "TrafficMetricsList"),
      schema: TrafficMetricsListSchema,
      extra: gvk("TrafficMetricsList"),
    },
    { name: definitionName(version, "ObjectReference"), schema: ObjectReferenceSchema },
    { name: definitionName(version, "Edge"), schema: EdgeSchema },
    { name: definitionName(version, "ObjectMeta"), schema: TrafficMetricsMetadataSchema },
  ];
}

/** The group's types as Kubernetes publishes types: structural, so kubectl explain sees every field. */
function kubernetesSchemas(version: ApiVersion, refPrefix: string): Record<string, JsonSchema> {
  const schemas = componentSchemas(namedSchemas(version), { target: "openapi-3.0", refPrefix });
  return Object.fromEntries(Object.entries(schemas).map(([name, schema]) => [name, structural(schema)]));
}

const V3_PREFIX = "/openapi/v3/";
/** The index key and path of one group-version's document: `apis/metrics.smi-spec.io/v1alpha2`. */
const groupVersionKey = (version: ApiVersion) => `apis/${API_GROUP}/${version}`;

/**
 * A kind's read operations, Kubernetes style: `kubectl explain` finds a resource's kind from the
 * `x-kubernetes-group-version-kind` of the GET at its list or object path.
 */
function kindPaths(version: ApiVersion, kind: KindName): Record<string, JsonSchema> {
  const base = `/apis/${API_GROUP}/${version}`;
  const operation = (
    action: "get" | "list",
    type: "TrafficMetrics" | "TrafficMetricsList",
    scope: string,
  ) => ({
    get: {
      operationId: `${action}${KINDS[kind].kind}${scope}TrafficMetrics${version}`,
      description: `${action === "list" ? "list" : "read"} the traffic of ${kind}`,
      parameters: [],
      responses: {
        "200": {
          description: "OK",
          content: {
            "application/json": { schema: { $ref: `#/components/schemas/${definitionName(version, type)}` } },
          },
        },
      },
      "x-kubernetes-action": action,
      "x-kubernetes-group-version-kind": { group: API_GROUP, version, kind: discoveryKindOf(kind) },
    },
  });
  const pathParam = (name: string) => ({ name, in: "path", required: true, schema: { type: "string" } });
  const withParams = (item: JsonSchema, names: string[]) => ({ ...item, parameters: names.map(pathParam) });
  if (!KINDS[kind].namespaced) {
    return {
      [`${base}/${kind}`]: operation("list", "TrafficMetricsList", ""),
      [`${base}/${kind}/{name}`]: withParams(operation("get", "TrafficMetrics", ""), ["name"]),
    };
  }
  return {
    [`${base}/${kind}`]: operation("list", "TrafficMetricsList", "ForAllNamespaces"),
    [`${base}/namespaces/{namespace}/${kind}`]: withParams(
      operation("list", "TrafficMetricsList", "Namespaced"),
      ["namespace"],
    ),
    [`${base}/namespaces/{namespace}/${kind}/{name}`]: withParams(
      operation("get", "TrafficMetrics", "Namespaced"),
      ["namespace", "name"],
    ),
  };
}

/** `GET /openapi/v3/apis/metrics.smi-spec.io/{version}`: an OpenAPI 3.0 document of its kinds. */
export function openapiV3GroupVersion(version: ApiVersion, kinds: readonly KindName[]): JsonSchema {
  return {
    openapi: "3.0.0",
    info: { title: API_GROUP, version },
    paths: Object.assign({}, ...kinds.map((kind) => kindPaths(version, kind))),
    components: {
      schemas: kubernetesSchemas(version, "#/components/schemas/"),
    },
  };
}

/**
 * `GET /openapi/v3`: where each group-version's document is. The `hash` names the document's
 * content, as Kubernetes does, so clients that cache by URL never keep a stale one.
 */
export function openapiV3Index(documentOf: (version: ApiVersion) => string): JsonSchema {
  const paths = Object.fromEntries(
    API_VERSIONS.map((version) => {
      const hash = createHash("sha512").update(documentOf(version)).digest("hex").toUpperCase();
      return [
        groupVersionKey(version),
        { serverRelativeURL: `${V3_PREFIX}${groupVersionKey(version)}?hash=${hash}` },
      ];
    }),
  );
  return { paths };
}

/** `GET /openapi/v2`: every version's types in one Swagger 2.0 document. */
export function openapiV2(): JsonSchema {
  const definitions: Record<string, JsonSchema> = {};
  for (const version of API_VERSIONS) {
    const schemas = kubernetesSchemas(version, "#/definitions/");
    for (const [name, schema] of Object.entries(schemas)) definitions[name] = toSwagger2(schema);
  }
  return { swagger: "2.0", info: { title: API_GROUP, version: API_VERSIONS.at(-1) }, paths: {}, definitions };
}
