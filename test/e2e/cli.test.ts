import { execFile } from "node:child_process";
import { stat, utimes } from "node:fs/promises";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkerdSeries } from "../../src/dev/linkerd-series";
import { serveLambdas } from "../../src/dev/local-server";
import type { RunningPrometheus } from "../../src/dev/prometheus-server";
import { defaultScenario, scenarioEnd } from "../../src/dev/scenario";
import { createIstioAdapter } from "../../src/mesh/istio";
import { createLinkerdAdapter } from "../../src/mesh/linkerd";
import { trafficNumbers } from "../../src/smi/metric-values";
import type { TrafficMetricsSeries } from "../../src/smi/schemas";
import { formatLatency, formatRps, formatSuccessRate } from "../../src/smi/table";
import { findWorkload, workloadTruth } from "../support/ground-truth";
import { apiOverPrometheus, scenarioPrometheus } from "../support/harness";
import { parseKubectlTable } from "../support/kubectl";
import { startProcess } from "../support/process";
import { expectRowMatchesTruth } from "../support/table-truth";

const exec = promisify(execFile);
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

/**
 * What one start of `bin/smi-metrics.mjs --help` loaded, from Node's module loader log: the bundle
 * `npm ci` builds, or the TypeScript sources through tsx.
 */
async function startedFrom(): Promise<"bundle" | "tsx" | string> {
  const { stdout, stderr } = await exec("node", ["bin/smi-metrics.mjs", "--help"], {
    env: { ...process.env, NODE_DEBUG: "module,esm" },
    maxBuffer: 256 << 20,
  });
  expect(stdout).toContain("smi-metrics top KIND");
  const tsx = /node_modules\/tsx\/|src\/cli\/main\.ts/.test(stderr);
  const bundle = stderr.includes("dist/smi-metrics.cjs");
  return bundle && !tsx ? "bundle" : tsx && !bundle ? "tsx" : `both or neither:\n${stderr.slice(0, 2000)}`;
}

