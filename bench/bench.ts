/**
 * `npm run bench`: how close the API comes to the cost of Prometheus itself.
 *
 * For a generated Linkerd namespace at 10, 100, 1,000, 2,000 and 10,000 pods (plus a hub workload
 * with 200 peers for edges) in a real Prometheus, it times, in the same run and on the same instants:
 * - ours: the API over the local server (the bundled Lambda handler behind the Node adapter), asked
 *   with `Accept-Encoding: gzip` as a real client asks, its body read to the end;
 * - floor: exactly the PromQL our code sends for the request (recorded from it), POSTed to
 *   Prometheus together as ours does, bodies read to the end but not parsed: no API can do less;
 * - direct: the same numbers with the minimal queries (three `histogram_quantile`s), in parallel;
 * - smi-metrics: the predecessor's way, its queries one after another with `irate` latencies.
 * It prints medians and the ratios of ours to each, Prometheus round trips per request (counted by
 * Prometheus itself; the zero cases add the one diagnosis query a zero answer spends), the server's
 * peak RSS, a 50-request concurrency burst, and bundle sizes with import-plus-init time. At 10,000
 * pods it adds the cost of compressing the list at each level and of reading it page by page.
 * Ratios, not absolute times, are what to read: these machines are shared and noisy.
 *
 * `--mesh` writes the namespace as another mesh's series and runs the API with that MESH (direct
 * and smi-metrics are Linkerd's PromQL, so they are left out then); `--cases` runs only the cases
 * named. `npm run bench -- --help` says so.
 */
import { execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs, promisify } from "node:util";
import { freePort, type RunningPrometheus, startPrometheus } from "../src/dev/prometheus-server";
import { seriesWriter } from "../src/dev/series";
import { MESH_NAMES, type MeshName } from "../src/mesh/select";
import { podsScenario } from "../test/support/pods-scenario";
import { bundleLambda, bundleServer } from "../test/support/server-bundle";
import { fetchFloor, type QueryWaves, recordQueries } from "./floor";
import { type Ask, printCompressionCosts, printPageCosts } from "./large-list";

const run = promisify(execFile);
const CASE_NAMES = ["list", "resource", "edges", "zero-list", "zero-name"];
const USAGE = `npm run bench [-- SIZES] [--mesh ${MESH_NAMES.join("|")}] [--cases ${CASE_NAMES.join(",")}]

SIZES   pods in namespace bench, comma-separated (default 10,100,1000,2000,10000)
--mesh  whose series to generate and which MESH the API reads (default linkerd); the direct and
        smi-metrics columns are Linkerd's PromQL, so only linkerd prints them
--cases the cases to time (default all); the 50-request burst runs for list and resource

A 2,000-pod list on Cilium and on Linkerd, round trips counted by Prometheus itself:
  npm run bench -- 2000 --mesh cilium --cases list
  npm run bench -- 2000 --mesh linkerd --cases list`;
const ARGS = parseArgs({
  allowPositionals: true,
  options: {
    mesh: { type: "string", default: "linkerd" },
    cases: { type: "string", default: CASE_NAMES.join(",") },
    help: { type: "boolean", default: false },
  },
});
if (ARGS.values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (!(MESH_NAMES as readonly string[]).includes(ARGS.values.mesh)) {
  console.error(`--mesh must be one of ${MESH_NAMES.join(", ")}\n\n${USAGE}`);
  process.exit(2);
}
const MESH = ARGS.values.mesh as MeshName;
const CASES = ARGS.values.cases.split(",");
const SIZES = (ARGS.positionals[0] ?? "10,100,1000,2000,10000").split(",").map(Number);
/** Timed runs per case; fewer at 10,000 pods, where one list costs seconds. */
const iterationsFor = (pods: number) => (pods >= 10_000 ? 5 : 11);
const WARMUP = 2;
const WINDOW = "1m";

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

async function postQuery(base: string, query: string, time: number): Promise<unknown> {
  const response = await fetch(`${base}/api/v1/query`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ query, time: String(time) }).toString(),
  });
  const body = (await response.json()) as { status: string };
  if (body.status !== "success") throw new Error(`query failed: ${query}`);
  return body;
}

