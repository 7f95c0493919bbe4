import { type ChildProcess, execFile, spawn } from "node:child_process";
import { closeSync, constants, openSync } from "node:fs";
import { access, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import type { OpenMetricsBuilder } from "./openmetrics";

const run = promisify(execFile);

export interface RunningPrometheus {
  /** Base URL including the route prefix, ready for `PROMETHEUS_URL`. */
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  readonly series: OpenMetricsBuilder;
  readonly startS: number;
  readonly endS: number;
  readonly stepS: number;
  /** Path to the binary; `prometheus` on PATH when absent. `promtool` is looked up beside it. */
  readonly binary?: string | undefined;
  /** The loopback port to listen on; a free one when absent. */
  readonly port?: number | undefined;
  readonly routePrefix?: string;
}

export class PrometheusMissingError extends Error {
  override readonly name = "PrometheusMissingError";
  constructor(
    readonly binary: string,
    options: { cause?: unknown } = {},
  ) {
    super(
      `could not run ${binary}. Install Prometheus (Debian/Ubuntu: sudo apt-get install -y prometheus, which brings promtool) or set PROMETHEUS_BIN to the prometheus binary, with promtool beside it.`,
      options,
    );
  }
}

/** The binary ran but is not a Prometheus that starts: a message that says what to change. */
export class PrometheusStartError extends Error {
  override readonly name = "PrometheusStartError";
}

const SET_BIN = "set PROMETHEUS_BIN to the prometheus binary, with promtool beside it";

/**
 * A free loopback port: `wanted`, or with 0 one the kernel chooses. A `wanted` port that is taken
 * rejects with the listen error (EADDRINUSE), so a caller can say so before it starts anything.
 */
export async function freePort(wanted = 0): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(wanted, "127.0.0.1", resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/**
 * Backfills generated series into a fresh TSDB with `promtool` and starts a real Prometheus on a
 * loopback port (`port`, else a free one). This is what the demo, the integration tests and the
 * benchmark query.
 */
export async function startPrometheus(options: PrometheusOptions): Promise<RunningPrometheus> {
  if (options.binary !== undefined) await checkBinary(options.binary);
  const dir = await mkdtemp(join(tmpdir(), "smi-prometheus-"));
  await backfill(options, dir, join(dir, "data"));
  await writeFile(join(dir, "prometheus.yml"), "global:\n  scrape_interval: 15s\n");
  return launchPrometheus(dir, options);
}

/**
 * Starts Prometheus over `dir` (its `prometheus.yml`, its TSDB in `data/`) on a loopback port
 * (`port`, else a free one) and waits until it is ready. `stop` ends it and removes `dir`; a start
 * that fails removes it too. `extraArgs` add flags (a feature flag for native histograms).
 */
export async function launchPrometheus(
  dir: string,
  options: Pick<PrometheusOptions, "binary" | "routePrefix" | "port">,
  extraArgs: readonly string[] = [],
): Promise<RunningPrometheus> {
  const binary = options.binary ?? "prometheus";
  const port = options.port ?? (await freePort());
  const prefix = options.routePrefix ?? "";
  const server = spawnServer(binary, dir, "prometheus.log", [
    `--config.file=${join(dir, "prometheus.yml")}`,
    `--storage.tsdb.path=${join(dir, "data")}`,
    "--storage.tsdb.retention.time=100y",
    `--web.listen-address=127.0.0.1:${port}`,
    ...(prefix
      ? [`--web.route-prefix=${prefix}`, `--web.external-url=http://127.0.0.1:${port}${prefix}`]
      : []),
    "--log.level=warn",
    ...extraArgs,
  ]);
  const url = `http://127.0.0.1:${port}${prefix}`;
  try {
    await waitReady(`${url}/-/ready`, server.exited);
  } catch (error) {
    const tail = await server.lastLogLine();
    await server.stop();
    throw startFailure(options.binary, binary, error, tail);
  }
  return { url, port, dir, stop: server.stop };
}

/** A test server run as a child process, its output in a log file in its own temporary `dir`. */
export interface ServerProcess {
  readonly exited: Promise<number | null>;
  /** Its log's last line, shortened: what a failure to start quotes, so the cause is in the error. */
  lastLogLine(): Promise<string | undefined>;
  /** Stops it and removes `dir`, so a test leaves no process and no data behind. */
  stop(): Promise<void>;
}

/** Starts `binary` with its output in `dir`/`logName`; Prometheus and VictoriaMetrics run alike. */
export function spawnServer(binary: string, dir: string, logName: string, args: string[]): ServerProcess {
  const logPath = join(dir, logName);
  const log = openSync(logPath, "w");
  const child: ChildProcess = spawn(binary, args, { stdio: ["ignore", log, log] });
  closeSync(log);
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", resolve);
  });
  return {
    exited,
    lastLogLine: async () =>
      (await readFile(logPath, "utf8").catch(() => "")).trim().split("\n").at(-1)?.slice(0, 300) || undefined,
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await exited.catch(() => {});
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A configured binary is checked first, so a wrong PROMETHEUS_BIN is named, not the promtool beside it. */
export async function checkBinary(binary: string): Promise<void> {
  await access(binary, constants.X_OK).catch((cause: unknown) => {
    throw new PrometheusMissingError(binary, { cause });
  });
  if ((await stat(binary)).isDirectory()) {
    throw new PrometheusStartError(
      `PROMETHEUS_BIN=${binary} is a directory, not the prometheus binary; ${SET_BIN}`,
    );
  }
}

/** Writes the series and turns them into TSDB blocks with the `promtool` beside the binary. */
async function backfill(options: PrometheusOptions, dir: string, dataDir: string): Promise<void> {
  const promtool = options.binary ? join(dirname(options.binary), "promtool") : "promtool";
  const input = join(dir, "series.om");
  await options.series.write(input, options.startS, options.endS, options.stepS);
  try {
    await run(promtool, ["tsdb", "create-blocks-from", "openmetrics", input, dataDir], {
      maxBuffer: 64 << 20,
    });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      throw new PrometheusMissingError(promtool, { cause: error });
    const said = String((error as { stderr?: unknown }).stderr ?? (error as Error).message)
      .trim()
      .split("\n")
      .at(-1)
      ?.slice(0, 300);
    const whose =
      options.binary === undefined ? promtool : `${promtool}, beside PROMETHEUS_BIN=${options.binary},`;
    throw new PrometheusStartError(`${whose} could not backfill the series: ${said}; ${SET_BIN}`, {
      cause: error,
    });
  }
  await rm(input);
}

/** Why Prometheus did not become ready, naming PROMETHEUS_BIN when it was set; one line of its log. */
function startFailure(
  configured: string | undefined,
  binary: string,
  error: unknown,
  lastLine: string | undefined,
): Error {
  if ((error as NodeJS.ErrnoException).code === "ENOENT")
    return new PrometheusMissingError(binary, { cause: error });
  const said = `${(error as Error).message}${lastLine ? ` (its last log line: ${lastLine})` : ""}`;
  return new PrometheusStartError(
    configured === undefined
      ? `prometheus did not start: ${said}; ${SET_BIN}`
      : `PROMETHEUS_BIN=${binary} did not start Prometheus: ${said}; ${SET_BIN}`,
    { cause: error },
  );
}

/** Polls `url` until it answers 200; fails at once if the server exits, or after 60 s. */
export async function waitReady(url: string, exited: Promise<number | null>): Promise<void> {
  let done = false;
  const exitWatch = exited.then((code) => {
    if (!done) throw new Error(`it exited with code ${code}`);
  });
  const deadline = Date.now() + 60_000;
  try {
    while (Date.now() < deadline) {
      const ok = await Promise.race([
        fetch(url).then(
          (r) => r.ok,
          () => false,
        ),
        exitWatch.then(() => false),
      ]);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no 200 from ${url} within 60 s`);
  } finally {
    done = true;
  }
}
