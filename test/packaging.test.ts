// biome-ignore-all lint/suspicious/noExplicitAny: the CloudFormation template is JSON inspected by key
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
let dir: string;
let template: any;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "smi-package-"));
  await run("npx", ["serverless", "package", "--package", dir], {
    env: { ...process.env, SLS_TELEMETRY_DISABLED: "1", SLS_NOTIFICATIONS_MODE: "off" },
    maxBuffer: 16 << 20,
  });
  template = JSON.parse(await readFile(join(dir, "cloudformation-template-update-stack.json"), "utf8"));
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("serverless package", () => {
  it("builds the api function on nodejs20.x with the config wired into its environment", async () => {
    const fn = template.Resources.ApiLambdaFunction;
    expect(fn.Properties.Runtime).toBe("nodejs20.x");
    expect(fn.Properties.Handler).toBe("handlers/api.handler");
    expect(Object.keys(fn.Properties.Environment.Variables)).toEqual(
      expect.arrayContaining(["MESH", "PROMETHEUS_URL", "PROMETHEUS_TIMEOUT_MS"]),
    );
    expect((await stat(join(dir, "api.zip"))).size).toBeGreaterThan(0);
  });

  it("routes GET /apis/{proxy+} and GET /healthz through the HTTP API", () => {
    const routes = Object.values(template.Resources)
      .filter((r: any) => r.Type === "AWS::ApiGatewayV2::Route")
      .map((r: any) => r.Properties.RouteKey)
      .sort();
    expect(routes).toEqual(["GET /apis/{proxy+}", "GET /healthz"]);
  });
});
