import * as z from "zod";
import type { KubernetesSettings } from "../kubernetes/settings";
import { LABEL_SETTINGS, type LabelKey } from "../mesh/label-settings";
import { MESH_NAMES, MESH_ONLY_SETTINGS, type MeshOnlyVariable } from "../mesh/select";
import { isLabelName } from "../prometheus/promql";
import { formatDuration, parseDurationMs } from "../smi/time";
import {
  type Env,
  fromEnv,
  headersJson,
  httpUrl,
  integer,
  leaves,
  loadSettingsTogether,
  positiveDuration,
  processEnv,
  secret,
} from "./environment";
import { LogSettingsSchema, logSettingsOf } from "./log-settings";

/**
 * This service's settings: one zod schema from the environment to the nested config, read with
 * the generic reader in `environment.ts`. Adding a variable is one edit here; the variable names
 * in error messages come from the same place.
 */

const labelName = ([variable, fallback]: readonly [string, string]) =>
  fromEnv(
    variable,
    z.string().default(fallback).refine(isLabelName, {
      message: "must be a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)",
    }),
  );

const LabelsSchema = z.object(
  Object.fromEntries(Object.entries(LABEL_SETTINGS).map(([key, setting]) => [key, labelName(setting)])) as {
    [K in LabelKey]: ReturnType<typeof labelName>;
  },
);

const SettingsSchema = z.object({
  mesh: fromEnv(
    "MESH",
    z.enum(MESH_NAMES, { message: `must be one of: ${MESH_NAMES.join(", ")}` }).default("linkerd"),
  ),
  prometheus: z.object({
    /** Unset means "through Consul's metrics proxy" when Consul is configured, else localhost:9090. */
    url: fromEnv("PROMETHEUS_URL", httpUrl("http://prometheus:9090").optional()),
    timeoutMs: fromEnv("PROMETHEUS_TIMEOUT_MS", integer(10_000, 100, 300_000)),
    headers: fromEnv("PROMETHEUS_HEADERS", headersJson),
    bearerToken: fromEnv("PROMETHEUS_BEARER_TOKEN", z.string().optional()),
    /** Region for AWS SigV4 signing (Amazon Managed Service for Prometheus); unset means no signing. */
    sigv4Region: fromEnv(
      "PROMETHEUS_SIGV4_REGION",
      z
        .string()
        .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "must be an AWS region such as us-east-1")
        .optional(),
    ),
    retryAttempts: fromEnv("PROMETHEUS_RETRY_ATTEMPTS", integer(3, 1, 10)),
  }),
  /**
   * Who locks the SMI and summary routes: the gateway (`iam`, `jwt`), or with `none` the function
   * itself with `token`.
   */
  apiAuth: z.object({
    mode: fromEnv(
      "API_AUTH",
      z.enum(["iam", "jwt", "none"], { message: "must be iam, jwt or none" }).default("none"),
    ),
    token: fromEnv("API_TOKEN", secret()),
  }),
  /** Set by the Lambda runtime; tells a deployed function from a local run. */
  lambdaFunctionName: fromEnv("AWS_LAMBDA_FUNCTION_NAME", z.string().optional()),
  consul: z.object({
    address: fromEnv("CONSUL_HTTP_ADDR", httpUrl("http://consul:8500").optional()),
    token: fromEnv("CONSUL_HTTP_TOKEN", z.string().optional()),
  }),
  /** The Consul datacenter to answer for, pinned as Consul's UI pins it; unset sums them, with a Warning. */
  consulDatacenter: fromEnv("CONSUL_DATACENTER", z.string().optional()),
  /**
   * Several clusters in one Prometheus (Thanos, Mimir, federation): the external label that tells
   * them apart, and the cluster to answer for. Unset `value` sums them, with a Warning.
   */
  cluster: z.object({
    label: labelName(["LABEL_CLUSTER", "cluster"]),
    value: fromEnv("CLUSTER", z.string().optional()),
  }),
  /**
   * Where split objects (TrafficSplit, HTTPRoute) are read: the cluster's API server, with a bearer
   * token or a token signed from the function's own AWS role for EKS.
   */
  kubernetes: z.object({
    apiUrl: fromEnv("KUBERNETES_API_URL", httpUrl("https://ABCD.gr7.us-east-1.eks.amazonaws.com").optional()),
    token: fromEnv("KUBERNETES_TOKEN", z.string().optional()),
    eksClusterName: fromEnv(
      "EKS_CLUSTER_NAME",
      z
        .string()
        .regex(/^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/, "must be an EKS cluster name (letters, digits, - and _)")
        .optional(),
    ),
    /** Set by the Lambda runtime: the region whose STS signs an EKS token. */
    region: fromEnv("AWS_REGION", z.string().optional()),
    caFile: fromEnv("KUBERNETES_CA_FILE", z.string().optional()),
  }),
  /** Istio only: the Telemetry API tag holding `request.host`, so split numbers are the apex's only. */
  istioRequestHostLabel: fromEnv(
    "ISTIO_REQUEST_HOST_LABEL",
    z
      .string()
      .refine(isLabelName, { message: "must be a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)" })
      .optional(),
  ),
  /** Short cache for answers at an explicit past time (0 ttl turns it off). */
  cache: z.object({
    ttlMs: fromEnv(
      "CACHE_TTL",
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
    maxEntries: fromEnv("CACHE_MAX_ENTRIES", integer(500, 0, 100_000)),
    maxBytes: fromEnv("CACHE_MAX_BYTES", integer(32 * 1024 * 1024, 0, 1024 * 1024 * 1024)),
  }),
  /** Shared secret of the Flagger webhook; unset leaves it open. */
  webhookToken: fromEnv("WEBHOOK_TOKEN", secret()),
  /** Default HMAC secret for report webhook sinks. */
  reportWebhookSecret: fromEnv("REPORT_WEBHOOK_SECRET", secret()),
  /** Lambda API endpoint override for local runs (serverless-offline serves one on port 3002). */
  lambdaEndpoint: fromEnv("AWS_LAMBDA_ENDPOINT", httpUrl("http://localhost:3002").optional()),
  window: z.object({
    minMs: fromEnv("SCRAPE_INTERVAL", positiveDuration("10s")),
    defaultMs: fromEnv("DEFAULT_WINDOW", positiveDuration("30s")),
    maxMs: fromEnv("MAX_WINDOW", positiveDuration("24h")),
  }),
  labels: LabelsSchema,
  /** How each request is logged: `LOG_LEVEL` and `LOG_FORMAT` (`log-settings.ts`). */
  log: LogSettingsSchema,
});
type Settings = z.output<typeof SettingsSchema>;

