import type { JsonSchema } from "./json-schema";

const isObject = (value: unknown): value is JsonSchema =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Merges the branches of a union into the one object schema Swagger 2.0 can say: every property
 * of any branch, required only where every branch requires it, and enums joined. Swagger 2.0 has
 * no `anyOf`/`oneOf`; Kubernetes' own v2 documents describe such fields the same way.
 */
function mergeBranches(branches: readonly JsonSchema[]): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const branch of branches) {
    for (const [name, property] of Object.entries((branch.properties as Record<string, JsonSchema>) ?? {})) {
      const seen = properties[name];
      const enums = [...((seen?.enum as unknown[]) ?? []), ...((property.enum as unknown[]) ?? [])];
      properties[name] = seen === undefined ? property : enums.length > 0 ? { ...seen, enum: enums } : seen;
    }
  }
  const requiredBy = branches.map((b) => new Set((b.required as string[]) ?? []));
  const required = Object.keys(properties).filter((name) => requiredBy.every((set) => set.has(name)));
  return { type: "object", properties, ...(required.length > 0 ? { required } : {}) };
}

/**
 * Rewrites an OpenAPI 3.0 schema (zod's `openapi-3.0` output) as a Swagger 2.0 one, for
 * `/openapi/v2`: `nullable` becomes Kubernetes' `x-nullable`, and unions are merged.
 */
export function toSwagger2(schema: JsonSchema): JsonSchema {
  const union = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  const {
    anyOf: _anyOf,
    oneOf: _oneOf,
    nullable,
    ...rest
  } = union ? { ...schema, ...mergeBranches(union) } : schema;
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
