import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkerdSeries } from "../../src/dev/linkerd-series";
import { serveLambdas } from "../../src/dev/local-server";
import type { RunningPrometheus } from "../../src/dev/prometheus-server";
import { defaultScenario, scenarioEnd } from "../../src/dev/scenario";
import { createIstioAdapter } from "../../src/mesh/istio";
import { createLinkerdAdapter } from "../../src/mesh/linkerd";
import { findWorkload, workloadTruth } from "../support/ground-truth";
import { apiOverPrometheus, scenarioPrometheus } from "../support/harness";
import { parseKubectlTable } from "../support/kubectl";
import { startProcess } from "../support/process";
import { expectRowMatchesTruth } from "../support/table-truth";

const scenario = defaultScenario();
/** The --watch interval under test: long enough that a frame printed early or late stands out. */
const WATCH_S = 2;
const time = `${scenarioEnd(scenario).toISOString().slice(0, 19)}Z`;
let prometheus: RunningPrometheus;
let api: Awaited<ReturnType<typeof serveLambdas>>;
let istioApi: Awaited<ReturnType<typeof serveLambdas>>;

/** `npx smi-metrics ...` from the checkout, as a user runs it. */
function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("npx", ["smi-metrics", ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  prometheus = await scenarioPrometheus(scenario, linkerdSeries);
  const handler = apiOverPrometheus(prometheus, createLinkerdAdapter());
  api = await serveLambdas(
    () => handler as Parameters<typeof serveLambdas>[0] extends (p: string) => infer H ? H : never,
    0,
  );
  const wrongMesh = apiOverPrometheus(prometheus, createIstioAdapter());
  istioApi = await serveLambdas(
    () => wrongMesh as Parameters<typeof serveLambdas>[0] extends (p: string) => infer H ? H : never,
    0,
  );
}, 60_000);
afterAll(async () => {
  await istioApi?.close();
  await api?.close();
  await prometheus?.stop();
});

const sources = () => [
  ["a running API", ["--api", api.url]],
  ["Prometheus in-process", ["--prometheus", prometheus.url, "--mesh", "linkerd"]],
];

