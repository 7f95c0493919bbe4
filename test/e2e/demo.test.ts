import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../src/dev/prometheus-server";
import { startProcess } from "../support/process";

const run = promisify(execFile);
const API_TOKEN = "demo-api-token-0123456789";
const WEBHOOK_TOKEN = "demo-webhook-token-012345";

let demo: ReturnType<typeof startProcess> | undefined;
afterEach(async () => {
  await demo?.stop();
});

/**
 * Runs one printed command in a shell, as a user pasting it would; returns its status, the headers
 * it printed (`curl -i`: the status line first) and its body.
 */
async function paste(command: string, env: Record<string, string>) {
  const { stdout } = await run("bash", ["-c", `${command} -w '\\n%{http_code}'`], {
    env: { ...process.env, ...env },
  });
  const lines = stdout.trimEnd().split("\n");
  const status = Number(lines.pop());
  const printed = lines.join("\n");
  const cut = printed.startsWith("HTTP/") ? printed.indexOf("\r\n\r\n") : -1;
  return {
    status,
    headers: cut === -1 ? "" : printed.slice(0, cut),
    body: JSON.parse(cut === -1 ? printed : printed.slice(cut + 4)) as Record<string, unknown>,
  };
}

/** A printed command prints the headers (`curl -i`) of an answer that may carry a Warning. */
function expectHeadersShown(command: string, headers: string, status: number) {
  expect(command).toMatch(/^curl -sSi /);
  expect(headers, command).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
  expect(headers, command).toMatch(/^content-type: application\/json/im);
}

/**
 * Runs every command the demo printed and checks each answered with data: curl commands (those that
 * may carry a Warning print their headers), the CLI's top and topology, and the report.
 */
async function expectDataFromCommands(output: string): Promise<number> {
  const commands = [...output.matchAll(/^curl -s(Si)? '([^']+)'$/gm)];
  const urls = commands.map((m) => m[2] as string);
  expect(urls.length).toBeGreaterThanOrEqual(6);
  // Every answer that may carry a Warning is fetched with its headers; discovery has none.
  for (const [command, withHeaders, url] of commands) {
    expect(withHeaders === undefined, command).toBe(url?.endsWith("/v1alpha2/"));
    if (withHeaders !== undefined) {
      const pasted = await paste(command, {});
      expectHeadersShown(command, pasted.headers, 200);
    }
  }
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
  const cli = output.split("\n").filter((line) => line.startsWith("npx smi-metrics "));
  expect(cli.map((line) => line.split(" ")[2])).toEqual(["top", "topology", "history"]);
  for (const command of cli) {
    const { stdout: printed } = await run("bash", ["-c", command], { env: process.env });
    expect(printed, command).toMatch(/\d+\.\d\drps \d+\.\d\d%|\d+\.\d\d%\s+\d+\.\d\drps/);
  }
  const report = output.match(/^(\S+=\S+ )+npm run report -- --spec \S+$/m)?.[0] as string;
  const { stdout } = await run("bash", ["-c", report], { env: process.env });
  expect(stdout).toMatch(
    /\| (deployments\/payments\/api|services\/payments\/payments-api) \| \d+ \| \d+\.\d\d% \|/,
  );
  return urls.length;
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
      const fetched = await expectDataFromCommands(output);
      // The web UI's address: its page, which names the script it loads.
      const page = output.match(/^(http:\/\/127\.0\.0\.1:\d+\/ui\/)$/m)?.[1] as string;
      const html = await (await fetch(page)).text();
      expect(html).toMatch(/<script type="module" src="\/ui\/assets\/app-[A-Z0-9]+\.js"><\/script>/);
      // The page's kinds are the mesh's: a split kind (the canary view) only where one is served.
      const kinds = html.match(/<meta name="smi-kinds" content="([^"]*)">/)?.[1]?.split(",") ?? [];
      expect(html).toContain(`<meta name="smi-mesh" content="${mesh}">`);
      expect(kinds.some((k) => k === "httproutes" || k === "trafficsplits")).toBe(mesh !== "cilium");
      expect(output.includes(", the canary):")).toBe(mesh !== "cilium");
      const gate = output.match(/^curl -sSi -X POST .*\/webhooks\/flagger.*$/m)?.[0] as string;
      const gated = await paste(gate, {});
      expect(gated.status).toBe(200);
      expectHeadersShown(gate, gated.headers, 200);
      // Each request the commands made is one short line, never the EMF document Lambda prints.
      const logged = demo
        .output()
        .split("\n")
        .filter((line) => /^(GET|POST) \//.test(line));
      expect(logged.length).toBeGreaterThanOrEqual(fetched + 1);
      for (const line of logged) expect(line).toMatch(/^(GET|POST) \/\S* \d{3} \d+ms \d+ round trips?$/);
      expect(demo.output()).not.toContain('"_aws"');
    },
    120_000,
  );

  it("serves the demo from a live scrape of native histograms with --histograms native, --mesh kept", async () => {
    demo = startProcess("npm", ["run", "demo", "--", "--mesh", "consul", "--histograms", "native"], {
      PORT: "0",
    });
    await demo.waitFor(/Ctrl-C stops/, 90_000);
    const output = demo.output();
    expect(output).toMatch(/^Prometheus http:\/\/127\.0\.0\.1:\d+ scrapes consul traffic/m);
    expect(output).toContain("Latencies come from native histograms");
    // The live data begins at start-up, so the commands ask about the first full window: 30 s.
    const time = output.match(/the 30s up to (\S+Z):/)?.[1];
    expect(output).toContain(`?t=30s&time=${time}`);
    await expectDataFromCommands(output);
    // Latency comes from the native histograms: the printed gates pass their p99 checks.
    for (const gate of output.match(/^curl -sSi -X POST .*\/webhooks\/flagger.*$/gm) ?? []) {
      expect((await paste(gate, {})).status, gate).toBe(200);
    }
  }, 150_000);

  it("honours API_TOKEN and WEBHOOK_TOKEN as npm start does, and prints commands that send them", async () => {
    const env = { API_TOKEN, WEBHOOK_TOKEN };
    const prometheusPort = await freePort();
    demo = startProcess("npm", ["run", "demo"], {
      PORT: "0",
      PROMETHEUS_PORT: String(prometheusPort),
      LOG_LEVEL: "warn",
      ...env,
    });
    await demo.waitFor(/Ctrl-C stops/, 60_000);
    const output = demo.output();
    expect(output).toMatch(new RegExp(`^Prometheus http://127\\.0\\.0\\.1:${prometheusPort} holds`, "m"));
    const commands = output.split("\n").filter((line) => line.startsWith("curl "));
    expect(commands.length).toBeGreaterThanOrEqual(8);
    for (const command of commands) {
      expect(command).not.toContain(API_TOKEN);
      expect(command).not.toContain(WEBHOOK_TOKEN);
      const { status, headers } = await paste(command, env);
      expect(status, command).toBe(200);
      if (!command.endsWith("/apis/metrics.smi-spec.io/v1alpha2/'"))
        expectHeadersShown(command, headers, 200);
      // Without the tokens in the environment, the same command is refused.
      if (!command.endsWith("/apis/metrics.smi-spec.io/v1alpha2/'")) {
        expect((await paste(command, { API_TOKEN: "", WEBHOOK_TOKEN: "" })).status, command).toBe(401);
      }
    }
    // At LOG_LEVEL=warn the requests above, all answered, print nothing.
    expect(
      demo
        .output()
        .split("\n")
        .filter((line) => /^(GET|POST) \//.test(line)),
    ).toEqual([]);
  }, 120_000);
});