/** Rules that span several variables, each naming the variables to change. */
function crossFieldRules(s: Settings, ctx: z.RefinementCtx): void {
  const fail = (message: string) => ctx.addIssue({ code: "custom", message, input: undefined });
  kubernetesRules(s.kubernetes, fail);
  const { window } = s;
  if (window.defaultMs < window.minMs || window.defaultMs > window.maxMs) {
    fail(
      `DEFAULT_WINDOW: ${formatDuration(window.defaultMs)} must lie between SCRAPE_INTERVAL (${formatDuration(window.minMs)}) and MAX_WINDOW (${formatDuration(window.maxMs)})`,
    );
  }
  if (s.apiAuth.mode !== "none" && s.apiAuth.token !== undefined) {
    fail(
      `API_TOKEN: is only checked with API_AUTH=none; with API_AUTH=${s.apiAuth.mode} the gateway authorizes callers and the Authorization header carries ${s.apiAuth.mode === "iam" ? "a SigV4 signature" : "the JWT"}, not the token. Unset API_TOKEN, or set API_AUTH=none`,
    );
  }
  const meshOnly: Readonly<Record<MeshOnlyVariable, unknown>> = {
    ISTIO_REQUEST_HOST_LABEL: s.istioRequestHostLabel,
    CONSUL_HTTP_ADDR: s.consul.address,
    CONSUL_DATACENTER: s.consulDatacenter,
  };
  for (const [mesh, settings] of Object.entries(MESH_ONLY_SETTINGS)) {
    for (const { variable, fix } of settings) {
      if (meshOnly[variable] !== undefined && s.mesh !== mesh) {
        fail(`${variable}: is only read with MESH=${mesh}, and MESH is ${s.mesh}; ${fix}`);
      }
    }
  }
}

