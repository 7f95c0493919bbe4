import * as z from "zod";
import { settingOf } from "../config/settings";

/**
 * The stage parameters of serverless.yml (`params:` and `--param="name=value"`), checked when
 * Serverless resolves the configuration, so `serverless package`, `deploy` and `offline` stop with
 * one message that names each bad parameter and what it accepts, instead of deploying a function
 * that refuses to start or failing in variable resolution with a message about YAML paths.
 *
 * Values the function reads again at start-up are checked with the function's own rules
 * (src/config.ts), so the two cannot disagree.
 */

/** How a secret may be written into the template: a name CloudFormation resolves at deploy time. */
const DYNAMIC_REFERENCE = /^\{\{resolve:(ssm|secretsmanager):[^{}\s]+\}\}$/;

/** Whether plaintext secrets are allowed: only where no template is written (`serverless offline`). */
export interface StageParamsContext {
  readonly plaintextSecrets: boolean;
}

const fromEnv = (schema: z.ZodType) =>
  z.string().superRefine((value, ctx) => {
    const result = schema.safeParse(value);
    for (const issue of result.error?.issues ?? []) ctx.addIssue({ code: "custom", message: issue.message });
  });

const commaList = (pattern: RegExp, example: string) =>
  z
    .string()
    .transform((text) => (text === "" ? [] : text.split(",")))
    .superRefine((items, ctx) => {
      const bad = items.filter((item) => !pattern.test(item));
      if (bad.length > 0)
        ctx.addIssue({
          code: "custom",
          message: `must be a comma-separated list such as ${example}; not: ${bad.map((b) => `"${b}"`).join(", ")}`,
        });
    });

const secret = (context: StageParamsContext) =>
  z.string().superRefine((value, ctx) => {
    if (value === "" || context.plaintextSecrets || DYNAMIC_REFERENCE.test(value)) return;
    ctx.addIssue({
      code: "custom",
      message: value.startsWith("{{resolve:ssm-secure:")
        ? "ssm-secure references are not resolved in Lambda environment variables; store it in Secrets Manager and use {{resolve:secretsmanager:NAME}}, or as an SSM String parameter and use {{resolve:ssm:NAME}}"
        : "must be a CloudFormation dynamic reference such as {{resolve:ssm:/smi/prod/api-token}} or {{resolve:secretsmanager:smi/prod/api-token}}: a plain value would be written into the CloudFormation template and the deployment bucket",
    });
  });

/** Every stage parameter, as strings (Serverless parameters are strings). */
export const stageParamsSchema = (context: StageParamsContext) =>
  z
    .object({
      mesh: fromEnv(settingOf("MESH")),
      prometheusUrl: fromEnv(settingOf("PROMETHEUS_URL")).pipe(z.string().min(1, "is required")),
      prometheusTimeoutMs: fromEnv(settingOf("PROMETHEUS_TIMEOUT_MS")),
      scrapeInterval: fromEnv(settingOf("SCRAPE_INTERVAL")),
      consulHttpAddr: fromEnv(settingOf("CONSUL_HTTP_ADDR")),
      cluster: fromEnv(settingOf("CLUSTER")),
      labelCluster: fromEnv(settingOf("LABEL_CLUSTER")),
      consulDatacenter: fromEnv(settingOf("CONSUL_DATACENTER")),
      kubernetesApiUrl: fromEnv(settingOf("KUBERNETES_API_URL")),
      kubernetesToken: secret(context),
      eksClusterName: fromEnv(settingOf("EKS_CLUSTER_NAME")),
      istioRequestHostLabel: fromEnv(settingOf("ISTIO_REQUEST_HOST_LABEL")),
      consulHttpToken: secret(context),
      webhookToken: secret(context),
      apiAuth: z.enum(["iam", "jwt", "none"], { message: "must be one of: iam, jwt, none" }),
      apiToken: secret(context),
      jwtIssuerUrl: z.union([z.literal(""), z.url({ protocol: /^https$/, message: "must be an https URL" })]),
      jwtAudience: z.string(),
      reportEnabled: z.enum(["true", "false"], { message: "must be true or false" }),
      reportRate: z
        .string()
        .regex(/^(rate|cron)\(.+\)$/, "must be a schedule such as rate(1 hour) or cron(0 * * * ? *)"),
      reportWebhookSecret: secret(context),
      reportLambdaTargets: commaList(
        /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$/,
        "arn:aws:lambda:us-east-1:123456789012:function:consumer",
      ),
      vpcSubnetIds: commaList(/^subnet-[0-9a-f]+$/, "subnet-0a1b2c3d,subnet-4e5f6a7b"),
      vpcSecurityGroupIds: commaList(/^sg-[0-9a-f]+$/, "sg-0a1b2c3d"),
    })
    .superRefine((p, ctx) => {
      const fail = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
      if (p.apiAuth === "none" && p.apiToken === "")
        fail("apiToken", "is required with apiAuth none: nothing else would lock the deployed API");
      if (p.apiAuth !== "none" && p.apiToken !== "")
        fail(
          "apiToken",
          `is only read with apiAuth none; API Gateway checks callers with apiAuth ${p.apiAuth}`,
        );
      if (p.apiAuth === "jwt" && p.jwtIssuerUrl === "") fail("jwtIssuerUrl", "is required with apiAuth jwt");
      if (p.kubernetesApiUrl !== "" && (p.kubernetesToken === "") === (p.eksClusterName === ""))
        fail("kubernetesApiUrl", "needs exactly one credential: kubernetesToken or eksClusterName");
      if (p.kubernetesApiUrl === "" && (p.kubernetesToken !== "" || p.eksClusterName !== ""))
        fail("kubernetesApiUrl", "is required when kubernetesToken or eksClusterName is given");
      if (p.apiAuth === "jwt" && p.jwtAudience === "") fail("jwtAudience", "is required with apiAuth jwt");
      if ((p.vpcSubnetIds.length === 0) !== (p.vpcSecurityGroupIds.length === 0))
        fail(
          p.vpcSubnetIds.length === 0 ? "vpcSubnetIds" : "vpcSecurityGroupIds",
          "is required when the other VPC parameter is given: a function in a VPC needs both",
        );
    });

/** Names every bad parameter in one message, with what it accepts. */
export function describeStageParamIssues(issues: readonly z.core.$ZodIssue[], given: Record<string, string>) {
  const lines = issues.map((issue) => {
    const name = String(issue.path[0]);
    const value = given[name];
    const shown = value === undefined || value === "" || isSecretName(name) ? "" : `="${value}"`;
    return `${name}${shown}: ${issue.message}`;
  });
  return `invalid stage parameters (set them with --param="name=value" or under params: in serverless.yml):\n    ${lines.join("\n    ")}`;
}

const isSecretName = (name: string) => /token|secret/i.test(name);
