import * as z from "zod";
import { ConfigError } from "./errors";
import { MESH_NAMES } from "./mesh/select";
import { isLabelName } from "./prometheus/promql";
import { formatDuration, parseDurationMs } from "./smi/duration";

const blankIsUnset = (value: unknown) => (value === "" ? undefined : value);

const duration = (fallback: string) =>
  z.preprocess(
    blankIsUnset,
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
      }),
  );

const labelName = (fallback: string) =>
  z.preprocess(
    blankIsUnset,
    z
      .string()
      .default(fallback)
      .refine(isLabelName, { message: "must be a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)" }),
  );

const integer = (fallback: number, min: number, max: number) =>
  z.preprocess(
    blankIsUnset,
    z.coerce
      .number({ message: "must be a whole number" })
      .int("must be a whole number")
      .min(min, `must be at least ${min}`)
      .max(max, `must be at most ${max}`)
      .default(fallback),
  );

/** Every environment variable the service reads, with its default. */
export const EnvSchema = z.object({
  MESH: z.preprocess(
    blankIsUnset,
    z.enum(MESH_NAMES, { message: `must be one of: ${MESH_NAMES.join(", ")}` }).default("linkerd"),
  ),
  PROMETHEUS_URL: z.preprocess(
    blankIsUnset,
    z
      .url({ protocol: /^https?$/, message: "must be an http(s) URL such as http://prometheus:9090" })
      .optional(),
  ),
  PROMETHEUS_HEADERS: z.preprocess(
    blankIsUnset,
    z
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
        return headers.data;
      }),
  ),
  PROMETHEUS_BEARER_TOKEN: z.preprocess(blankIsUnset, z.string().optional()),
  PROMETHEUS_SIGV4_REGION: z.preprocess(
    blankIsUnset,
    z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "must be an AWS region such as us-east-1")
      .optional(),
  ),
  PROMETHEUS_RETRY_ATTEMPTS: integer(3, 1, 10),
  API_AUTH: z.preprocess(
    blankIsUnset,
    z.enum(["iam", "jwt", "none"], { message: "must be iam, jwt or none" }).default("none"),
  ),
  API_TOKEN: z.preprocess(blankIsUnset, z.string().min(16, "must be at least 16 characters").optional()),
  /** Set by the Lambda runtime; tells a deployed function from a local run. */
  AWS_LAMBDA_FUNCTION_NAME: z.preprocess(blankIsUnset, z.string().optional()),
  CONSUL_HTTP_ADDR: z.preprocess(
    blankIsUnset,
    z.url({ protocol: /^https?$/, message: "must be an http(s) URL such as http://consul:8500" }).optional(),
  ),
  CONSUL_HTTP_TOKEN: z.preprocess(blankIsUnset, z.string().optional()),
  PROMETHEUS_TIMEOUT_MS: integer(10_000, 100, 300_000),
  PORT: integer(3000, 0, 65_535),
  HOST: z.preprocess(blankIsUnset, z.string().default("127.0.0.1")),
  PROMETHEUS_BIN: z.preprocess(blankIsUnset, z.string().optional()),
  CACHE_TTL: z.preprocess(
    blankIsUnset,
    z
      .string()
      .default("60s")
      .transform((text, ctx) => {
        const ms = text === "0" ? 0 : parseDurationMs(text);
        if (ms === undefined) {
          ctx.addIssue({
            code: "custom",
            message: `"${text}" is not a duration such as 60s; 0 turns the cache off`,
          });
          return z.NEVER;
        }
        return ms;
      }),
  ),
  CACHE_MAX_ENTRIES: integer(500, 0, 100_000),
  CACHE_MAX_BYTES: integer(32 * 1024 * 1024, 0, 1024 * 1024 * 1024),
  WEBHOOK_TOKEN: z.preprocess(blankIsUnset, z.string().min(16, "must be at least 16 characters").optional()),
  REPORT_WEBHOOK_SECRET: z.preprocess(
    blankIsUnset,
    z.string().min(16, "must be at least 16 characters").optional(),
  ),
  AWS_LAMBDA_ENDPOINT: z.preprocess(
    blankIsUnset,
    z
      .url({ protocol: /^https?$/, message: "must be an http(s) URL such as http://localhost:3002" })
      .optional(),
  ),
  SCRAPE_INTERVAL: duration("10s"),
  DEFAULT_WINDOW: duration("30s"),
  MAX_WINDOW: duration("24h"),
  LABEL_NAMESPACE: labelName("namespace"),
  LABEL_POD: labelName("pod"),
  LABEL_DEPLOYMENT: labelName("deployment"),
  LABEL_STATEFULSET: labelName("statefulset"),
  LABEL_DAEMONSET: labelName("daemonset"),
  LABEL_REPLICASET: labelName("replicaset"),
  LABEL_JOB: labelName("k8s_job"),
});
export type Env = z.infer<typeof EnvSchema>;

