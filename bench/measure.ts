/**
 * What every part of the bench measures with: the server under test, the client asking it, and
 * Prometheus' own count of the queries it served.
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { freePort } from "../src/dev/prometheus-server";
import type { Ask } from "./large-list";

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

/** A column of width 8: `-` for what was not timed. */
export const fmt = (n: number, d = 1): string => (Number.isFinite(n) ? n.toFixed(d) : "-").padStart(8);

/** Bytes as kB with one decimal, or `-`. */
export const kb = (n: number): string => (Number.isFinite(n) ? (n / 1024).toFixed(1) : "-");

export const API = "/apis/metrics.smi-spec.io/v1alpha2";

const SERVED = ["/api/v1/query", "/api/v1/query_range"].map(
  (handler) => `prometheus_http_requests_total{code="200",handler="${handler}"} `,
);

/**
 * Prometheus' own count of the instant and range queries it has served: round trips, measured at
 * the far end.
 */
export async function queriesServed(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return text
    .split("\n")
    .filter((line) => SERVED.some((prefix) => line.startsWith(prefix)))
    .reduce((n, line) => n + Number(line.split(" ")[1] ?? 0), 0);
}

/** POSTs one instant query, parses the answer and checks it succeeded (the direct and smi columns). */
export async function postQuery(base: string, query: string, time: number): Promise<unknown> {
  const response = await fetch(`${base}/api/v1/query`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ query, time: String(time) }).toString(),
  });
  const body = (await response.json()) as { status: string };
  if (body.status !== "success") throw new Error(`query failed: ${query}`);
  return body;
}

export interface Server {
  readonly url: string;
  /** The process' high-water mark of resident memory (`VmHWM`), MB. */
  peakRssMb(): Promise<number>;
  stop(): void;
}

/** Starts the bundled server over `prometheusUrl`, its environment this process' with `env` on top. */
export async function startServer(
  bundle: string,
  prometheusUrl: string,
  env: Readonly<Record<string, string>>,
): Promise<Server> {
  const port = await freePort();
  const child = spawn("node", [bundle], {
    env: {
      ...process.env,
      PORT: String(port),
      PROMETHEUS_URL: prometheusUrl,
      PROMETHEUS_TIMEOUT_MS: "60000",
      // The request log as Lambda writes it (EMF), so its cost is measured as deployed.
      LOG_FORMAT: "emf",
      ...env,
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

/** GETs from the API as a client does (gzip accepted, body read to its end, not parsed), timed. */
export function asker(prometheusUrl: string): Ask {
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

/** Asks `url` as a client does and reads the body to its end; anything but a 200 is an error. */
export async function getOk(url: string): Promise<void> {
  const r = await fetch(url, { headers: { "accept-encoding": "gzip" } });
  await r.arrayBuffer();
  if (r.status !== 200) throw new Error(`${url}: ${r.status}`);
}

/**
 * Times each of `runs` `iterations` times (after `warmup` untimed rounds), passing the round's
 * index; who goes first rotates, so none of them always follows the same neighbour. Medians, ms.
 */
export async function timeRounds<
  R extends { readonly [k: string]: ((round: number) => Promise<unknown>) | undefined },
>(runs: R, iterations: number, warmup: number): Promise<{ [K in keyof R]: number }> {
  const order = Object.keys(runs).filter((k) => runs[k] !== undefined);
  const times = new Map(order.map((k) => [k, [] as number[]]));
  for (let i = 0; i < warmup + iterations; i++) {
    for (let k = 0; k < order.length; k++) {
      const who = order[(i + k) % order.length] as string;
      const t = performance.now();
      await runs[who]?.(i);
      if (i >= warmup) times.get(who)?.push(performance.now() - t);
    }
  }
  return Object.fromEntries(order.map((k) => [k, median(times.get(k) ?? [])])) as { [K in keyof R]: number };
}
