/**
 * `npm run loadtest`: the local server under sustained concurrent load against a real Prometheus.
 *
 * It backfills the default generated Linkerd mesh (src/dev/scenario.ts) into a fresh Prometheus,
 * bundles and starts the server exactly as the benchmark does (the Lambda handler behind the Node
 * adapter, one `node` process), then drives it with autocannon: 64 connections for 30 s by default
 * (`npm run loadtest -- --duration 10 --connections 32`), after a 15 s warm-up at the same load.
 *
 * Every connection cycles through a mix of v1alpha2 reads: a namespaced list, the all-namespaces
 * list, one resource, its edges and a whole namespace. Each request asks for a 1m window ending at
 * an explicit `time`, drawn (seeded, so runs are comparable) from 601 instants one second apart in
 * the last 10 minutes of the data: every answer holds real numbers, and the 3,005 distinct answers
 * outnumber the answer cache's default 500 entries, so the run has misses (Prometheus round trips),
 * hits and coalesced requests, not a cache-only loop.
 *
 * How to read it:
 * - `req/s`, `p50`, `p99`: autocannon's client-side view over the measured run (warm-up excluded).
 *   Absolute numbers depend on the machine (these are shared and small); compare runs on one machine.
 * - `errors`: non-2xx answers plus connection errors (timeouts included). Any error exits 1.
 * - `server RSS`: VmRSS of the server process after the warm-up and at the end, their ratio, and
 *   VmHWM as `peak`; then samples through the run. The 15 s warm-up lets the answer cache (bounded
 *   by CACHE_MAX_ENTRIES and CACHE_MAX_BYTES) and V8's heap fill first (with a 3 s warm-up RSS
 *   still grew 1.3x, flat after ~12 s). A plateau is healthy; samples still climbing at the end,
 *   or a ratio that keeps growing with `--duration`, point at a leak.
 * - `cache`: outcomes counted from the server's own request log (one JSON line per request), with
 *   Prometheus round trips per request; `by kind` is the server-side time per path in the mix.
 * Everything listens on 127.0.0.1 only, the run is bounded, and the server and Prometheus are
 * stopped on every exit path.
 */
import { type ChildProcessByStdio, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { linkerdSeries } from "../../src/dev/linkerd-series";
import { freePort, type RunningPrometheus, startPrometheus } from "../../src/dev/prometheus-server";
import { defaultScenario } from "../../src/dev/scenario";
import { bundleServer } from "../../test/support/server-bundle";

const API = "/apis/metrics.smi-spec.io/v1alpha2";
/** The request mix: each connection cycles through these in order. */
const KINDS = [
  { name: "list", path: `${API}/namespaces/shop/deployments` },
  { name: "all-namespaces", path: `${API}/deployments` },
  { name: "resource", path: `${API}/namespaces/payments/deployments/api` },
  { name: "edges", path: `${API}/namespaces/payments/deployments/api/edges` },
  { name: "namespace", path: `${API}/namespaces/shop` },
] as const;
const WINDOW = "1m";
/** How far back from the end of the data `time` may go; one instant per second. */
const SPREAD_S = 600;
/** Long enough for the answer cache and V8's heap to fill, so the end-vs-start RSS means something. */
const WARMUP_S = 15;
/** Whole-run bound on top of the load itself: setup, warm-up, settling and teardown. */
const WATCHDOG_EXTRA_MS = 180_000;

function options() {
  const { values } = parseArgs({
    options: {
      duration: { type: "string", default: "30" },
      connections: { type: "string", default: "64" },
    },
  });
  const duration = Number(values.duration);
  const connections = Number(values.connections);
  if (!(duration > 0)) throw new Error(`--duration must be a number of seconds > 0, got ${values.duration}`);
  if (!(Number.isInteger(connections) && connections > 0))
    throw new Error(`--connections must be a whole number > 0, got ${values.connections}`);
  return { duration, connections };
}

/** A small seeded PRNG (mulberry32), so every run asks for the same sequence of instants. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What the server's request log said, counted line by line as it arrives. */
class LogTally {
  lines = 0;
  roundTrips = 0;
  readonly statuses = new Map<number, number>();
  readonly cache = { miss: 0, hit: 0, coalesced: 0 };
  readonly kinds = new Map<string, { count: number; ms: number; missCount: number; missMs: number }>();
  errorSample: string | undefined;

  count(line: string): void {
    if (!line.startsWith("{")) return;
    const status = /"status":(\d+)/.exec(line)?.[1];
    if (status === undefined) return;
    this.lines++;
    const code = Number(status);
    this.statuses.set(code, (this.statuses.get(code) ?? 0) + 1);
    this.roundTrips += Number(/"roundTrips":(\d+)/.exec(line)?.[1] ?? 0);
    const outcome = /"cache":"(miss|hit|coalesced)"/.exec(line)?.[1] as keyof LogTally["cache"] | undefined;
    if (outcome !== undefined) this.cache[outcome]++;
    const ms = Number(/"durationMs":(\d+)/.exec(line)?.[1] ?? 0);
    const path = /"path":"([^"]*)"/.exec(line)?.[1];
    const kind = KINDS.find((k) => k.path === path)?.name ?? "other";
    const k = this.kinds.get(kind) ?? { count: 0, ms: 0, missCount: 0, missMs: 0 };
    k.count++;
    k.ms += ms;
    if (outcome === "miss") {
      k.missCount++;
      k.missMs += ms;
    }
    this.kinds.set(kind, k);
    if (this.errorSample === undefined && (code >= 300 || line.includes('"error":'))) this.errorSample = line;
  }

  snapshot() {
    return {
      lines: this.lines,
      roundTrips: this.roundTrips,
      statuses: new Map(this.statuses),
      cache: { ...this.cache },
      kinds: new Map([...this.kinds].map(([name, k]) => [name, { ...k }])),
    };
  }
}
type Tally = ReturnType<LogTally["snapshot"]>;

