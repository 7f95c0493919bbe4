// biome-ignore-all lint/suspicious/noExplicitAny: the CloudFormation template is JSON inspected by key
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { brotliDecompressSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkerdSeries } from "../src/dev/linkerd-series";
import type { RunningPrometheus } from "../src/dev/prometheus-server";
import { defaultScenario } from "../src/dev/scenario";
import { ROUTES } from "../src/http/route-table";
import { UI_CSP } from "../src/http/ui-files";
import {
  expectedRoutes,
  type GatewayLock,
  gatewayRouteFor,
  localRouteFor,
  lockFor,
  samplePaths,
} from "./support/gateway-routes";
import { findWorkload, workloadTruth } from "./support/ground-truth";
import { httpEvent, scenarioPrometheus } from "./support/harness";
import { expectMatchesTruth } from "./support/smi-assert";

const run = promisify(execFile);
const CHECKOUT = resolve(import.meta.dirname, "..");
const SLS_ENV = { ...process.env, SLS_TELEMETRY_DISABLED: "1", SLS_NOTIFICATIONS_MODE: "off" };
const dirs: string[] = [];

async function scratch(parent: string, prefix: string) {
  await mkdir(parent, { recursive: true });
  const dir = await mkdtemp(join(parent, prefix));
  dirs.push(dir);
  return dir;
}

const templateIn = async (dir: string) =>
  JSON.parse(await readFile(join(dir, "cloudformation-template-update-stack.json"), "utf8"));

/** `serverless package` into a fresh directory with these CLI arguments; returns the template. */
async function packageWith(args: string[]) {
  const dir = await scratch(tmpdir(), "smi-package-");
  await run("npx", ["serverless", "package", "--package", dir, ...args], {
    env: SLS_ENV,
    maxBuffer: 16 << 20,
  });
  return { dir, template: await templateIn(dir) };
}

/** `serverless package` that must fail: its combined output, and the directory it was given. */
async function packageFailing(args: string[]) {
  const dir = await scratch(tmpdir(), "smi-package-");
  const failure = await run("npx", ["serverless", "package", "--package", dir, ...args], {
    env: SLS_ENV,
  }).then(
    () => undefined,
    (error: { stdout: string; stderr: string }) => `${error.stdout}${error.stderr}`,
  );
  return { dir, output: failure };
}

const resourcesOfType = (template: any, type: string) =>
  Object.entries(template.Resources).filter(([, r]: [string, any]) => r.Type === type) as [string, any][];
const scheduleRule = (template: any) => resourcesOfType(template, "AWS::Events::Rule")[0]?.[1];
const routesOf = (template: any) =>
  Object.fromEntries(
    resourcesOfType(template, "AWS::ApiGatewayV2::Route").map(([, r]) => [
      r.Properties.RouteKey,
      r.Properties,
    ]),
  );
const envOf = (template: any, fn: "Api" | "Report"): Record<string, string> =>
  template.Resources[`${fn}LambdaFunction`].Properties.Environment.Variables;

const ISSUER = "https://issuer.example.com";
const SUBNETS = ["subnet-0a1b2c3d", "subnet-4e5f6a7b"];
const GROUPS = ["sg-0c1d2e3f"];
const TARGETS =
  "arn:aws:lambda:us-east-1:123456789012:function:a,arn:aws:lambda:us-east-1:123456789012:function:b";
const API_TOKEN_REF = "{{resolve:secretsmanager:smi-traffic-metrics/dev/api-token}}";