describe("npx smi-metrics", () => {
  it("shows usage with examples for --help", async () => {
    const { code, stdout } = await cli("--help");
    expect(code).toBe(0);
    expect(stdout).toContain("smi-metrics top KIND");
    expect(stdout).toContain("Examples:");
    expect(stdout).toContain("npx smi-metrics topology deployments -A -o dot");
  });

  it.each([0, 1])("prints top's table equal to ground truth from each source (%#)", async (i) => {
    const [, source] = sources()[i] as [string, string[]];
    const { code, stdout, stderr } = await cli(
      "top",
      "deployments",
      "-n",
      "shop",
      "--window",
      "5m",
      "--time",
      time,
      ...source,
    );
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const rows = parseKubectlTable(stdout);
    expect(rows.map((r) => r.NAME).sort()).toEqual(["checkout", "frontend", "idle"]);
    for (const row of rows) {
      expectRowMatchesTruth(
        row,
        workloadTruth(scenario, findWorkload(scenario, "shop", row.NAME as string), 300, "linkerd"),
        300,
        row.NAME as string,
      );
    }
  });

  it("sorts by success rate, worst first and idle last, with NAMESPACE for -A", async () => {
    const { stdout } = await cli(
      "top",
      "deployments",
      "-A",
      "--sort",
      "success",
      "--window",
      "5m",
      "--time",
      time,
      "--api",
      api.url,
    );
    const rows = parseKubectlTable(stdout);
    expect(rows.map((r) => `${r.NAMESPACE}/${r.NAME}`)).toEqual([
      "payments/api",
      "shop/checkout",
      "shop/frontend",
      "shop/idle",
    ]);
  });

  it("draws the same topology from both sources", async () => {
    const [fromApi, fromPrometheus] = await Promise.all(
      sources().map(([, source]) =>
        cli(
          "topology",
          "deployments",
          "-A",
          "-o",
          "dot",
          "--window",
          "5m",
          "--time",
          time,
          ...(source as string[]),
        ),
      ),
    );
    expect(fromApi?.code).toBe(0);
    expect(fromApi?.stdout).toContain('"shop/frontend" -> "shop/checkout"');
    expect(fromApi?.stdout).toBe(fromPrometheus?.stdout);
  });

  it.each([
    [
      "an unknown kind",
      ["top", "widgets", "--api", "URL"],
      /^kind "widgets" is not served; served kinds are /,
    ],
    [
      "both -n and -A",
      ["top", "pods", "-n", "shop", "-A", "--api", "URL"],
      /^give -n NAMESPACE or -A, not both$/,
    ],
    ["no source", ["top", "pods", "-n", "shop"], /^say where the numbers come from: --api URL/],
    [
      "a window the API refuses",
      ["top", "pods", "-n", "shop", "--window", "banana", "--api", "URL"],
      /^invalid window: "banana" is not a duration; expected a duration such as 30s, 5m or 1h/,
    ],
    [
      "a kind the mesh does not serve, in-process",
      ["top", "trafficsplits", "--prometheus", "PROM", "--mesh", "linkerd"],
      /^kind "trafficsplits" is not served/,
    ],
    [
      "edges this mesh cannot name",
      ["topology", "services", "-n", "shop", "--window", "5m", "--time", "TIME", "--api", "URL"],
      /^edges of services are not served with mesh linkerd/,
    ],
    [
      "--prometheus without a mesh",
      ["top", "pods", "-n", "shop", "--prometheus", "PROM"],
      /^--prometheus needs --mesh linkerd\|istio\|consul\|cilium \(or MESH in the environment\)/,
    ],
    [
      "an unknown option",
      ["top", "pods", "--frob", "--api", "URL"],
      /^Unknown option '--frob'\. Usage: smi-metrics top\|topology KIND .*\(see --help\)$/,
    ],
    [
      "an API that is not there",
      ["top", "pods", "-n", "shop", "--api", "http://127.0.0.1:9"],
      /^cannot reach the API at http:\/\/127\.0\.0\.1:9/,
    ],
  ])("says what is wrong with %s in one line on stderr and exits non-zero", async (_what, args, message) => {
    const filled = (args as string[]).map(
      (a) => ({ URL: api.url, PROM: prometheus.url, TIME: time })[a] ?? a,
    );
    const { code, stdout, stderr } = await cli(...filled);
    expect(code).not.toBe(0);
    expect(stdout).toBe("");
    expect(stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(stderr.trimEnd()).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    ["a running API that reads the wrong mesh", () => ["--api", istioApi.url]],
    ["Prometheus in-process with the wrong mesh", () => ["--prometheus", prometheus.url, "--mesh", "istio"]],
  ])("says on stderr why a zero may not mean idle, from %s", async (_what, source) => {
    const { code, stdout, stderr } = await cli(
      "top",
      "deployments",
      "-n",
      "shop",
      "--window",
      "5m",
      "--time",
      time,
      ...source(),
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(/No resources found/);
    expect(stderr.trimEnd().split("\n")).toEqual([
      expect.stringMatching(/^Warning: .*has no series of istio_requests_total.*\(MESH=istio\)/),
    ]);
  });

  it("prints the table again every --watch interval until stopped", async () => {
    const watcher = startProcess(
      "npx",
      [
        "smi-metrics",
        "top",
        "deployments",
        "-n",
        "shop",
        "--watch",
        `${WATCH_S}s`,
        "--time",
        time,
        "--window",
        "5m",
        "--api",
        api.url,
      ],
      {},
    );
    // When each frame's header arrives: the interval is measured here, not from polled output.
    const frames: number[] = [];
    watcher.child.stdout?.on("data", (chunk: Buffer) => {
      for (const _ of chunk.toString().matchAll(/NAME\s+SUCCESS/g)) frames.push(performance.now());
    });
    try {
      await watcher.waitFor(/(NAME\s+SUCCESS[\s\S]*){3}/, 30_000);
    } finally {
      await watcher.stop();
    }
    expect(frames.length).toBeGreaterThanOrEqual(3);
    // A frame follows the previous one by the interval plus the time to fetch it, never sooner.
    const gaps = frames.slice(1).map((at, i) => at - (frames[i] as number));
    for (const gap of gaps) {
      expect(gap, `gaps ${gaps.map(Math.round).join(", ")} ms`).toBeGreaterThanOrEqual(WATCH_S * 1000 - 100);
      expect(gap, `gaps ${gaps.map(Math.round).join(", ")} ms`).toBeLessThan(WATCH_S * 1000 + 1500);
    }
  }, 40_000);
});
