// biome-ignore-all lint/suspicious/noExplicitAny: the CloudFormation template is JSON inspected by key
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const dirs: string[] = [];

/** `serverless package` into a fresh directory, with stage parameters; returns the template and the dir. */
async function packageWith(params: Record<string, string> = {}) {
  const dir = await mkdtemp(join(tmpdir(), "smi-package-"));
  dirs.push(dir);
  const paramArgs = Object.entries(params).map(([k, v]) => `--param=${k}=${v}`);
  await run("npx", ["serverless", "package", "--package", dir, ...paramArgs], {
    env: { ...process.env, SLS_TELEMETRY_DISABLED: "1", SLS_NOTIFICATIONS_MODE: "off" },
    maxBuffer: 16 << 20,
  });
  const template = JSON.parse(await readFile(join(dir, "cloudformation-template-update-stack.json"), "utf8"));
  return { dir, template };
}

/** The bundled handler inside a function's zip, read with `unzip -p`. */
async function bundle(dir: string, fn: string): Promise<string> {
  const { stdout } = await run("unzip", ["-p", join(dir, `${fn}.zip`), `handlers/${fn}.js`], {
    maxBuffer: 64 << 20,
  });
  return stdout;
}

let defaults: { dir: string; template: any };
beforeAll(async () => {
  defaults = await packageWith();
}, 180_000);
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

const resourcesOfType = (template: any, type: string) =>
  Object.entries(template.Resources).filter(([, r]: [string, any]) => r.Type === type) as [string, any][];
const scheduleRule = (template: any) => resourcesOfType(template, "AWS::Events::Rule")[0]?.[1];

describe("serverless package", () => {
  it("builds the api function on nodejs20.x with the config wired into its environment", () => {
    const fn = defaults.template.Resources.ApiLambdaFunction;
    expect(fn.Properties.Runtime).toBe("nodejs20.x");
    expect(fn.Properties.Handler).toBe("handlers/api.handler");
    expect(Object.keys(fn.Properties.Environment.Variables)).toEqual(
      expect.arrayContaining(["MESH", "PROMETHEUS_URL", "PROMETHEUS_TIMEOUT_MS", "WEBHOOK_TOKEN"]),
    );
  });

  it("routes the SMI API, the summary, the Flagger webhook and /healthz through the HTTP API", () => {
    const routes = resourcesOfType(defaults.template, "AWS::ApiGatewayV2::Route")
      .map(([, r]) => r.Properties.RouteKey)
      .sort();
    expect(routes).toEqual([
      "GET /apis/{proxy+}",
      "GET /healthz",
      "GET /summary/{proxy+}",
      "POST /webhooks/flagger",
    ]);
  });

  it("includes the report function with its schedule, disabled unless configured", () => {
    expect(defaults.template.Resources.ReportLambdaFunction.Properties.Handler).toBe(
      "handlers/report.handler",
    );
    const rule = scheduleRule(defaults.template);
    expect(rule.Properties.ScheduleExpression).toBe("rate(1 hour)");
    expect(rule.Properties.State).toBe("DISABLED");
    const input = JSON.parse(rule.Properties.Targets[0].Input);
    expect(input).toMatchObject({ kinds: ["deployments"], window: "1h" });
  });

  it("enables the schedule and grants lambda:InvokeFunction on the configured targets only", async () => {
    const targets =
      "arn:aws:lambda:us-east-1:123456789012:function:a,arn:aws:lambda:us-east-1:123456789012:function:b";
    const { template } = await packageWith({ reportEnabled: "true", reportLambdaTargets: targets });
    const rule = scheduleRule(template);
    expect(rule.Properties.State).toBe("ENABLED");
    const role = template.Resources.ReportRole.Properties;
    const statement = role.Policies["Fn::If"][1][0].PolicyDocument.Statement[0];
    expect(statement.Action).toBe("lambda:InvokeFunction");
    expect(statement.Resource).toEqual({ "Fn::Split": [",", targets] });
    expect(template.Resources.ReportLambdaFunction.Properties.Role).toEqual({
      "Fn::GetAtt": ["ReportRole", "Arn"],
    });
    // The api function keeps the default role, which may not invoke anything.
    const apiRole = JSON.stringify(template.Resources.IamRoleLambdaExecution);
    expect(apiRole).not.toContain("lambda:InvokeFunction");
  }, 120_000);

  it.each([
    ["none", undefined, undefined],
    ["iam", "AWS_IAM", undefined],
    ["jwt", "JWT", { Ref: "HttpApiAuthorizerJwt" }],
  ])(
    "puts the %s authorizer on the SMI and summary routes only",
    async (mode, type, authorizer) => {
      const { template } = mode === "none" ? defaults : await packageWith({ apiAuth: mode });
      const routes = Object.fromEntries(
        resourcesOfType(template, "AWS::ApiGatewayV2::Route").map(([, r]) => [
          r.Properties.RouteKey,
          r.Properties,
        ]),
      );
      for (const key of ["GET /apis/{proxy+}", "GET /summary/{proxy+}"]) {
        expect(routes[key].AuthorizationType, key).toBe(type);
        expect(routes[key].AuthorizerId, key).toEqual(authorizer);
      }
      for (const key of ["POST /webhooks/flagger", "GET /healthz"])
        expect(routes[key].AuthorizationType, key).toBeUndefined();
      expect(resourcesOfType(template, "AWS::ApiGatewayV2::Authorizer")).toHaveLength(mode === "jwt" ? 1 : 0);
      expect(template.Resources.ApiLambdaFunction.Properties.Environment.Variables.API_AUTH).toBe(mode);
    },
    120_000,
  );

  it.each(["api", "report"])(
    "ships a %s bundle that loads with nothing but Node, as Lambda runs it",
    async (fn) => {
      const dir = await mkdtemp(join(tmpdir(), `smi-unzip-${fn}-`));
      dirs.push(dir);
      await run("unzip", ["-q", join(defaults.dir, `${fn}.zip`), "-d", dir]);
      const { stdout } = await run("node", ["-e", `require("./handlers/${fn}.js"); console.log("loaded")`], {
        cwd: dir,
      });
      expect(stdout.trim()).toBe("loaded");
    },
  );

  it("keeps @aws-sdk/client-lambda out of the api bundle and in the report bundle", async () => {
    const api = await bundle(defaults.dir, "api");
    const report = await bundle(defaults.dir, "report");
    // The Lambda Invoke API's path is in the client's operation schema, minified or not.
    const lambdaInvoke = "2015-03-31/functions";
    expect(api.includes(lambdaInvoke), "api bundle contains the Lambda client").toBe(false);
    expect(report.includes(lambdaInvoke), "report bundle contains the Lambda client").toBe(true);
  });
});
