import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { startProcess } from "../support/process";

const run = promisify(execFile);
const API_TOKEN = "demo-api-token-0123456789";
const WEBHOOK_TOKEN = "demo-webhook-token-012345";

let demo: ReturnType<typeof startProcess> | undefined;
afterEach(async () => {
  await demo?.stop();
});

/** Runs one printed command in a shell, as a user pasting it would; returns its status and body. */
async function paste(command: string, env: Record<string, string>) {
  const { stdout } = await run("bash", ["-c", `${command} -w '\\n%{http_code}'`], {
    env: { ...process.env, ...env },
  });
  const lines = stdout.trimEnd().split("\n");
  const status = Number(lines.pop());
  return { status, body: JSON.parse(lines.join("\n")) as Record<string, unknown> };
}

describe("npm run demo", () => {
  it.each([
    ["linkerd", ["--", "--mesh", "linkerd"], {}],
    ["istio", [], { MESH: "istio" }],
    ["consul", ["--", "--mesh", "consul"], {}],
    ["cilium", ["--", "--mesh", "cilium"], {}],
  ])(
    "prints commands that return data from a generated %s mesh",
    async (mesh, args, env: Record<string, string>) => {
      demo = startProcess("npm", ["run", "demo", ...args], { PORT: "0", ...env });
      await demo.waitFor(/Ctrl-C stops/, 60_000);
      const output = demo.output();
      expect(output).toContain(`holds ${mesh} traffic`);
      expect(output).toMatch(/^Prometheus http:\/\/127\.0\.0\.1:\d+ holds/m);
      const urls = [...output.matchAll(/^curl -s '([^']+)'$/gm)].map((m) => m[1] as string);
      expect(urls.length).toBeGreaterThanOrEqual(6);
      for (const url of urls) {
        const response = await fetch(url);
        expect(response.status, url).toBe(200);
        const body = (await response.json()) as {
          kind: string;
          items?: unknown[];
          metrics?: { name: string; value: string }[];
          requests?: number;
        };
        if (body.kind === "TrafficMetricsList") expect(body.items?.length, url).toBeGreaterThan(0);
        if (body.kind === "TrafficMetrics") {
          expect(body.metrics?.find((m) => m.name === "success_count")?.value, url).not.toBe("0");
        }
        if (url.includes("/summary/")) expect(body.requests, url).toBeGreaterThan(0);
      }
      const gate = output.match(/^curl -s -X POST .*\/webhooks\/flagger.*$/m)?.[0];
      expect((await paste(gate as string, {})).status).toBe(200);
      const cli = output.split("\n").filter((line) => line.startsWith("npx smi-metrics "));
      expect(cli.map((line) => line.split(" ")[2])).toEqual(["top", "topology"]);
      for (const command of cli) {
        const { stdout: printed } = await run("bash", ["-c", command], { env: process.env });
        expect(printed, command).toMatch(/\d+\.\d\drps \d+\.\d\d%|\d+\.\d\d%\s+\d+\.\d\drps/);
      }
      const report = output.match(/^(\S+=\S+ )+npm run report -- --spec \S+$/m)?.[0] as string;
      const { stdout } = await run("bash", ["-c", report], { env: process.env });
      expect(stdout).toMatch(
        /\| (deployments\/payments\/api|services\/payments\/payments-api) \| \d+ \| \d+\.\d\d% \|/,
      );
    },
    120_000,
  );

  it("honours API_TOKEN and WEBHOOK_TOKEN as npm start does, and prints commands that send them", async () => {
    const env = { API_TOKEN, WEBHOOK_TOKEN };
    demo = startProcess("npm", ["run", "demo"], { PORT: "0", ...env });
    await demo.waitFor(/Ctrl-C stops/, 60_000);
    const output = demo.output();
    const commands = output.split("\n").filter((line) => line.startsWith("curl "));
    expect(commands.length).toBeGreaterThanOrEqual(8);
    for (const command of commands) {
      expect(command).not.toContain(API_TOKEN);
      expect(command).not.toContain(WEBHOOK_TOKEN);
      const { status } = await paste(command, env);
      expect(status, command).toBe(200);
      // Without the tokens in the environment, the same command is refused.
      if (!command.endsWith("/apis/metrics.smi-spec.io/v1alpha2/'")) {
        expect((await paste(command, { API_TOKEN: "", WEBHOOK_TOKEN: "" })).status, command).toBe(401);
      }
    }
  }, 120_000);
});
