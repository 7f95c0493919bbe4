/**
 * `npm run bench -- --range` (issue 22): a day at a 5-minute step, for one deployment and for a
 * list of every deployment in a namespace of 500, against the floor: the same `query_range` calls
 * (recorded from our code with their range) fetched and read, not parsed. Samples every 60 s over
 * 24 h, written through Prometheus' remote-write receiver; the server is told SCRAPE_INTERVAL=60s,
 * so a 5-minute window and step are accepted.
 */
import { seriesWriter } from "../src/dev/series";
import type { MeshName } from "../src/mesh/select";
import { workloadsScenario } from "../test/support/pods-scenario";
import { answerBytes, fetchFloor, mapQueries, recordQueries, wireBytes } from "./floor";
import { API, asker, fmt, getOk, kb, type Server, startServer, timeRounds } from "./measure";
import { withoutNative } from "./promql-forms";
import { startWrittenPrometheus } from "./remote-write";

export interface RangeOptions {
  readonly mesh: MeshName;
  readonly workloads: number;
}

const DAY_S = 24 * 3600;
const STEP_S = 300;
const SAMPLE_STEP_S = 60;
/** Timed rounds after one untimed; each moves the range a step back, so no answer is cached. */
const ROUNDS = { resource: 11, list: 7 } as const;
/** The end of the data: a step boundary, so the ranges' points fall on samples. */
const END_S = 1_764_000_000;
/** Server settings: samples a minute apart, so windows and steps from a minute on are accepted. */
const envFor = (mesh: MeshName) => ({
  MESH: mesh,
  SCRAPE_INTERVAL: `${SAMPLE_STEP_S}s`,
  DEFAULT_WINDOW: "5m",
});

export async function benchRange(serverBundle: string, options: RangeOptions): Promise<void> {
  const started = performance.now();
  // The day, a window before its first point, and a step more for each round moving it back.
  const startS = END_S - DAY_S - STEP_S * (Math.max(ROUNDS.list, ROUNDS.resource) + 3);
  const scenario = workloadsScenario(options.workloads, startS, END_S, SAMPLE_STEP_S);
  const series = seriesWriter(options.mesh)(scenario);
  const prometheus = await startWrittenPrometheus(series, scenario);
  const setupS = (performance.now() - started) / 1000;
  const env = envFor(options.mesh);
  const server = await startServer(serverBundle, prometheus.url, env);
  try {
    console.log(
      `\n== range: 24 h at a ${STEP_S / 60} min step, t=5m; namespace bench of ${options.workloads} deployments (1 pod each), MESH=${options.mesh}: ${series.seriesCount} series every ${SAMPLE_STEP_S} s, written in ${setupS.toFixed(1)} s`,
    );
    console.log(
      "case        ours ms  floor ms  no-native ms  ours/floor  floor/no-native  round trips range/floor/instant  points  Prometheus gzip/raw kB  ours gzip/raw kB  server peak RSS so far",
    );
    await rangeCase("resource", "/namespaces/bench/deployments/app-0", prometheus.url, server, options);
    await rangeCase("list", "/namespaces/bench/deployments", prometheus.url, server, options);
  } finally {
    server.stop();
    await prometheus.stop();
  }
}

/** Times one range answer against its floors and prints its row. */
async function rangeCase(
  name: keyof typeof ROUNDS,
  path: string,
  prometheusUrl: string,
  server: Server,
  options: RangeOptions,
): Promise<void> {
  const env = envFor(options.mesh);
  const endOf = (round: number) => END_S - round * STEP_S;
  const range = (round: number) =>
    `${API}${path}?t=5m&start=${endOf(round) - DAY_S}&end=${endOf(round)}&step=${STEP_S / 60}m`;
  const waves = await recordQueries(prometheusUrl, range(0), options.mesh, env);
  const variant = mapQueries(waves, withoutNative);
  const ask = asker(prometheusUrl);
  const probe = await ask(server.url, range(0));
  if (probe.status !== 200) throw new Error(`${path}: ${probe.status} ${probe.body}`);
  const instant = await ask(server.url, `${API}${path}?t=5m&time=${END_S}`);
  if (instant.status !== 200) throw new Error(`${path}: ${instant.status} ${instant.body}`);
  const answer = JSON.parse(probe.body.toString("utf8")) as {
    items?: { points: unknown[] }[];
    points?: unknown[];
  };
  const points = (answer.items ?? [answer]).reduce((n, item) => n + (item.points?.length ?? 0), 0);
  const bytes = await answerBytes(prometheusUrl, waves.flat());
  const sent = await wireBytes(`${server.url}${range(0)}`);
  // Round 0 was asked above: the timed rounds start a step back from it.
  const ms = await timeRounds(
    {
      ours: (i: number) => getOk(`${server.url}${range(i + 1)}`),
      floor: (i: number) => fetchFloor(prometheusUrl, waves, -(i + 1) * STEP_S),
      variant: (i: number) => fetchFloor(prometheusUrl, variant, -(i + 1) * STEP_S),
    },
    ROUNDS[name],
    1,
  );
  const trips = `${probe.trips}/${waves.flat().length}/${instant.trips}`;
  console.log(
    `${name.padEnd(10)}${fmt(ms.ours)}${fmt(ms.floor).padStart(10)}${fmt(ms.variant).padStart(14)}${fmt(ms.ours / ms.floor, 2).padStart(12)}${fmt(ms.floor / ms.variant, 2).padStart(17)}${trips.padStart(34)}${String(points).padStart(8)}${`${kb(bytes.gzip)}/${kb(bytes.raw)}`.padStart(24)}${`${kb(sent.gzip)}/${kb(sent.raw)}`.padStart(20)}${`${(await server.peakRssMb()).toFixed(0)} MB`.padStart(24)}`,
  );
}
