import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkerdSeries } from "../../src/dev/linkerd-series";
import type { RunningPrometheus } from "../../src/dev/prometheus-server";
import { defaultScenario } from "../../src/dev/scenario";
import { createIstioAdapter } from "../../src/mesh/istio";
import { createLinkerdAdapter } from "../../src/mesh/linkerd";
import { workloadTruth } from "../support/ground-truth";
import {
  apiOverPrometheus,
  call,
  linkerdReportParts,
  runTestReport,
  scenarioPrometheus,
} from "../support/harness";
import { startProcess } from "../support/process";
import { stubServer } from "../support/stub-server";

const exec = promisify(execFile);

const scenario = defaultScenario();
let prometheus: RunningPrometheus;
let dir: string;

beforeAll(async () => {
  prometheus = await scenarioPrometheus(scenario, linkerdSeries);
  dir = await mkdtemp(join(tmpdir(), "smi-report-"));
}, 60_000);
afterAll(async () => {
  await prometheus?.stop();
  await rm(dir, { recursive: true, force: true });
});

const deps = () => linkerdReportParts(prometheus);
const spec = {
  title: "Payments hourly",
  namespaces: ["payments", "shop"],
  kinds: ["deployments", "statefulsets"],
  window: "5m",
  time: String(scenario.endS),
};

