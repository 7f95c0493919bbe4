import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkerdSeries } from "../../src/dev/linkerd-series";
import type { RunningPrometheus } from "../../src/dev/prometheus-server";
import { defaultScenario, scenarioEnd } from "../../src/dev/scenario";
import { findWorkload, workloadTruth } from "../support/ground-truth";
import { scenarioPrometheus } from "../support/harness";
import { startProcess } from "../support/process";
import { expectMatchesTruth } from "../support/smi-assert";

const scenario = defaultScenario();

/** A `prometheus` that exits at once, beside the real promtool, as a wrong PROMETHEUS_BIN might be. */
const notPrometheus = (() => {
  const dir = mkdtempSync(join(tmpdir(), "not-prometheus-"));
  const fake = join(dir, "prometheus");
  writeFileSync(fake, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  symlinkSync(
    execFileSync("sh", ["-c", "command -v promtool"], { encoding: "utf8" }).trim(),
    join(dir, "promtool"),
  );
  return fake;
})();
let prometheus: RunningPrometheus;
let server: ReturnType<typeof startProcess>;

beforeAll(async () => {
  prometheus = await scenarioPrometheus(scenario, linkerdSeries);
}, 60_000);
afterAll(async () => {
  rmSync(dirname(notPrometheus), { recursive: true, force: true });
  await server?.stop();
  await prometheus?.stop();
});

/** Our own lines on stderr (npm's warnings about its CLI aside): exactly one, and no stack frame. */
function expectOneLine(stderr: string, line: RegExp) {
  const ours = stderr.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("npm warn"));
  expect(ours, stderr).toHaveLength(1);
  expect(ours[0]).toMatch(line);
  expect(stderr).not.toMatch(/^\s+at /m);
}