/** One credential and one API server, or neither: a half-configured reader would fail every request. */
function kubernetesRules(k: Settings["kubernetes"], fail: (message: string) => void): void {
  const credentials = [
    k.token === undefined ? [] : ["KUBERNETES_TOKEN"],
    k.eksClusterName === undefined ? [] : ["EKS_CLUSTER_NAME"],
  ].flat();
  if (k.apiUrl === undefined) {
    if (credentials.length > 0 || k.caFile !== undefined) {
      fail(
        `KUBERNETES_API_URL: is unset, so ${[...credentials, ...(k.caFile === undefined ? [] : ["KUBERNETES_CA_FILE"])].join(" and ")} would never be used; set it to the cluster's API server, or unset them`,
      );
    }
    return;
  }
  if (credentials.length !== 1) {
    fail(
      credentials.length === 0
        ? "KUBERNETES_API_URL: needs a credential: KUBERNETES_TOKEN (a bearer token) or EKS_CLUSTER_NAME (a token signed from the function's AWS role)"
        : "KUBERNETES_TOKEN and EKS_CLUSTER_NAME: set one of them, not both",
    );
  }
  if (k.eksClusterName !== undefined && k.region === undefined) {
    fail(
      "AWS_REGION: EKS_CLUSTER_NAME needs the region of the cluster's STS endpoint (Lambda sets AWS_REGION itself)",
    );
  }
  const url = new URL(k.apiUrl);
  if (url.protocol === "http:" && !["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)) {
    fail(
      "KUBERNETES_API_URL: must be https outside this machine: the bearer token would cross the network in clear text",
    );
  }
}

/** Values derived from several settings: where PromQL goes, and whether Consul is configured. */
function derive(s: Settings) {
  const { address, token } = s.consul;
  const viaConsul = s.prometheus.url === undefined && address !== undefined;
  return {
    ...s,
    prometheus: {
      ...s.prometheus,
      /** Prometheus itself, or Consul's metrics proxy when Consul is configured and Prometheus is not. */
      url: s.prometheus.url ?? address ?? "http://localhost:9090",
      via: viaConsul ? ("consul" as const) : ("prometheus" as const),
    },
    consul: address === undefined ? undefined : { address, token },
    kubernetes: kubernetesOf(s),
    log: logSettingsOf(s.log, s.lambdaFunctionName),
  };
}

/** The Kubernetes reader's settings, when `KUBERNETES_API_URL` is set (the rules above hold). */
function kubernetesOf(s: Settings): KubernetesSettings | undefined {
  const { apiUrl, token, eksClusterName, region, caFile } = s.kubernetes;
  if (apiUrl === undefined) return undefined;
  return {
    apiUrl,
    credential:
      token !== undefined
        ? { kind: "token", token }
        : { kind: "eks", clusterName: eksClusterName ?? "", region: region ?? "" },
    caFile,
    timeoutMs: s.prometheus.timeoutMs,
  };
}

const ConfigSchema = SettingsSchema.superRefine(crossFieldRules).transform(derive);
export type Config = z.output<typeof ConfigSchema>;

/**
 * The schema one variable is read with, for tools that check the same values elsewhere before
 * they reach the function (serverless.yml's stage parameters), so the two cannot disagree.
 */
export function settingOf(variable: string): z.ZodType {
  for (const [name, schema] of leaves(SettingsSchema)) if (name === variable) return schema;
  throw new Error(`no setting reads ${variable}`);
}

/** The function's own settings, for loading beside another schema's. */
export const CONFIG_SETTINGS = { root: SettingsSchema, schema: ConfigSchema } as const;

/**
 * Reads and validates the environment once, at start-up, so a misconfigured function fails its
 * cold start instead of its first request.
 */
export function loadConfig(env: Env = processEnv(), overrides: Env = {}): Config {
  const [config] = loadSettingsTogether([CONFIG_SETTINGS], { ...env, ...overrides });
  return config;
}