let npmPackage: { output: string; dir: string; template: any };
let prod: { dir: string; template: any };
let none: { dir: string; template: any };
beforeAll(async () => {
  // `npm run package` as a user runs it, in the checkout; the other stages next to it.
  const { stdout, stderr } = await run("npm", ["run", "package"], { env: SLS_ENV, cwd: CHECKOUT });
  // Later packaging runs empty the checkout's .serverless, so its artifacts are kept aside.
  const artifacts = await scratch(tmpdir(), "smi-npm-package-");
  await cp(join(CHECKOUT, ".serverless"), artifacts, { recursive: true });
  npmPackage = { output: stdout + stderr, dir: artifacts, template: await templateIn(artifacts) };
  prod = await packageWith([
    "--stage",
    "prod",
    "--param=apiAuth=jwt",
    `--param=jwtIssuerUrl=${ISSUER}`,
    "--param=jwtAudience=smi",
    `--param=vpcSubnetIds=${SUBNETS.join(",")}`,
    `--param=vpcSecurityGroupIds=${GROUPS.join(",")}`,
    "--param=reportEnabled=true",
    `--param=reportLambdaTargets=${TARGETS}`,
  ]);
  none = await packageWith(["--param=apiAuth=none", `--param=apiToken=${API_TOKEN_REF}`]);
}, 240_000);
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe("npm run package", () => {
  it("prints its progress and nothing else: no schema, deprecation or SDK warning", () => {
    expect(npmPackage.output.trim().split("\n")).toEqual([
      "> smi-traffic-metrics@0.1.0 package",
      "> serverless package --package .serverless",
      "",
      "",
      "Packaging smi-traffic-metrics for stage dev (us-east-1)",
      "",
      expect.stringMatching(/^✔ Service packaged \(\d+s\)$/),
    ]);
  });
});

