import type { JsonSchema } from "./json-schema";

const isObject = (value: unknown): value is JsonSchema =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Rewrites a structural OpenAPI 3.0 schema (see `structural`) as a Swagger 2.0 one, for
 * `/openapi/v2`: `nullable` becomes Kubernetes' `x-nullable`. Swagger 2.0 has no `anyOf`, which
 * a structural schema no longer has either.
 */
export function toSwagger2(schema: JsonSchema): JsonSchema {
  const { nullable, ...rest } = schema;
  const out: JsonSchema = nullable === true ? { ...rest, "x-nullable": true } : rest;
  for (const [key, value] of Object.entries(out)) {
    if (key === "properties" && isObject(value)) {
      out[key] = Object.fromEntries(
        Object.entries(value).map(([name, property]) => [name, toSwagger2(property as JsonSchema)]),
      );
    } else if ((key === "items" || key === "additionalProperties") && isObject(value)) {
      out[key] = toSwagger2(value);
    } else if (key === "allOf" && Array.isArray(value)) {
      out[key] = value.map((branch) => toSwagger2(branch as JsonSchema));
    }
  }
  return out;
}
