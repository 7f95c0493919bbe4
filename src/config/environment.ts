import * as z from "zod";
import { ConfigError } from "../errors/config-error";
import { parseDurationMs } from "../smi/time";

/**
 * A generic reader of settings from environment variables: each leaf of a zod schema names the
 * variable it reads (`fromEnv`), so a setting is declared once and error messages name the
 * variable an operator sets. This file and `settings.ts` (this service's variables) are the only
 * code that reads `process.env`.
 */

export type Env = Readonly<Record<string, string | undefined>>;

/** Variable name of each leaf schema, for reading the environment and for error messages. */
const VARIABLE_OF = new WeakMap<z.ZodType, string>();

/** A leaf setting read from one variable; an empty value counts as unset. */
export function fromEnv<T extends z.ZodType>(variable: string, schema: T) {
  const leaf = z.preprocess((value) => (value === "" ? undefined : value), schema);
  VARIABLE_OF.set(leaf, variable);
  return leaf;
}

export const positiveDuration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = parseDurationMs(text);
      if (ms === undefined || ms === 0) {
        ctx.addIssue({
          code: "custom",
          message: `"${text}" is not a positive duration such as 10s, 5m or 1h`,
        });
        return z.NEVER;
      }
      return ms;
    });

/** Digits only: `Number()` would also take `0x1F`, `1e3`, `+7` and padded values. */
export const integer = (fallback: number, min: number, max: number) =>
  z
    .string()
    .regex(/^[0-9]+$/, `must be a whole number from ${min} to ${max}, in digits`)
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
    .default(fallback);

export const httpUrl = (example: string) =>
  z.url({ protocol: /^https?$/, message: `must be an http(s) URL such as ${example}` });

export const secret = () => z.string().min(16, "must be at least 16 characters").optional();

export const headersJson = z
  .string()
  .optional()
  .transform((text, ctx) => {
    if (text === undefined) return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      ctx.addIssue({
        code: "custom",
        message: 'must be a JSON object of header names to values, such as {"X-Scope-OrgID":"team-a"}',
      });
      return z.NEVER;
    }
    const headers = z
      .record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, "is not a header name"), z.string())
      .safeParse(parsed);
    if (!headers.success) {
      ctx.addIssue({
        code: "custom",
        message: `must be a JSON object of header names to string values: ${headers.error.issues[0]?.message}`,
      });
      return z.NEVER;
    }
    return headers.data as Readonly<Record<string, string>>;
  });

/** The environment as the nested input a settings schema takes, by walking the leaves' variables. */
function nestEnv(shape: z.ZodRawShape, env: Env): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(shape)) {
    const variable = VARIABLE_OF.get(schema as z.ZodType);
    if (variable !== undefined) out[key] = env[variable];
    else if (schema instanceof z.ZodObject) out[key] = nestEnv(schema.shape, env);
  }
  return out;
}

/** Every `fromEnv` leaf below a settings object, with its variable. */
export function* leaves(root: z.ZodObject): Generator<[string, z.ZodType]> {
  for (const schema of Object.values(root.shape) as z.ZodType[]) {
    const variable = VARIABLE_OF.get(schema);
    if (variable !== undefined) yield [variable, schema];
    else if (schema instanceof z.ZodObject) yield* leaves(schema);
  }
}

/** The variable a nested issue path points at, so messages name what the operator sets. */
function variableAt(root: z.ZodObject, path: readonly PropertyKey[]): string | undefined {
  let schema: z.ZodType = root;
  for (const key of path) {
    if (!(schema instanceof z.ZodObject)) return undefined;
    const next = schema.shape[String(key)] as z.ZodType | undefined;
    if (next === undefined) return undefined;
    schema = next;
  }
  return VARIABLE_OF.get(schema);
}

/**
 * Parses the environment with settings schemas whose leaves are `fromEnv`, each possibly refined
 * or transformed as a whole (the function's, and the local server's beside it). Every bad value of
 * all of them is in one `ConfigError` that names each variable and what it accepts, so one run
 * names everything to fix.
 */
export function loadSettingsTogether<const P extends readonly SettingsPart[]>(
  parts: P,
  env: Env,
): { [K in keyof P]: z.output<P[K]["schema"]> } {
  const lines: string[] = [];
  const issues: z.core.$ZodIssue[] = [];
  const values = parts.map(({ root, schema }) => {
    const parsed = schema.safeParse(nestEnv(root.shape, env));
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) {
      const variable = variableAt(root, issue.path);
      lines.push(variable === undefined ? issue.message : `${variable}: ${issue.message}`);
      issues.push(issue);
    }
    return undefined;
  });
  if (issues.length > 0) throw new ConfigError(`invalid configuration: ${lines.join("; ")}`, issues);
  return values as { [K in keyof P]: z.output<P[K]["schema"]> };
}

/** One schema over the environment: its tree of variables (`root`) and the schema that reads it. */
export interface SettingsPart {
  readonly root: z.ZodObject;
  readonly schema: z.ZodType;
}

/** The process environment, for the dev tools' own settings (`src/dev/dev-settings.ts`). */
export function processEnv(): Env {
  return process.env;
}

/**
 * Builds a Lambda handler's module-scope state: a bad environment is logged as one structured line
 * that says why, then thrown, so the function refuses to serve instead of failing per request.
 */
export function atStartup<T>(build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof ConfigError) console.error(JSON.stringify({ level: "fatal", error: error.message }));
    throw error;
  }
}