/** Prometheus' own count of instant queries it has served: round trips, measured at the far end. */
async function queriesServed(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text
    .split("\n")
    .find((l) => l.startsWith('prometheus_http_requests_total{code="200",handler="/api/v1/query"}'));
  return Number(line?.split(" ")[1] ?? 0);
}

interface Case {
  readonly name: string;
  readonly path: string;
  /** Minimal PromQL for the same numbers: counts by outcome and three quantiles. */
  readonly direct: string[];
  /** smi-metrics: success, failure, then three irate quantiles, per direction. */
  readonly smi: string[];
}

/** The cases `--cases` names, in the bench's order. */
const selectedCases = () => cases().filter((c) => CASES.includes(c.name));

function cases(): Case[] {
  const q = (by: string, selector: string, fn: "rate" | "irate", quantile: number) =>
    `histogram_quantile(${quantile}, sum by (${by}, le) (${fn}(response_latency_ms_bucket{${selector}}[${WINDOW}])))`;
  const minimal = (by: string, selector: string) => [
    `sum by (${by}, classification) (increase(response_total{${selector}}[${WINDOW}]))`,
    ...[0.5, 0.9, 0.99].map((quantile) => q(by, selector, "rate", quantile)),
  ];
  const smi = (by: string, selector: string) => [
    `sum by (${by}) (increase(response_total{${selector}, classification="success"}[${WINDOW}]))`,
    `sum by (${by}) (increase(response_total{${selector}, classification="failure"}[${WINDOW}]))`,
    ...[0.5, 0.9, 0.99].map((quantile) => q(by, selector, "irate", quantile)),
  ];
  const list = 'direction="inbound", namespace="bench"';
  const one = 'direction="inbound", namespace="bench", deployment="app-0"';
  const to = 'direction="outbound", namespace="edges", deployment="hub"';
  const from = 'direction="outbound", dst_namespace="edges", dst_deployment="hub"';
  const typo = 'direction="inbound", namespace="bench", deployment="app-typo"';
  return [
    {
      name: "list",
      path: "/namespaces/bench/pods",
      direct: minimal("namespace, pod", list),
      smi: smi("namespace, pod", list),
    },
    {
      name: "resource",
      path: "/namespaces/bench/deployments/app-0",
      direct: minimal("namespace, deployment", one),
      smi: smi("namespace, deployment", one),
    },
    {
      name: "edges",
      path: "/namespaces/edges/deployments/hub/edges",
      direct: [...minimal("dst_namespace, dst_deployment", to), ...minimal("namespace, deployment", from)],
      smi: [...smi("dst_namespace, dst_deployment", to), ...smi("namespace, deployment", from)],
    },
    // Zero answers: the same queries find nothing, and ours spends one diagnosis query on saying why.
    {
      name: "zero-list",
      path: "/namespaces/empty/pods",
      direct: minimal("namespace, pod", 'direction="inbound", namespace="empty"'),
      smi: smi("namespace, pod", 'direction="inbound", namespace="empty"'),
    },
    {
      // A never-seen name in the big namespace: the diagnosis counts that namespace's series.
      name: "zero-name",
      path: "/namespaces/bench/deployments/app-typo",
      direct: minimal("namespace, deployment", typo),
      smi: smi("namespace, deployment", typo),
    },
  ];
}

