/**
 * A real single-node VictoriaMetrics holding the same generated series as the backfilled Prometheus
 * (prometheus-server.ts), so the conformance suite can ask both engines the same questions.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { OpenMetricsBuilder } from "./openmetrics";
import { freePort, type ServerProcess, spawnServer, waitReady } from "./prometheus-server";

export interface RunningVictoriaMetrics {
  /** Base URL of its Prometheus-compatible query API, ready for `PROMETHEUS_URL`. */
  readonly url: string;
  stop(): Promise<void>;
}

export interface VictoriaMetricsOptions {
  readonly series: OpenMetricsBuilder;
  readonly startS: number;
  readonly endS: number;
  readonly stepS: number;
  /** Path to the binary; `victoria-metrics` (Debian's package) on PATH when absent. */
  readonly binary?: string;
}

export class VictoriaMetricsMissingError extends Error {
  override readonly name = "VictoriaMetricsMissingError";
  constructor(
    readonly binary: string,
    options: { cause?: unknown } = {},
  ) {
    super(
      `could not run ${binary}. Install VictoriaMetrics' single-node server (Debian/Ubuntu: sudo apt-get install -y victoria-metrics).`,
      options,
    );
  }
}

/**
 * Flags for a test engine, each for a reason:
 * - `-retentionPeriod=100y`: the scenarios lie in the past, and VictoriaMetrics drops samples older
 *   than its retention (one month by default) as they arrive;
 * - `-search.latencyOffset=0s`: by default an instant query within 30 s of now is answered as of 30 s
 *   ago, which would move the window of a test that asks about "now" (docs/backends-victoriametrics.md);
 * - `-search.disableCache`: every answer is computed from the samples, never from a cached range;
 * - `-dedup.minScrapeInterval=0s`: deduplication off, so every sample Prometheus gets stays too;
 * - `-maxLabelsPerTimeseries=64`: by default labels past the 30th are dropped in silence, and an
 *   Istio series scraped with its pod's labels has 35 or more, so distinct series would merge.
 */
const flags = (dir: string, port: number) => [
  `-storageDataPath=${join(dir, "data")}`,
  `-httpListenAddr=127.0.0.1:${port}`,
  "-retentionPeriod=100y",
  "-search.latencyOffset=0s",
  "-search.disableCache",
  "-dedup.minScrapeInterval=0s",
  "-maxLabelsPerTimeseries=64",
  "-loggerLevel=WARN",
];

/**
 * Starts VictoriaMetrics on a free loopback port with an empty store, imports the series and
 * returns once every one of them answers a query: imported data is otherwise searchable only after
 * its next flush, a second or so later.
 */
export async function startVictoriaMetrics(options: VictoriaMetricsOptions): Promise<RunningVictoriaMetrics> {
  const binary = options.binary ?? "victoria-metrics";
  const dir = await mkdtemp(join(tmpdir(), "smi-victoria-metrics-"));
  const url = `http://127.0.0.1:${await freePort()}`;
  const server = spawnServer(binary, dir, "victoria-metrics.log", flags(dir, Number(new URL(url).port)));
  try {
    await waitReady(`${url}/health`, server.exited);
    await importSeries(url, options);
    await waitQueryable(url, options);
  } catch (error) {
    throw await startFailure(server, binary, error);
  }
  return { url, stop: server.stop };
}

/** Posts every series to `/api/v1/import` as JSON lines, then flushes them to searchable parts. */
async function importSeries(url: string, options: VictoriaMetricsOptions): Promise<void> {
  const { series, startS, endS, stepS } = options;
  const body = [...series.importLines(startS, endS, stepS)].join("");
  const imported = await fetch(`${url}/api/v1/import`, { method: "POST", body });
  if (!imported.ok) throw new Error(`/api/v1/import answered ${imported.status}: ${await imported.text()}`);
  const flushed = await fetch(`${url}/internal/force_flush`);
  if (!flushed.ok) throw new Error(`/internal/force_flush answered ${flushed.status}`);
}

/**
 * Polls until every imported series answers a query at the last sample, for at most 30 s: asked
 * over the whole range, so a series that ended before it counts too.
 */
async function waitQueryable(url: string, { series, startS, endS, stepS }: VictoriaMetricsOptions) {
  const expected = series.seriesCount;
  const all = `count(last_over_time({__name__=~".+"}[${endS - startS + stepS}s]))`;
  const query = `${url}/api/v1/query?query=${encodeURIComponent(all)}&time=${endS}`;
  const deadline = Date.now() + 30_000;
  let seen = 0;
  while (Date.now() < deadline) {
    const answer = (await (await fetch(query)).json()) as { data: { result: { value: [number, string] }[] } };
    seen = Number(answer.data.result[0]?.value[1] ?? 0);
    if (seen === expected) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `only ${seen} of ${expected} imported series were searchable after 30 s (merged by dropped labels?)`,
  );
}

/** Stops the server and says why it did not start: the binary is missing, or what it said last. */
async function startFailure(server: ServerProcess, binary: string, error: unknown): Promise<Error> {
  const lastLine = await server.lastLogLine();
  await server.stop();
  if ((error as NodeJS.ErrnoException).code === "ENOENT")
    return new VictoriaMetricsMissingError(binary, { cause: error });
  const said = lastLine === undefined ? "" : ` (its last log line: ${lastLine})`;
  return new Error(`${binary} did not start: ${(error as Error).message}${said}`, { cause: error });
}