function since(end: Tally, start: Tally): Tally {
  const statuses = new Map([...end.statuses].map(([code, n]) => [code, n - (start.statuses.get(code) ?? 0)]));
  const kinds = new Map(
    [...end.kinds].map(([name, k]) => {
      const s = start.kinds.get(name) ?? { count: 0, ms: 0, missCount: 0, missMs: 0 };
      return [
        name,
        {
          count: k.count - s.count,
          ms: k.ms - s.ms,
          missCount: k.missCount - s.missCount,
          missMs: k.missMs - s.missMs,
        },
      ];
    }),
  );
  return {
    lines: end.lines - start.lines,
    roundTrips: end.roundTrips - start.roundTrips,
    statuses,
    cache: {
      miss: end.cache.miss - start.cache.miss,
      hit: end.cache.hit - start.cache.hit,
      coalesced: end.cache.coalesced - start.cache.coalesced,
    },
    kinds,
  };
}

interface Server {
  readonly url: string;
  readonly tally: LogTally;
  /** VmRSS and VmHWM of the server process, MB. */
  memory(): Promise<{ rssMb: number; peakMb: number }>;
  /** Rejects if the server exits before `stop()`. */
  readonly died: Promise<never>;
  stop(): Promise<void>;
}

async function startServer(bundle: string, prometheusUrl: string): Promise<Server> {
  const port = await freePort();
  const child: ChildProcessByStdio<null, Readable, null> = spawn("node", [bundle], {
    env: {
      ...process.env,
      MESH: "linkerd",
      HOST: "127.0.0.1",
      PORT: String(port),
      PROMETHEUS_URL: prometheusUrl,
      // The request log as Lambda writes it (EMF): its cost is measured, and LogTally reads its JSON.
      LOG_FORMAT: "emf",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const tally = new LogTally();
  let banner = "";
  let started = false;
  let rest = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    // Lines are counted and dropped as they arrive, so a long run holds no growing buffer.
    const lines = (rest + chunk).split("\n");
    rest = lines.pop() ?? "";
    if (rest.length > 1 << 20) rest = "";
    for (const line of lines) {
      if (!started) {
        banner += `${line}\n`;
        if (line.includes(" on http://")) started = true;
        continue;
      }
      tally.count(line);
    }
  });
  let stopping = false;
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const died = new Promise<never>((_, reject) => {
    child.once("error", reject);
    void exited.then((code) => {
      if (!stopping) reject(new Error(`the server exited with code ${code}\n${banner}`));
    });
  });
  died.catch(() => {});
  const stop = async () => {
    stopping = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
  };
  try {
    const deadline = Date.now() + 30_000;
    while (!started) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`the server exited before listening:\n${banner}`);
      if (Date.now() > deadline) throw new Error(`the server did not start within 30 s:\n${banner}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const memory = async () => {
    const status = await readFile(`/proc/${child.pid}/status`, "utf8");
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    return { rssMb: kb("VmRSS") / 1024, peakMb: kb("VmHWM") / 1024 };
  };
  return { url: `http://127.0.0.1:${port}`, tally, memory, died, stop };
}

/** Waits until the server's log has been quiet for a moment: responses are logged before they are sent. */
async function settle(tally: LogTally): Promise<void> {
  const deadline = Date.now() + 3_000;
  let last = -1;
  while (tally.lines !== last && Date.now() < deadline) {
    last = tally.lines;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** One request of each kind at the end of the data: a 200 with numbers, or the run is pointless. */
async function preflight(url: string, time: number): Promise<void> {
  for (const kind of KINDS) {
    const response = await fetch(`${url}${kind.path}?t=${WINDOW}&time=${time}`);
    const body = await response.text();
    if (response.status !== 200 || !/"name":"success_count","value":"[1-9]/.test(body))
      throw new Error(
        `preflight ${kind.name}: ${response.status} without traffic numbers: ${body.slice(0, 500)}`,
      );
  }
}

function load(
  url: string,
  connections: number,
  durationS: number,
  pickTime: () => number,
): { run: Promise<autocannon.Result>; stop: () => void } {
  let instance: autocannon.Instance | undefined;
  const run = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url,
        connections,
        duration: durationS,
        timeout: 10,
        requests: KINDS.map((kind) => ({
          path: kind.path,
          setupRequest: (request: autocannon.Request) => ({
            ...request,
            path: `${kind.path}?t=${WINDOW}&time=${pickTime()}`,
          }),
        })),
      },
      (error: unknown, result: autocannon.Result) => (error ? reject(error) : resolve(result)),
    );
  });
  return { run, stop: () => instance?.stop() };
}

/** The signal that interrupted the run, if one did. */
let interrupted: NodeJS.Signals | undefined;

const mb = (n: number) => n.toFixed(0);
const ms = (n: number) => (n < 10 ? n.toFixed(1) : n.toFixed(0));

async function main(): Promise<number> {
  const { duration, connections } = options();
  const scenario = defaultScenario();
  const random = seeded(0x5eed);
  const pickTime = () => scenario.endS - Math.floor(random() * (SPREAD_S + 1));

  const cleanups: (() => Promise<unknown>)[] = [];
  // Serialised, so the watchdog and the normal exit never tear down the same thing at once.
  let draining = Promise.resolve();
  const cleanup = () =>
    (draining = draining.then(async () => {
      while (cleanups.length > 0)
        await cleanups
          .pop()?.()
          .catch((e: unknown) => console.error(e));
    }));
  let stopLoad = () => {};
  // Ctrl-C reaches the whole process group (and tsx relays it once more): the first signal stops the
  // load, the run then fails at its next step and tears down in `finally`; later signals are ignored.
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted !== undefined) return;
    interrupted = signal;
    console.error(`\n${signal}: stopping`);
    stopLoad();
  };
  const check = () => {
    if (interrupted !== undefined) throw new Error(`interrupted by ${interrupted}`);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const watchdog = setTimeout(
    () => {
      console.error("load test overran its time bound; stopping");
      stopLoad();
      void cleanup().finally(() => process.exit(2));
    },
    (WARMUP_S + duration) * 1000 + WATCHDOG_EXTRA_MS,
  );
  watchdog.unref();

  try {
    const dir = await mkdtemp(join(tmpdir(), "smi-loadtest-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const bundle = await bundleServer(dir);
    check();
    const series = linkerdSeries(scenario);
    const prometheus: RunningPrometheus = await startPrometheus({
      series,
      startS: scenario.startS,
      endS: scenario.endS,
      stepS: scenario.stepS,
    });
    cleanups.push(() => prometheus.stop());
    check();
    const server = await startServer(bundle, prometheus.url);
    cleanups.push(() => server.stop());
    check();

    await preflight(server.url, scenario.endS);
    check();
    console.log(
      `load: ${connections} connections, ${WARMUP_S} s warm-up then ${duration} s; mix of ${KINDS.map((k) => k.name).join(", ")}; ` +
        `t=${WINDOW}, time one of ${SPREAD_S + 1} instants (${KINDS.length * (SPREAD_S + 1)} distinct requests); ` +
        `${series.seriesCount} series in Prometheus`,
    );

    const phase = async (seconds: number) => {
      const run = load(server.url, connections, seconds, pickTime);
      stopLoad = run.stop;
      try {
        return await Promise.race([run.run, server.died]);
      } finally {
        // Harmless once the run is done; stops it when the server died under it.
        run.stop();
        stopLoad = () => {};
      }
    };

    const warm = await phase(WARMUP_S);
    check();
    await settle(server.tally);
    const before = await server.memory();
    const startTally = server.tally.snapshot();
    console.log(
      `warm-up: ${warm.requests.total} requests, ${warm.non2xx} non-2xx, ${warm.errors} errors; server RSS ${mb(before.rssMb)} MB`,
    );

    // RSS once a second through the measured run: a plateau is the cache and heap filling, a ramp a leak.
    const samples: number[] = [];
    const sampler = setInterval(() => {
      server.memory().then(
        (m) => samples.push(m.rssMb),
        () => {},
      );
    }, 1000);
    const result = await phase(duration).finally(() => clearInterval(sampler));
    check();
    await settle(server.tally);
    const after = await server.memory();
    const t = since(server.tally.snapshot(), startTally);

    const total = result.requests.total;
    const rate = total / result.duration;
    const errors = result.non2xx + result.errors;
    console.log(
      `requests ${total} in ${result.duration.toFixed(1)} s: ${rate.toFixed(0)} req/s; ` +
        `latency p50 ${ms(result.latency.p50)} ms, p99 ${ms(result.latency.p99)} ms, max ${ms(result.latency.max)} ms; ` +
        `errors ${errors} (non-2xx ${result.non2xx}, connection errors ${result.errors}, timeouts ${result.timeouts})`,
    );
    console.log(
      `server RSS after warm-up ${mb(before.rssMb)} MB, at the end ${mb(after.rssMb)} MB ` +
        `(${(after.rssMb / before.rssMb).toFixed(2)}x); peak ${mb(after.peakMb)} MB`,
    );
    const every = Math.max(1, Math.ceil(samples.length / 8));
    console.log(
      `server RSS through the run, MB every ${every} s: ${samples
        .filter((_, i) => i % every === 0)
        .map(mb)
        .join(" ")} ${mb(after.rssMb)}`,
    );
    const served = t.cache.miss + t.cache.hit + t.cache.coalesced;
    const pct = (n: number) => (served === 0 ? "0" : ((100 * n) / served).toFixed(0));
    console.log(
      `cache: ${t.cache.miss} misses (${pct(t.cache.miss)}%), ${t.cache.hit} hits (${pct(t.cache.hit)}%), ` +
        `${t.cache.coalesced} coalesced (${pct(t.cache.coalesced)}%); ` +
        `${(t.roundTrips / Math.max(1, t.lines)).toFixed(2)} Prometheus round trips per request ` +
        `(${t.lines} requests in the server log, which also has the last in-flight request of each connection)`,
    );
    console.log(
      `by kind (server-side mean ms, all / misses): ${[...t.kinds]
        .map(
          ([name, k]) =>
            `${name} ${ms(k.ms / Math.max(1, k.count))} / ${ms(k.missMs / Math.max(1, k.missCount))}`,
        )
        .join(", ")}`,
    );
    const odd = [...t.statuses].filter(([code, n]) => code !== 200 && n > 0);
    if (odd.length > 0) {
      console.log(`server statuses other than 200: ${odd.map(([code, n]) => `${code} x ${n}`).join(", ")}`);
      if (server.tally.errorSample !== undefined) console.log(`first: ${server.tally.errorSample}`);
    }
    return errors > 0 || warm.non2xx + warm.errors > 0 ? 1 : 0;
  } finally {
    clearTimeout(watchdog);
    await cleanup();
  }
}

let code: number;
try {
  code = await main();
} catch (error) {
  if (interrupted === undefined) console.error(error);
  code = 1;
}
process.exit(interrupted === undefined ? code : 130);