async function startServer(bundle: string, prometheusUrl: string) {
  const port = await freePort();
  const child = spawn("node", [bundle], {
    env: {
      ...process.env,
      PORT: String(port),
      PROMETHEUS_URL: prometheusUrl,
      PROMETHEUS_TIMEOUT_MS: "60000",
      // The request log as Lambda writes it (EMF), so its cost is measured as deployed.
      LOG_FORMAT: "emf",
      MESH,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  child.stdout.on("data", (d) => {
    output += d;
  });
  const deadline = Date.now() + 30_000;
  while (!output.includes(" on http://")) {
    if (Date.now() > deadline) throw new Error(`server did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const peakRssMb = async () => {
    const status = await readFile(`/proc/${child.pid}/status`, "utf8");
    return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  };
  return { url: `http://127.0.0.1:${port}`, peakRssMb, stop: () => child.kill("SIGTERM") };
}

/** A column: `-` for what was not timed (direct and smi-metrics on another mesh than Linkerd). */
const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : "-").padStart(8);

/** GETs from the API as a client does (gzip accepted, body read to its end, not parsed), timed. */
function asker(prometheusUrl: string): Ask {
  return async (base, pathAndQuery) => {
    const before = await queriesServed(prometheusUrl);
    const t = performance.now();
    const response = await fetch(`${base}${pathAndQuery}`, { headers: { "accept-encoding": "gzip" } });
    const body = Buffer.from(await response.arrayBuffer());
    const ms = performance.now() - t;
    const trips = (await queriesServed(prometheusUrl)) - before;
    return { ms, trips, status: response.status, body };
  };
}

const API = "/apis/metrics.smi-spec.io/v1alpha2";

async function benchSize(pods: number, serverBundle: string) {
  const scenario = podsScenario(pods);
  const series = seriesWriter(MESH)(scenario);
  const started = performance.now();
  const prometheus: RunningPrometheus = await startPrometheus({
    series,
    startS: scenario.startS,
    endS: scenario.endS,
    stepS: scenario.stepS,
  });
  const setupS = (performance.now() - started) / 1000;
  const server = await startServer(serverBundle, prometheus.url);
  const ask = asker(prometheus.url);
  try {
    console.log(
      `\n== ${pods} pods in namespace bench (+ hub with 200 peers), MESH=${MESH}: ${series.seriesCount} series, set up in ${setupS.toFixed(1)} s`,
    );
    console.log(
      "case        ours ms  floor ms  direct ms    smi ms  ours/floor  ours/direct  ours/smi  round trips ours/floor  server peak RSS so far",
    );
    const tripsOf = new Map<string, number>();
    for (const c of selectedCases()) {
      const ours: number[] = [];
      const floor: number[] = [];
      const direct: number[] = [];
      const smi: number[] = [];
      const path = (time: number) => `${API}${c.path}?t=${WINDOW}&time=${time}`;
      const waves: QueryWaves = await recordQueries(prometheus.url, path(scenario.endS - 90), MESH);
      // Round trips, counted by Prometheus around one request, outside the timed runs.
      const probe = await ask(server.url, path(scenario.endS - 90));
      if (probe.status !== 200) throw new Error(`${c.path}: ${probe.status} ${probe.body}`);
      tripsOf.set(c.name, probe.trips);
      const runs: Record<"ours" | "floor" | "direct" | "smi", (time: number) => Promise<unknown>> = {
        ours: async (time) => {
          const r = await fetch(`${server.url}${path(time)}`, { headers: { "accept-encoding": "gzip" } });
          await r.arrayBuffer();
          if (r.status !== 200) throw new Error(`${c.path}: ${r.status}`);
        },
        floor: (time) => fetchFloor(prometheus.url, waves, time),
        direct: (time) => Promise.all(c.direct.map((q) => postQuery(prometheus.url, q, time))),
        smi: async (time) => {
          for (const q of c.smi) await postQuery(prometheus.url, q, time);
        },
      };
      // direct and smi-metrics are Linkerd's PromQL: another mesh is timed against the floor alone.
      const order =
        MESH === "linkerd" ? (["ours", "floor", "direct", "smi"] as const) : (["ours", "floor"] as const);
      // A resource or a zero answers in milliseconds, where one noisy run moves a median: take three times as many.
      const iterations = WARMUP + iterationsFor(pods) * (c.name === "edges" || c.name === "list" ? 1 : 3);
      for (let i = 0; i < iterations; i++) {
        const time = scenario.endS - i;
        // Rotate who goes first, so none of them always follows the same neighbour.
        for (let k = 0; k < order.length; k++) {
          const who = order[(i + k) % order.length] as (typeof order)[number];
          const t = performance.now();
          await runs[who](time);
          if (i >= WARMUP) ({ ours, floor, direct, smi })[who].push(performance.now() - t);
        }
      }
      const [mo, mf, md, ms] = [median(ours), median(floor), median(direct), median(smi)];
      const floorTrips = waves.reduce((n, wave) => n + wave.length, 0);
      console.log(
        `${c.name.padEnd(10)}${fmt(mo)}${fmt(mf, 1).padStart(10)}${fmt(md, 1).padStart(11)}${fmt(ms)}${fmt(mo / mf, 2).padStart(12)}${fmt(mo / md, 2).padStart(13)}${fmt(mo / ms, 2).padStart(10)}${`${probe.trips}/${floorTrips}`.padStart(24)}${`${(await server.peakRssMb()).toFixed(0)} MB`.padStart(24)}`,
      );
    }

    // 50 identical requests at once, at an instant not asked before: coalescing should hold the cost.
    for (const c of selectedCases().filter((c) => c.name === "list" || c.name === "resource")) {
      const time = scenario.endS - 60;
      const single = tripsOf.get(c.name);
      const before = await queriesServed(prometheus.url);
      const responses = await Promise.all(
        Array.from({ length: 50 }, () =>
          fetch(`${server.url}${API}${c.path}?t=${WINDOW}&time=${time}`, {
            headers: { "accept-encoding": "gzip" },
          }),
        ),
      );
      await Promise.all(responses.map((r) => r.arrayBuffer()));
      const after = await queriesServed(prometheus.url);
      console.log(
        `concurrency: 50 identical ${c.name} requests at once cost ${after - before} round trips (one costs ${single}); server peak RSS so far ${(await server.peakRssMb()).toFixed(0)} MB`,
      );
    }
    console.log(`peak RSS of the server: ${(await server.peakRssMb()).toFixed(0)} MB`);

    if (pods >= 10_000) await largeList(ask, server, serverBundle, prometheus.url, scenario.endS);
  } finally {
    server.stop();
    await prometheus.stop();
  }
}

/** Compression levels on the real list answer, then what a page costs warm and in a fresh process. */
async function largeList(
  ask: Ask,
  server: { url: string; peakRssMb: () => Promise<number> },
  serverBundle: string,
  prometheusUrl: string,
  endS: number,
) {
  const list = `${API}/namespaces/bench/pods`;
  const whole = await ask(server.url, `${list}?t=${WINDOW}&time=${endS - 90}`);
  printCompressionCosts(whole.body);
  const fresh = await startServer(serverBundle, prometheusUrl);
  try {
    // Instants no earlier request asked for, so each first page measures the whole list.
    await printPageCosts(ask, server.url, fresh.url, list, [endS - 30, endS - 31, endS - 32], 1000);
    console.log(
      `server peak RSS after paging: ${(await server.peakRssMb()).toFixed(0)} MB (the process that served the later pages fresh: ${(await fresh.peakRssMb()).toFixed(0)} MB)`,
    );
  } finally {
    fresh.stop();
  }
}

async function coldStart(dir: string) {
  console.log("== cold start (bundles as serverless.yml builds them)");
  for (const fn of ["api", "report"]) {
    const outfile = await bundleLambda(fn, dir);
    const size = (await stat(outfile)).size;
    const times: number[] = [];
    // Three untimed runs first, so the file and Node itself are in the page cache like a warm host's.
    for (let i = 0; i < 13; i++) {
      const { stdout } = await run("node", [
        "-e",
        `const t = performance.now(); require(${JSON.stringify(outfile)}); console.log(performance.now() - t);`,
      ]);
      if (i >= 3) times.push(Number(stdout.trim()));
    }
    const hasLambdaClient = (await readFile(outfile, "utf8")).includes("2015-03-31/functions");
    console.log(
      `${fn.padEnd(7)} bundle ${(size / 1024).toFixed(0)} KB, import+init median of 10: ${median(times).toFixed(1)} ms, @aws-sdk/client-lambda inside: ${hasLambdaClient ? "yes" : "no"}`,
    );
  }
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), "smi-bench-"));
  try {
    // Cold start first, while no Prometheus is loading or being torn down beside it.
    await coldStart(dir);
    const serverBundle = await bundleServer(dir);
    for (const pods of SIZES) await benchSize(pods, serverBundle);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
