import { describe, expect, it } from "vitest";
import { describeStageParamIssues, stageParamsSchema } from "../../src/bundle/stage-params";

/** The defaults of serverless.yml's `params.default`. */
const DEFAULTS: Record<string, string> = {
  mesh: "linkerd",
  prometheusUrl: "http://localhost:9090",
  prometheusTimeoutMs: "10000",
  scrapeInterval: "10s",
  consulHttpAddr: "",
  cluster: "",
  labelCluster: "cluster",
  consulDatacenter: "",
  kubernetesApiUrl: "",
  kubernetesToken: "",
  eksClusterName: "",
  istioRequestHostLabel: "",
  consulHttpToken: "",
  webhookToken: "",
  apiAuth: "iam",
  apiToken: "",
  jwtIssuerUrl: "",
  jwtAudience: "",
  reportEnabled: "false",
  reportRate: "rate(1 hour)",
  reportWebhookSecret: "",
  reportLambdaTargets: "",
  vpcSubnetIds: "",
  vpcSecurityGroupIds: "",
};

const packaging = stageParamsSchema({ plaintextSecrets: false });
const problems = (params: Record<string, string>, schema = packaging) => {
  const given = { ...DEFAULTS, ...params };
  const result = schema.safeParse(given);
  return result.success ? undefined : describeStageParamIssues(result.error.issues, given);
};

describe("stage parameters", () => {
  it("accepts serverless.yml's defaults", () => {
    expect(problems({})).toBeUndefined();
  });

  it("checks values the function reads with the function's own rules", () => {
    expect(problems({ prometheusTimeoutMs: "soon", scrapeInterval: "0s" })).toMatch(
      /prometheusTimeoutMs="soon": must be a whole number from 100 to 300000, in digits\n {4}scrapeInterval="0s": "0s" is not a positive duration/,
    );
  });

  it("requires an https issuer and an audience for jwt", () => {
    expect(problems({ apiAuth: "jwt", jwtIssuerUrl: "http://issuer.example.com" })).toMatch(
      /jwtIssuerUrl="http:\/\/issuer.example.com": must be an https URL\n {4}jwtAudience: is required with apiAuth jwt/,
    );
  });

  it("refuses apiToken with an authorizer, since API Gateway already checks callers", () => {
    expect(
      problems({
        apiAuth: "jwt",
        jwtIssuerUrl: "https://i.example",
        jwtAudience: "a",
        apiToken: "{{resolve:ssm:/t}}",
      }),
    ).toMatch(/apiToken: is only read with apiAuth none; API Gateway checks callers with apiAuth jwt/);
  });

  it("explains that ssm-secure references do not reach Lambda environment variables", () => {
    expect(problems({ webhookToken: "{{resolve:ssm-secure:/smi/webhook}}" })).toMatch(
      /webhookToken: ssm-secure references are not resolved in Lambda environment variables/,
    );
  });

  it("takes plaintext secrets only where no template is written, and never repeats them", () => {
    const secret = { webhookToken: "flagger-shared-secret-0123" };
    const message = problems(secret);
    expect(message).toMatch(/webhookToken: must be a CloudFormation dynamic reference/);
    expect(message).not.toContain(secret.webhookToken);
    expect(problems(secret, stageParamsSchema({ plaintextSecrets: true }))).toBeUndefined();
  });

  it("names the items of a list that are not IDs or ARNs", () => {
    expect(
      problems({
        vpcSubnetIds: "subnet-0a1b, subnet-0c2d",
        vpcSecurityGroupIds: "sg-0e3f",
        reportLambdaTargets: "consumer",
      }),
    ).toMatch(
      /reportLambdaTargets="consumer": must be a comma-separated list such as arn:aws:lambda:us-east-1:123456789012:function:consumer; not: "consumer"\n {4}vpcSubnetIds="subnet-0a1b, subnet-0c2d": must be a comma-separated list such as subnet-0a1b2c3d,subnet-4e5f6a7b; not: " subnet-0c2d"/,
    );
  });

  it("takes a Kubernetes API server with exactly one credential", () => {
    expect(
      problems({ kubernetesApiUrl: "https://abc.gr7.eu-west-1.eks.amazonaws.com", eksClusterName: "prod" }),
    ).toBeUndefined();
    expect(problems({ kubernetesApiUrl: "https://abc.gr7.eu-west-1.eks.amazonaws.com" })).toMatch(
      /kubernetesApiUrl="https:\/\/abc.gr7.eu-west-1.eks.amazonaws.com": needs exactly one credential/,
    );
    expect(problems({ eksClusterName: "prod" })).toMatch(
      /kubernetesApiUrl: is required when kubernetesToken or eksClusterName/,
    );
    expect(
      problems({ kubernetesApiUrl: "https://k8s.example", kubernetesToken: "plain-token-value" }),
    ).toMatch(/kubernetesToken: must be a CloudFormation dynamic reference/);
  });
});