describe("the CloudFormation template", () => {
  it("runs both functions on nodejs24.x, outside any VPC unless asked", () => {
    for (const fn of ["Api", "Report"]) {
      const props = npmPackage.template.Resources[`${fn}LambdaFunction`].Properties;
      expect(props.Runtime).toBe("nodejs24.x");
      expect(props.VpcConfig).toBeUndefined();
    }
    expect(npmPackage.template.Resources.ApiLambdaFunction.Properties.Handler).toBe("handlers/api.handler");
    expect(npmPackage.template.Resources.ReportLambdaFunction.Properties.Handler).toBe(
      "handlers/report.handler",
    );
  });

  it("gives both functions 1024 MB: a day-long range list at the points cap peaks near 500 MB", () => {
    // Measured in docs/performance.md#range-answers: 499 MB with V8's old space held to 400 MB.
    for (const fn of ["Api", "Report"]) {
      expect(npmPackage.template.Resources[`${fn}LambdaFunction`].Properties.MemorySize).toBe(1024);
    }
  });

  it("wires the configuration into both functions' environments, and the API's tokens into the api only", () => {
    const shared = ["MESH", "PROMETHEUS_URL", "PROMETHEUS_TIMEOUT_MS", "SCRAPE_INTERVAL"];
    const api = Object.keys(envOf(npmPackage.template, "Api"));
    const report = Object.keys(envOf(npmPackage.template, "Report"));
    expect(api).toEqual(expect.arrayContaining([...shared, "API_AUTH", "API_TOKEN", "WEBHOOK_TOKEN"]));
    expect(report).toEqual(expect.arrayContaining([...shared, "REPORT_WEBHOOK_SECRET"]));
    for (const secret of ["API_TOKEN", "WEBHOOK_TOKEN"]) expect(report).not.toContain(secret);
  });

  const modes = [
    ["iam", () => npmPackage.template],
    ["jwt", () => prod.template],
    ["none", () => none.template],
  ] as const;
  const locksOf = (template: any) =>
    new Map(
      Object.entries(routesOf(template)).map(([key, r]: [string, any]): [string, GatewayLock] => [
        key,
        // CloudFormation's default, which Serverless leaves out, is NONE.
        { AuthorizationType: r.AuthorizationType ?? "NONE", AuthorizerId: r.AuthorizerId },
      ]),
    );

  it.each(modes)(
    "routes exactly the route table's paths under apiAuth %s, each locked as its auth says",
    (mode, template) => {
      const expected = expectedRoutes(ROUTES, mode);
      const deployed = locksOf(template());
      expect([...deployed.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [key, lock] of expected) expect(deployed.get(key), key).toEqual(lock);
      expect(resourcesOfType(template(), "AWS::ApiGatewayV2::Authorizer")).toHaveLength(
        mode === "jwt" ? 1 : 0,
      );
      expect(envOf(template(), "Api").API_AUTH).toBe(mode);
    },
  );

  it("keeps discovery open under apiAuth=iam and locks the metrics below a version", () => {
    const routes = locksOf(npmPackage.template);
    for (const key of [
      "GET /apis",
      "GET /apis/metrics.smi-spec.io",
      "GET /apis/metrics.smi-spec.io/{version}",
    ])
      expect(routes.get(key), key).toEqual({ AuthorizationType: "NONE" });
    expect(routes.get("GET /apis/metrics.smi-spec.io/{version}/{proxy+}")).toEqual({
      AuthorizationType: "AWS_IAM",
    });
    // The old catch-all, which locked discovery along with the metrics.
    expect(routes.has("GET /apis/{proxy+}")).toBe(false);
  });

  it.each(modes)(
    "sends every sample request under apiAuth %s to a deployed route locked as the local route is",
    (mode, template) => {
      const deployed = locksOf(template());
      for (const [method, path] of samplePaths(ROUTES)) {
        const local = localRouteFor(ROUTES, method, path);
        const key = gatewayRouteFor(deployed.keys(), method, path);
        const request = `${method} ${path} (deployed: ${key ?? "no route"}, local: ${local?.name ?? "none"})`;
        expect(key === undefined, request).toBe(local === undefined);
        if (key !== undefined && local !== undefined)
          expect(deployed.get(key), request).toEqual(lockFor(local.auth, mode));
      }
    },
  );

  it.each(modes)(
    "serves the web UI open under apiAuth %s: the page holds no data, the API stays locked",
    (mode, template) => {
      const routes = locksOf(template());
      for (const key of ["GET /ui", "GET /ui/{proxy+}"])
        expect(routes.get(key), key).toEqual({ AuthorizationType: "NONE" });
      expect(routes.get("GET /apis/metrics.smi-spec.io/{version}/{proxy+}")).toEqual(lockFor("api", mode));
    },
  );

  it("checks JWTs from the configured issuer for the configured audience", () => {
    const [, jwt] = resourcesOfType(prod.template, "AWS::ApiGatewayV2::Authorizer")[0] ?? [];
    expect(jwt.Properties).toMatchObject({
      AuthorizerType: "JWT",
      IdentitySource: ["$request.header.Authorization"],
      JwtConfiguration: { Issuer: ISSUER, Audience: ["smi"] },
    });
  });

  it("passes API_TOKEN only with apiAuth none, and then as a reference CloudFormation resolves", () => {
    expect(envOf(npmPackage.template, "Api").API_TOKEN).toBe("");
    expect(envOf(prod.template, "Api").API_TOKEN).toBe("");
    expect(envOf(none.template, "Api").API_TOKEN).toBe(API_TOKEN_REF);
  });

  it("takes the example prod stage's secrets from SSM parameters, by name only", () => {
    expect(envOf(prod.template, "Api").WEBHOOK_TOKEN).toBe(
      "{{resolve:ssm:/smi-traffic-metrics/prod/webhook-token}}",
    );
    expect(envOf(prod.template, "Report").REPORT_WEBHOOK_SECRET).toBe(
      "{{resolve:ssm:/smi-traffic-metrics/prod/report-webhook-secret}}",
    );
  });

  it("attaches both functions to the VPC given, with network-interface rights on both roles", () => {
    for (const fn of ["Api", "Report"])
      expect(prod.template.Resources[`${fn}LambdaFunction`].Properties.VpcConfig, fn).toEqual({
        SubnetIds: SUBNETS,
        SecurityGroupIds: GROUPS,
      });
    const policies = (template: any) => JSON.stringify(template.Resources.IamRoleLambdaExecution);
    expect(policies(prod.template)).toContain("AWSLambdaVPCAccessExecutionRole");
    expect(policies(npmPackage.template)).not.toContain("AWSLambdaVPCAccessExecutionRole");
    expect(prod.template.Resources.ReportRole.Properties.ManagedPolicyArns["Fn::If"][0]).toBe("HasVpc");
    expect(prod.template.Conditions.HasVpc).toEqual({
      "Fn::Not": [{ "Fn::Equals": [SUBNETS.join(","), ""] }],
    });
    expect(npmPackage.template.Conditions.HasVpc).toEqual({ "Fn::Not": [{ "Fn::Equals": ["", ""] }] });
  });

  it("includes the report function with its schedule, disabled unless configured", () => {
    const rule = scheduleRule(npmPackage.template);
    expect(rule.Properties.ScheduleExpression).toBe("rate(1 hour)");
    expect(rule.Properties.State).toBe("DISABLED");
    expect(JSON.parse(rule.Properties.Targets[0].Input)).toMatchObject({
      kinds: ["deployments"],
      window: "1h",
    });
  });

  it("enables the schedule and grants lambda:InvokeFunction on the configured targets only", () => {
    expect(scheduleRule(prod.template).Properties.State).toBe("ENABLED");
    const role = prod.template.Resources.ReportRole.Properties;
    const statement = role.Policies["Fn::If"][1][0].PolicyDocument.Statement[0];
    expect(statement.Action).toBe("lambda:InvokeFunction");
    expect(statement.Resource).toEqual({ "Fn::Split": [",", TARGETS] });
    expect(prod.template.Resources.ReportLambdaFunction.Properties.Role).toEqual({
      "Fn::GetAtt": ["ReportRole", "Arn"],
    });
    // The api function keeps the default role, which may not invoke anything.
    expect(JSON.stringify(prod.template.Resources.IamRoleLambdaExecution)).not.toContain(
      "lambda:InvokeFunction",
    );
  });
});

describe("stage parameters", () => {
  it.each([
    ["mesh=istoi", 'mesh="istoi": must be one of: linkerd, istio, consul, cilium'],
    ["apiAuth=Iam", 'apiAuth="Iam": must be one of: iam, jwt, none'],
    ["apiauth=jwt", "apiauth: is not a parameter of this service"],
    [
      "vpcSubnetIds=subnet-0a1b2c3d",
      "vpcSecurityGroupIds: is required when the other VPC parameter is given",
    ],
    ["apiAuth=none", "apiToken: is required with apiAuth none"],
  ])(
    "refuses --param=%s in one message that says what is accepted",
    async (param, message) => {
      const { dir, output } = await packageFailing([`--param=${param}`]);
      expect(output).toContain(message);
      expect(output?.match(/invalid stage parameters/g)).toHaveLength(1);
      expect(existsSync(join(dir, "cloudformation-template-update-stack.json"))).toBe(false);
    },
    60_000,
  );

  it("refuses a plaintext secret without echoing it, so it never reaches a template", async () => {
    const plaintext = "plaintext-api-token-0123456789";
    const { dir, output } = await packageFailing(["--param=apiAuth=none", `--param=apiToken=${plaintext}`]);
    expect(output).toContain("apiToken: must be a CloudFormation dynamic reference");
    expect(output).not.toContain(plaintext);
    expect(existsSync(join(dir, "cloudformation-template-update-stack.json"))).toBe(false);
  }, 60_000);
});

describe("the packaged bundles, loaded as Lambda loads them", () => {
  const scenario = defaultScenario();
  let prometheus: RunningPrometheus;
  beforeAll(async () => {
    prometheus = await scenarioPrometheus(scenario, linkerdSeries);
  }, 60_000);
  afterAll(() => prometheus?.stop());

  /**
   * Unzips a function's artifact into `parent` and invokes it once in a fresh Node process through
   * Lambda's own handler loader, with the environment the template gives the function.
   */
  async function invoke(
    artifacts: string,
    template: any,
    fn: "api" | "report",
    parent: string,
    event: unknown,
  ) {
    const root = await scratch(parent, `smi-lambda-${fn}-`);
    await run("unzip", ["-q", join(artifacts, `${fn}.zip`), "-d", root]);
    const name = fn === "api" ? "Api" : "Report";
    const { stdout } = await run(
      "node",
      [
        join(CHECKOUT, "test/e2e/offline/lambda-invoke.cjs"),
        root,
        `handlers/${fn}.handler`,
        JSON.stringify(event),
      ],
      {
        cwd: root,
        env: {
          PATH: process.env.PATH,
          ...envOf(template, name),
          PROMETHEUS_URL: prometheus.url,
          AWS_LAMBDA_FUNCTION_NAME: `smi-traffic-metrics-dev-${fn}`,
          AWS_REGION: "us-east-1",
        },
      },
    );
    return JSON.parse(stdout.trim().split("\n").at(-1) ?? "null");
  }

  const path = `/apis/metrics.smi-spec.io/v1alpha1/namespaces/shop/deployments/checkout?t=5m&time=${scenario.endS}`;

  it.each([
    ["outside the checkout, as in Lambda's task root", () => tmpdir()],
    ['inside the checkout, under its "type": "module" package.json', () => join(CHECKOUT, ".tmp")],
  ])(
    "answers an API Gateway v2 event from %s",
    async (_where, parent) => {
      const result = await invoke(
        npmPackage.dir,
        npmPackage.template,
        "api",
        parent(),
        httpEvent("GET", path),
      );
      expect(result.statusCode).toBe(200);
      expectMatchesTruth(
        JSON.parse(result.body),
        workloadTruth(scenario, findWorkload(scenario, "shop", "checkout"), 300),
      );
    },
    60_000,
  );

  it.each([
    ["iam", () => ({ artifacts: npmPackage.dir, template: npmPackage.template })],
    ["jwt", () => ({ artifacts: prod.dir, template: prod.template })],
    ["none", () => ({ artifacts: none.dir, template: none.template })],
  ])(
    "starts with the environment apiAuth %s packages",
    async (_mode, packaged) => {
      const { artifacts, template } = packaged();
      const result = await invoke(artifacts, template, "api", tmpdir(), httpEvent("GET", "/healthz"));
      expect(result.statusCode).toBe(200);
    },
    60_000,
  );

  it("serves the web UI built at package time from the api bundle, compressed, hashed and locked down", async () => {
    const page = await invoke(npmPackage.dir, npmPackage.template, "api", tmpdir(), httpEvent("GET", "/ui/"));
    expect(page.statusCode).toBe(200);
    expect(page.headers).toMatchObject({
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-cache",
      "content-security-policy": UI_CSP,
      "x-content-type-options": "nosniff",
    });
    const html = Buffer.from(page.body, "base64").toString();
    // The deployment's lock, which the page reads before any call: iam, as `npm run package` builds.
    expect(html).toContain('<meta name="smi-auth" content="iam">');
    const script = html.match(/src="\/ui\/assets\/(app-[A-Z0-9]+\.js)"/)?.[1] as string;
    const asset = await invoke(
      npmPackage.dir,
      npmPackage.template,
      "api",
      tmpdir(),
      httpEvent(`GET`, `/ui/assets/${script}`, { headers: { "accept-encoding": "gzip, br" } }),
    );
    expect(asset.statusCode).toBe(200);
    expect(asset.headers).toMatchObject({
      "content-encoding": "br",
      "cache-control": "public, max-age=31536000, immutable",
      "content-type": "text/javascript; charset=utf-8",
    });
    expect(brotliDecompressSync(Buffer.from(asset.body, "base64")).toString()).toContain("smi-view-ready");
  }, 60_000);

  it("runs the scheduled report with the input its schedule sends", async () => {
    const input = JSON.parse(scheduleRule(npmPackage.template).Properties.Targets[0].Input);
    const result = await invoke(npmPackage.dir, npmPackage.template, "report", tmpdir(), {
      ...input,
      window: "5m",
      time: String(scenario.endS),
    });
    expect(result).toMatchObject({ rows: 4, outcomes: [] });
  }, 60_000);

  it("keeps @aws-sdk/client-lambda out of the api bundle and in the report bundle", async () => {
    const bundle = async (fn: string) =>
      (
        await run("unzip", ["-p", join(npmPackage.dir, `${fn}.zip`), `handlers/${fn}.cjs`], {
          maxBuffer: 64 << 20,
        })
      ).stdout;
    // The Lambda Invoke API's path is in the client's operation schema, minified or not.
    const lambdaInvoke = "2015-03-31/functions";
    expect((await bundle("api")).includes(lambdaInvoke), "api bundle contains the Lambda client").toBe(false);
    expect((await bundle("report")).includes(lambdaInvoke), "report bundle contains the Lambda client").toBe(
      true,
    );
  });
});
