import * as z from "zod";

/** A JSON Schema object as zod writes it; documents only ever pass it through. */
export type JsonSchema = Record<string, unknown>;

/** A schema to publish under a name, with keys only this document adds (a GVK, for example). */
export interface NamedSchema {
  readonly name: string;
  readonly schema: z.ZodType;
  readonly extra?: JsonSchema;
}

export interface ComponentOptions {
  /** `openapi-3.0` for Kubernetes' OpenAPI v3 (and, converted, v2); `draft-2020-12` for OpenAPI 3.1. */
  readonly target: "openapi-3.0" | "draft-2020-12";
  /** Where the document keeps named schemas: `#/components/schemas/` or `#/definitions/`. */
  readonly refPrefix: string;
  /** Request bodies are described as the client writes them, before our transforms. */
  readonly io?: "input" | "output";
}

/**
 * Turns zod schemas into a document's named schemas with zod's own JSON Schema output. Named
 * schemas used inside others become `$ref`s; descriptions and examples come from each schema's
 * `.meta()`. The per-schema `$id` and `$schema` zod adds are dropped: inside an OpenAPI document
 * an `$id` would change what relative `$ref`s resolve against.
 */
export function componentSchemas(
  named: readonly NamedSchema[],
  options: ComponentOptions,
): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  const extras = new Map<unknown, JsonSchema>();
  for (const { name, schema, extra } of named) {
    registry.add(schema, { id: name });
    if (extra !== undefined) extras.set(schema, extra);
  }
  const { schemas } = z.toJSONSchema(registry, {
    target: options.target,
    io: options.io ?? "output",
    unrepresentable: "throw",
    uri: (id) => `${options.refPrefix}${id}`,
    override: ({ zodSchema, jsonSchema }) => {
      const extra = extras.get(zodSchema);
      if (extra !== undefined) Object.assign(jsonSchema, extra);
    },
  });
  return Object.fromEntries(
    Object.entries(schemas).map(([name, { $id: _id, $schema: _schema, ...schema }]) => [name, schema]),
  );
}