/** The validated settings the service runs with. */
export interface Config {
  readonly mesh: Env["MESH"];
  /**
   * Where PromQL goes: Prometheus itself, or Consul's metrics proxy when the mesh is Consul,
   * `CONSUL_HTTP_ADDR` is set and `PROMETHEUS_URL` is not.
   */
  readonly prometheus: {
    readonly url: string;
    readonly timeoutMs: number;
    readonly via: "prometheus" | "consul";
    readonly headers: Readonly<Record<string, string>>;
    readonly bearerToken: string | undefined;
    /** Region for AWS SigV4 signing (Amazon Managed Service for Prometheus); unset means no signing. */
    readonly sigv4Region: string | undefined;
    readonly retryAttempts: number;
  };
  /**
   * How the SMI and summary routes are locked: by the gateway (`iam`, `jwt`) or, with `none`, by
   * the function itself with `token`. An unset token with `none` is allowed only outside Lambda.
   */
  readonly apiAuth: { readonly mode: "iam" | "jwt" | "none"; readonly token: string | undefined };
  /** Consul's HTTP API, for the catalog and the metrics proxy. */
  readonly consul: { readonly address: string; readonly token: string | undefined } | undefined;
  /** Local server only: where `npm start` and the demo listen (0 picks a free port). */
  readonly port: number;
  readonly host: string;
  /** Short cache for answers at an explicit past time (0 ttl turns it off). */
  readonly cache: { readonly ttlMs: number; readonly maxEntries: number; readonly maxBytes: number };
  /** Shared secret for the webhook and summary routes; unset leaves them open. */
  readonly webhookToken: string | undefined;
  /** Default HMAC secret for report webhook sinks. */
  readonly reportWebhookSecret: string | undefined;
  /** Lambda API endpoint override for local runs (serverless-offline serves one on port 3002). */
  readonly lambdaEndpoint: string | undefined;
  /** Demo only: the Prometheus binary to start; `prometheus` on PATH when unset. */
  readonly prometheusBin: string | undefined;
  readonly window: { readonly defaultMs: number; readonly minMs: number; readonly maxMs: number };
  readonly labels: {
    readonly namespace: string;
    readonly pod: string;
    readonly deployment: string;
    readonly statefulset: string;
    readonly daemonset: string;
    readonly replicaset: string;
    readonly job: string;
  };
}

/**
 * Reads and validates the environment once, at start-up. A bad value throws a `ConfigError` that
 * names each variable and what it accepts, so a misconfigured function fails its cold start
 * instead of its first request. This is the only module that reads `process.env`.
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
  overrides: Readonly<Record<string, string>> = {},
): Config {
  const parsed = EnvSchema.safeParse({ ...env, ...overrides });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${lines.join("; ")}`, parsed.error.issues);
  }
  const e = parsed.data;
  const window = { defaultMs: e.DEFAULT_WINDOW, minMs: e.SCRAPE_INTERVAL, maxMs: e.MAX_WINDOW };
  if (window.defaultMs < window.minMs || window.defaultMs > window.maxMs) {
    throw new ConfigError(
      `invalid configuration: DEFAULT_WINDOW: ${formatDuration(window.defaultMs)} must lie between SCRAPE_INTERVAL (${formatDuration(window.minMs)}) and MAX_WINDOW (${formatDuration(window.maxMs)})`,
      [],
    );
  }
  if (e.AWS_LAMBDA_FUNCTION_NAME !== undefined && e.API_AUTH === "none" && e.API_TOKEN === undefined) {
    throw new ConfigError(
      "refusing to serve: API_AUTH is none and API_TOKEN is unset, so nothing would lock this deployed API. Set API_TOKEN, or deploy with the iam or jwt authorizer (parameter apiAuth)",
      [],
    );
  }
  const viaConsul = e.PROMETHEUS_URL === undefined && e.CONSUL_HTTP_ADDR !== undefined;
  return {
    mesh: e.MESH,
    prometheus: {
      url: e.PROMETHEUS_URL ?? e.CONSUL_HTTP_ADDR ?? "http://localhost:9090",
      timeoutMs: e.PROMETHEUS_TIMEOUT_MS,
      via: viaConsul ? "consul" : "prometheus",
      headers: e.PROMETHEUS_HEADERS,
      bearerToken: e.PROMETHEUS_BEARER_TOKEN,
      sigv4Region: e.PROMETHEUS_SIGV4_REGION,
      retryAttempts: e.PROMETHEUS_RETRY_ATTEMPTS,
    },
    apiAuth: { mode: e.API_AUTH, token: e.API_TOKEN },
    consul:
      e.CONSUL_HTTP_ADDR === undefined
        ? undefined
        : { address: e.CONSUL_HTTP_ADDR, token: e.CONSUL_HTTP_TOKEN },
    port: e.PORT,
    host: e.HOST,
    prometheusBin: e.PROMETHEUS_BIN,
    cache: { ttlMs: e.CACHE_TTL, maxEntries: e.CACHE_MAX_ENTRIES, maxBytes: e.CACHE_MAX_BYTES },
    webhookToken: e.WEBHOOK_TOKEN,
    reportWebhookSecret: e.REPORT_WEBHOOK_SECRET,
    lambdaEndpoint: e.AWS_LAMBDA_ENDPOINT,
    window,
    labels: {
      namespace: e.LABEL_NAMESPACE,
      pod: e.LABEL_POD,
      deployment: e.LABEL_DEPLOYMENT,
      statefulset: e.LABEL_STATEFULSET,
      daemonset: e.LABEL_DAEMONSET,
      replicaset: e.LABEL_REPLICASET,
      job: e.LABEL_JOB,
    },
  };
}

/**
 * `loadConfig` for a handler's module scope: a bad environment is logged as one structured line
 * that says why, then thrown, so the function refuses to serve instead of failing per request.
 */
export function loadConfigAtStartup(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) console.error(JSON.stringify({ level: "fatal", error: error.message }));
    throw error;
  }
}