describe("npm start", () => {
  it("serves the Lambda handler over HTTP on PORT against PROMETHEUS_URL within 30 s", async () => {
    const started = Date.now();
    server = startProcess("npm", ["start"], { PORT: "0", PROMETHEUS_URL: prometheus.url });
    const [, url] = await server.waitFor(/on (http:\/\/127\.0\.0\.1:\d+)/, 30_000);
    expect(Date.now() - started).toBeLessThan(30_000);
    const time = scenarioEnd(scenario).toISOString();
    const response = await fetch(
      `${url}/apis/metrics.smi-spec.io/v1alpha1/namespaces/shop/deployments/checkout?t=5m&time=${time}`,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expectMatchesTruth(
      (await response.json()) as Parameters<typeof expectMatchesTruth>[0],
      workloadTruth(scenario, findWorkload(scenario, "shop", "checkout"), 300),
    );
    const health = await fetch(`${url}/healthz`);
    expect(await health.json()).toMatchObject({ status: "ok", mesh: "linkerd" });
  }, 60_000);

  it.each([
    [
      "a misspelt MESH",
      ["start"],
      { MESH: "linkrd" },
      /^invalid configuration: MESH: must be one of: linkerd, istio, consul, cilium$/,
    ],
    [
      "a bad timeout",
      ["start"],
      { PROMETHEUS_TIMEOUT_MS: "soon" },
      /^invalid configuration: PROMETHEUS_TIMEOUT_MS: must be a whole number from 100 to 300000, in digits$/,
    ],
    [
      "API_TOKEN beside a gateway authorizer",
      ["start"],
      { API_AUTH: "jwt", API_TOKEN: "0123456789abcdef" },
      /^invalid configuration: API_TOKEN: is only checked with API_AUTH=none/,
    ],
    [
      "demo options without --",
      ["run", "demo", "--mesh", "istio"],
      {},
      /^Unexpected argument 'istio'.*npm passes options to a script only after --\)$/,
    ],
    [
      "a PROMETHEUS_BIN that does not exist",
      ["run", "demo"],
      { PROMETHEUS_BIN: "/nope" },
      /^could not run \/nope\. Install Prometheus/,
    ],
    [
      "every bad variable, the local server's own included",
      ["start"],
      { MESH: "linkrd", PORT: "abc", CACHE_TTL: "zz" },
      /^invalid configuration: MESH: must be one of: linkerd, istio, consul, cilium; CACHE_TTL: .*; PORT: must be a whole number from 0 to 65535, in digits$/,
    ],
    [
      "a number in another notation than digits",
      ["start"],
      { PORT: "0xD7C", PROMETHEUS_TIMEOUT_MS: "1e3" },
      /^invalid configuration: PROMETHEUS_TIMEOUT_MS: must be a whole number from 100 to 300000, in digits; PORT: must be a whole number from 0 to 65535, in digits$/,
    ],
    [
      "a number too large, said once",
      ["start"],
      { CACHE_MAX_BYTES: "99999999999999999999999" },
      /^invalid configuration: CACHE_MAX_BYTES: must be at most 1073741824$/,
    ],
    [
      "a PROMETHEUS_BIN that is a directory",
      ["run", "demo"],
      { PROMETHEUS_BIN: "/tmp" },
      /^PROMETHEUS_BIN=\/tmp is a directory, not the prometheus binary/,
    ],
    [
      "a PROMETHEUS_BIN that is not Prometheus",
      ["run", "demo"],
      { PROMETHEUS_BIN: notPrometheus },
      new RegExp(
        `^PROMETHEUS_BIN=${notPrometheus} did not start Prometheus: it exited with code 0; set PROMETHEUS_BIN to the prometheus binary`,
      ),
    ],
    [
      "a PROMETHEUS_PORT that is no port",
      ["run", "demo"],
      { PROMETHEUS_PORT: "9o90" },
      /^invalid configuration: PROMETHEUS_PORT: must be a whole number from 0 to 65535, in digits$/,
    ],
    [
      "a HOST that is no address",
      ["start"],
      { HOST: "999.1.1.1" },
      /^cannot listen on HOST=999\.1\.1\.1 \(ENOTFOUND: no such address\); set HOST to an address of this machine/,
    ],
  ])(
    "refuses to start with %s in one line on stderr, no stack",
    async (_what, args, env: Record<string, string>, line) => {
      const bad = startProcess("npm", args, { PORT: "0", ...env });
      const code = await bad.exited;
      expect(code).not.toBe(0);
      expectOneLine(bad.stderr(), line);
    },
    40_000,
  );

  it("says which port is busy and what to set, in one line", async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const { port } = busy.address() as AddressInfo;
    const bad = startProcess("npm", ["start"], { PORT: String(port) });
    const code = await bad.exited;
    busy.close();
    expect(code).not.toBe(0);
    expectOneLine(
      bad.stderr(),
      new RegExp(`^cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\); set PORT to a free port`),
    );
  }, 40_000);

  it.each([
    [
      "PORT",
      (port: number) =>
        new RegExp(`^cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\); set PORT to a free port`),
    ],
    [
      "PROMETHEUS_PORT",
      (port: number) =>
        new RegExp(
          `^cannot listen on 127\\.0\\.0\\.1:${port} for Prometheus \\(EADDRINUSE\\); set PROMETHEUS_PORT to a free port, or unset it to pick one$`,
        ),
    ],
  ])(
    "npm run demo says a busy %s in one line before it backfills anything",
    async (variable, line) => {
      const busy = createServer();
      await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
      const { port } = busy.address() as AddressInfo;
      const bad = startProcess("npm", ["run", "demo"], { PORT: "0", [variable]: String(port) });
      const code = await Promise.race([bad.exited, new Promise((r) => setTimeout(r, 30_000, "running"))]);
      await bad.stop();
      busy.close();
      expect(code).not.toBe("running");
      expect(code).not.toBe(0);
      expect(bad.output()).not.toMatch(/Backfilling/);
      expectOneLine(bad.stderr(), line(port));
    },
    40_000,
  );
});