beforeAll(async () => {
  // The CLI bundle, as `npm ci` builds it (its prepare script): every test below runs it.
  await exec("npm", ["run", "prepare"]);
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
/** A history whose step is shorter than the scrape interval: refused alike from either source. */
const SHORT_STEP = "history deployments/checkout -n shop --since 1m --step 5s --window 1m".split(" ");

describe("npx smi-metrics", () => {
  it("runs the bundle npm ci builds, not the TypeScript sources through tsx", async () => {
    expect(await startedFrom()).toBe("bundle");
  });

  it("runs the TypeScript sources through tsx while one is newer than the bundle", async () => {
    const source = "src/cli/help.ts";
    const { atime, mtime } = await stat(source);
    await utimes(source, atime, new Date(Date.now() + 60_000));
    try {
      expect(await startedFrom()).toBe("tsx");
    } finally {
      await utimes(source, atime, mtime);
    }
    expect(await startedFrom()).toBe("bundle");
  });

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
      // A workload's own numbers are measured at its own proxy, and the table says so.
      expect(row.SIDE, `${row.NAME} SIDE`).toBe("server");
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

  it("colours topology edges by --green and --amber, and says the levels", async () => {
    const { code, stdout, stderr } = await cli(
      "topology",
      "deployments",
      "-A",
      "--green",
      "99",
      "--amber",
      "90",
      "--window",
      "5m",
      "--time",
      time,
      "--api",
      api.url,
    );
    expect(stderr).toBe("");
    expect(code).toBe(0);
    // api -> ledger succeeds 90% exactly: amber at 90, equality on the better side.
    expect(stdout).toMatch(/^ {2}[├└]──▶ payments\/ledger\s+3\.00rps 90\.00%\s+amber$/m);
    expect(stdout).toMatch(/^ {2}[├└]──▶ payments\/api\s+2\.50rps 76\.00%\s+red$/m);
    expect(stdout).toContain("Levels: green: success ≥ 99%; amber: success ≥ 90%, below 99%;");
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
      "a fraction as a colour threshold",
      ["topology", "deployments", "-n", "shop", "--green", "0.999", "--api", "URL"],
      /^--green: a percentage from 0 to 100, .*"0\.999" is read as 0\.999%; did you mean "99\.9"\?$/,
    ],
    [
      "an amber threshold above green",
      ["topology", "deployments", "-n", "shop", "--amber", "99.95", "--api", "URL"],
      /^--amber 99\.95 is above --green 99\.9/,
    ],
    [
      "a colour threshold given to top",
      ["top", "deployments", "--green", "99", "--api", "URL"],
      /^--green and --amber go with topology/,
    ],
    [
      "history given both --since and --start",
      ["history", "deployments/checkout", "--since", "1h", "--start", "TIME", "--api", "URL"],
      /^give --since or --start, not both$/,
    ],
    [
      "history without a name",
      ["history", "deployments", "-n", "shop", "--api", "URL"],
      /^history needs KIND\/NAME, such as deployments\/checkout; got "deployments"$/,
    ],
    [
      "a history start that is not a time",
      ["history", "deployments/checkout", "--start", "yesterday", "--api", "URL"],
      /^--start: "yesterday" is not a time; expected RFC 3339/,
    ],
    [
      "a history step shorter than the scrape interval, as the API says it",
      [...SHORT_STEP, "--api", "URL"],
      /^invalid step: 5s is shorter than the scrape interval/,
    ],
    [
      "a history step shorter than the scrape interval, in-process",
      [...SHORT_STEP, "--prometheus", "PROM", "--mesh", "linkerd"],
      /^invalid step: 5s is shorter than the scrape interval/,
    ],
    [
      "a history step too short to be the window it stands in for",
      ["history", "deployments/checkout", "-n", "shop", "--since", "1m", "--step", "5s", "--api", "URL"],
      /^--step 5s is each point's window too, as no --window is given: invalid window: 5s is out of range/,
    ],
    [
      "a top option given to history",
      ["history", "deployments/checkout", "--sort", "rps", "--api", "URL"],
      /^--sort, --watch, --green and --amber go with top and topology$/,
    ],
    [
      "a history option given to top",
      ["top", "deployments", "--since", "1h", "--api", "URL"],
      /^--since, --start, --end, --step and --sparklines go with history$/,
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
      for (const _ of chunk.toString().matchAll(/NAME\s+SIDE\s+SUCCESS/g)) frames.push(performance.now());
    });
    try {
      await watcher.waitFor(/(NAME\s+SIDE\s+SUCCESS[\s\S]*){3}/, 30_000);
    } finally {
      await watcher.stop();
    }
    expect(frames.length).toBeGreaterThanOrEqual(3);
    // Each frame starts with when it was fetched, later each time.
    const stamps = [...watcher.output().matchAll(/^Every 2s, updated (\S+)\n+NAME\s+SIDE\s+SUCCESS/gm)].map(
      (m) => Date.parse(m[1] as string),
    );
    expect(stamps.length).toBe(frames.length);
    for (const [i, at] of stamps.entries()) {
      expect(at).not.toBeNaN();
      if (i > 0) expect(at).toBeGreaterThan(stamps[i - 1] as number);
    }
    // A frame follows the previous one by the interval plus the time to fetch it, never sooner.
    const gaps = frames.slice(1).map((at, i) => at - (frames[i] as number));
    for (const gap of gaps) {
      expect(gap, `gaps ${gaps.map(Math.round).join(", ")} ms`).toBeGreaterThanOrEqual(WATCH_S * 1000 - 100);
      expect(gap, `gaps ${gaps.map(Math.round).join(", ")} ms`).toBeLessThan(WATCH_S * 1000 + 1500);
    }
  }, 40_000);
});

/** The sparkline levels, lowest first, and the mark of a point without traffic (docs/cli.md). */
const LEVELS = "▁▂▃▄▅▆▇█";

/**
 * The sparkline points call for, read off the definition in docs/cli.md: min..max of the points
 * shown in eight equal bands (to 12 significant digits), equal values mid-height, · without traffic.
 */
function expectedSparkline(values: readonly (number | null)[]): string {
  const present = values.filter((v): v is number => v !== null);
  const [min, max] = [Math.min(...present), Math.max(...present)];
  return values
    .map((v) => {
      if (v === null) return "·";
      if (min === max) return "▄";
      const band = Math.floor(Number(((8 * (v - min)) / (max - min)).toPrecision(12)));
      return LEVELS[Math.min(7, band)];
    })
    .join("");
}

