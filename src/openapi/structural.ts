import type { JsonSchema } from "./json-schema";

/**
 * Rewrites a schema the way Kubernetes publishes its own: structural, every field's type and
 * properties stated on the node itself. kubectl explain cannot see inside an `anyOf`, so a union
 * of objects (the metric entries, a peer or `{}`) would show as an opaque `Object`. A union of
 * inline objects becomes one object with every branch's properties (those all branches require
 * stay required); a union with one named type becomes `allOf: [$ref]`, Kubernetes' form for a
 * described reference. Only the Kubernetes documents are rewritten; `/openapi.json` keeps the
 * exact unions.
 */
export function structural(schema: JsonSchema): JsonSchema {
  const node = mapChildren(schema);
  const branches = node.anyOf;
  if (!Array.isArray(branches)) return node;
  const { anyOf: _anyOf, ...rest } = node;
  const refs = branches.filter((b: JsonSchema) => typeof b.$ref === "string");
  const objects = branches.filter((b: JsonSchema) => b.type === "object" && b.$ref === undefined);
  if (refs.length + objects.length !== branches.length) return node;
  const filled = objects.filter((b: JsonSchema) => Object.keys(properties(b)).length > 0);
  if (refs.length === 1 && filled.length === 0) return { ...rest, allOf: [refs[0]] };
  if (refs.length > 0) return node;
  return { ...rest, ...mergeObjects(objects) };
}

function mergeObjects(objects: readonly JsonSchema[]): JsonSchema {
  const merged: Record<string, JsonSchema> = {};
  for (const object of objects) {
    for (const [name, field] of Object.entries(properties(object))) {
      const known = merged[name];
      merged[name] = known === undefined ? field : mergeField(known, field);
    }
  }
  const requiredBy = objects.map((o) => new Set((o.required as string[] | undefined) ?? []));
  const required = Object.keys(merged).filter((name) => requiredBy.every((r) => r.has(name)));
  return { type: "object", properties: merged, ...(required.length === 0 ? {} : { required }) };
}

/** One field several branches define: every value any of them accepts, every description once. */
function mergeField(a: JsonSchema, b: JsonSchema): JsonSchema {
  const field: JsonSchema = { ...a };
  if (Array.isArray(a.enum) && Array.isArray(b.enum)) field.enum = [...new Set([...a.enum, ...b.enum])];
  else delete field.enum;
  if (b.nullable === true) field.nullable = true;
  const descriptions = [a.description, b.description].filter((d): d is string => typeof d === "string");
  if (descriptions.length > 0) field.description = [...new Set(descriptions)].join(". ");
  return field;
}

function properties(schema: JsonSchema): Record<string, JsonSchema> {
  return (schema.properties as Record<string, JsonSchema> | undefined) ?? {};
}

function mapChildren(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = { ...schema };
  if (schema.properties !== undefined) {
    out.properties = Object.fromEntries(
      Object.entries(properties(schema)).map(([name, field]) => [name, structural(field)]),
    );
  }
  if (isSchema(schema.items)) out.items = structural(schema.items);
  if (Array.isArray(schema.anyOf)) out.anyOf = schema.anyOf.map((b: JsonSchema) => structural(b));
  return out;
}

const isSchema = (value: unknown): value is JsonSchema => typeof value === "object" && value !== null;