describe("scheduled report on a real Prometheus", () => {
  it("has one row per resource with numbers equal to the ground truth", async () => {
    const { report } = await runTestReport(deps(), spec);
    expect(report).toMatchObject({
      title: "Payments hourly",
      generatedAt: "2026-11-25T09:00:00Z",
      window: "5m",
      timestamp: "2025-11-24T16:15:00Z",
      mesh: "linkerd",
      scope: { namespaces: ["payments", "shop"], kinds: ["deployments", "statefulsets"] },
    });
    const workloads = scenario.workloads.filter((w) => w.kind === "deployment" || w.kind === "statefulset");
    expect(report.rows).toHaveLength(workloads.length);
    for (const w of workloads) {
      const row = report.rows.find((r) => r.namespace === w.namespace && r.name === w.name);
      const truth = workloadTruth(scenario, w, 300, "linkerd");
      const requests = truth.success + truth.failure;
      expect(row?.requests).toBeCloseTo(requests, 6);
      if (requests === 0) {
        expect(row).toMatchObject({ successRate: null, requestRate: null, p99Ms: null });
      } else {
        expect(row?.successRate).toBeCloseTo(truth.success / requests, 9);
        expect(row?.requestRate).toBeCloseTo(requests / 300, 9);
        expect(
          Math.abs((row?.p99Ms as number) - (truth.p99 as number)) / (truth.p99 as number),
        ).toBeLessThanOrEqual(0.0002);
      }
    }
  });

  it("carries the same TrafficMetricsLists the API serves", async () => {
    const { report } = await runTestReport(deps(), spec);
    expect(report.lists).toHaveLength(4);
    const api = apiOverPrometheus(prometheus, createLinkerdAdapter());
    const served = await call(
      api,
      `/apis/metrics.smi-spec.io/v1alpha2/namespaces/payments/deployments?t=5m&time=${scenario.endS}`,
    );
    expect(report.lists[0]).toEqual(served.body);
  });

  it("carries the Warnings a misconfiguration raises, in the JSON and at the top of the Markdown", async () => {
    const wrongMesh = { ...deps(), mesh: createIstioAdapter() };
    const { report, markdown } = await runTestReport(wrongMesh, spec);
    expect(report.rows).toEqual([]);
    expect(report.warnings).toEqual([
      expect.stringMatching(/has no series of istio_requests_total.*\(MESH=istio\)/),
    ]);
    const lines = markdown.split("\n");
    expect(lines[4]).toMatch(/^> \*\*Warning:\*\* .*has no series of istio_requests_total/);
    // Right: no Warning at all.
    expect((await runTestReport(deps(), spec)).report.warnings).toEqual([]);
  });

  it("renders Markdown with the worst success rate first and idle resources last", async () => {
    const { markdown } = await runTestReport(deps(), spec);
    const rows = markdown
      .split("\n")
      .filter((l) => l.startsWith("| deployments") || l.startsWith("| statefulsets"));
    expect(rows[0]).toMatch(/^\| statefulsets\/payments\/ledger \| 900 \| 90\.00% /);
    expect(rows[1]).toMatch(/^\| deployments\/payments\/api \| 900 \| 96\.67% /);
    expect(rows.at(-1)).toMatch(/^\| deployments\/shop\/idle \| 0 \| no traffic /);
    expect(markdown).toMatch(/^# Payments hourly\n/);
  });

  it("says in the Markdown and the rows which side measured each resource", async () => {
    const { report, markdown } = await runTestReport(deps(), spec);
    expect(report.rows.map((r) => r.side)).toEqual(report.rows.map(() => "server"));
    expect(markdown).toContain("| resource | requests | success rate | side | req/s |");
    expect(markdown).toMatch(/^\| deployments\/payments\/api \| 900 \| 96\.67% \| server \| 3\.000 \|/m);
  });
});

describe("npm run report", () => {
  it("prints the report for a spec without sinks", async () => {
    const file = join(dir, "print.json");
    await writeFile(file, JSON.stringify(spec));
    const run = startProcess("npm", ["run", "report", "--", "--spec", file], {
      PROMETHEUS_URL: prometheus.url,
    });
    try {
      await run.waitFor(/\| deployments\/shop\/idle \| 0 \| no traffic/, 30_000);
      // The whole report, title to last row, and a run that ends by itself and succeeds.
      expect(await run.exited).toBe(0);
      expect(run.output()).toMatch(/^# Payments hourly$/m);
      expect(run.output()).toMatch(/^\| statefulsets\/payments\/ledger \| 900 \| 90\.00% /m);
    } finally {
      await run.stop();
    }
  }, 40_000);

  it("writes the report to --out FILE, which holds nothing but the report", async () => {
    const file = join(dir, "out.json");
    const out = join(dir, "report.md");
    await writeFile(file, JSON.stringify(spec));
    const run = startProcess("npm", ["run", "report", "--", "--spec", file, "--out", out], {
      PROMETHEUS_URL: prometheus.url,
    });
    try {
      expect(await run.exited).toBe(0);
    } finally {
      await run.stop();
    }
    const markdown = await readFile(out, "utf8");
    // The title is the first line: no npm banner, as `npm run report > r.md` would have.
    expect(markdown).toMatch(/^# Payments hourly\n/);
    expect(markdown).toMatch(/^\| statefulsets\/payments\/ledger \| 900 \| 90\.00% /m);
    expect(markdown).toMatch(/^\| deployments\/shop\/idle \| 0 \| no traffic /m);
    expect(markdown.endsWith("\n")).toBe(true);
    expect(run.output()).not.toMatch(/Payments hourly|\| deployments/);
  }, 40_000);

  it("prints nothing but the report with npm run -s, so it can be redirected to a file", async () => {
    const file = join(dir, "silent.json");
    await writeFile(file, JSON.stringify(spec));
    const { stdout } = await exec("npm", ["run", "-s", "report", "--", "--spec", file], {
      env: { ...process.env, PROMETHEUS_URL: prometheus.url },
    });
    expect(stdout).toMatch(/^# Payments hourly\n/);
  }, 40_000);

  it("delivers to the sinks a spec names and prints each outcome", async () => {
    const received: string[] = [];
    const hook = await stubServer((req, res) => {
      received.push(req.body);
      res.writeHead(204);
      res.end();
    });
    try {
      const file = join(dir, "deliver.json");
      await writeFile(
        file,
        JSON.stringify({ ...spec, sinks: [{ type: "webhook", url: `${hook.url}/in`, format: "markdown" }] }),
      );
      const run = startProcess("npm", ["run", "report", "--", "--spec", file], {
        PROMETHEUS_URL: prometheus.url,
      });
      await run.waitFor(/"ok": true/, 30_000);
      await run.stop();
      expect(received).toHaveLength(1);
      expect(received[0]).toMatch(/^# Payments hourly/);
    } finally {
      await hook.close();
    }
  }, 40_000);
});