describe("npx smi-metrics history", () => {
  // From a minute before the data to ten minutes in, each point the 5m ending there: no traffic,
  // then requests per second ramping up as the windows fill with data, then steady.
  const START_S = scenario.startS - 60;
  const END_S = scenario.startS + 600;
  const range = ["--start", String(START_S), "--end", String(END_S), "--step", "1m", "--window", "5m"];
  const checkout = ["history", "deployments/checkout", "-n", "shop", ...range];
  const json = async (...args: string[]) => {
    const { code, stdout, stderr } = await cli(...args, "-o", "json");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    return JSON.parse(stdout) as TrafficMetricsSeries;
  };

  it("prints the API's TrafficMetricsSeries with -o json, the same from both sources", async () => {
    const [fromApi, fromPrometheus] = await Promise.all(
      sources().map(([, source]) => json(...checkout, ...(source as string[]))),
    );
    expect(fromApi).toMatchObject({ kind: "TrafficMetricsSeries", window: "5m", step: "1m" });
    expect(fromApi?.points.map((p) => Date.parse(p.timestamp) / 1000)).toEqual(
      Array.from({ length: 12 }, (_, i) => START_S + 60 * i),
    );
    expect(fromPrometheus).toEqual(fromApi);
  });

  it("prints a row per point with top's numbers, and sparklines that follow the points", async () => {
    const series = await json(...checkout, "--api", api.url);
    const { code, stdout } = await cli(...checkout, "--sparklines", "--api", api.url);
    expect(code).toBe(0);
    const [title, table, sparks] = stdout.split("\n\n");
    expect(title).toBe(
      "Deployment shop/checkout, measured at the server: every 1m, each point the 5m ending at its TIME",
    );
    const rows = parseKubectlTable(table as string);
    const numbers = series.points.map((point) => trafficNumbers({ ...series, ...point } as never));
    expect(rows.map((r) => r.TIME)).toEqual(series.points.map((p) => p.timestamp));
    rows.forEach((row, i) => {
      const n = numbers[i] as ReturnType<typeof trafficNumbers>;
      expect([row.SUCCESS, row.RPS, row.LATENCY_P99], row.TIME).toEqual([
        formatSuccessRate(n),
        formatRps(n.requestsPerSecond),
        formatLatency(n.p99Ms),
      ]);
    });
    const drawn = Object.fromEntries(
      (sparks as string)
        .trimEnd()
        .split("\n")
        .map((line) => line.split(/\s+/).slice(0, 2)),
    );
    const rps = numbers.map((n) => n.requestsPerSecond);
    expect(drawn).toEqual({
      SUCCESS: expectedSparkline(numbers.map((n) => n.successRate)),
      RPS: expectedSparkline(rps),
      P99: expectedSparkline(numbers.map((n) => n.p99Ms)),
    });
    // The ramp spans every level, lowest to highest, and the minutes before the data are gaps.
    expect(drawn.RPS).toMatch(/^·+▁.*█+$/);
    expect(stdout).toMatch(/^RPS\s+\S+ {2}0\.80rps \.\. 4\.00rps$/m);
  });

  it("leaves the sparklines out when stdout is not a terminal, unless asked", async () => {
    const { code, stdout } = await cli(...checkout, "--api", api.url);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^TIME\s+SUCCESS\s+RPS/m);
    expect(stdout).not.toMatch(/[▁▂▃▄▅▆▇█]/);
  });

  it("covers the last --since up to --end with one point per step", async () => {
    const series = await json(
      "history",
      "deployments/api",
      "-n",
      "payments",
      "--since",
      "5m",
      "--end",
      String(END_S),
      "--api",
      api.url,
    );
    // Five windows of one minute (the step), the last ending at --end.
    expect(series).toMatchObject({ window: "1m", step: "1m" });
    expect(series.points.map((p) => Date.parse(p.timestamp) / 1000)).toEqual([
      END_S - 240,
      END_S - 180,
      END_S - 120,
      END_S - 60,
      END_S,
    ]);
  });
});
