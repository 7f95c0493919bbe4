/**
 * One size of `npm run bench`: a namespace of N pods in a real Prometheus, every case timed against
 * its floor, then the bytes of each answer, a burst of identical requests, and at 10,000 pods the
 * large list's compression and paging.
 */
import { type RunningPrometheus, startPrometheus } from "../src/dev/prometheus-server";
import type { Scenario } from "../src/dev/scenario";
import { seriesWriter } from "../src/dev/series";
import type { MeshName } from "../src/mesh/select";
import { podsScenario } from "../test/support/pods-scenario";
import { printBytes } from "./bytes-table";
import { type Case, type HistogramForm, selectedCases, WINDOW } from "./cases";
import { fetchFloor, mapQueries, type QueryWaves, recordQueries } from "./floor";
import { type Ask, printCompressionCosts, printPageCosts } from "./large-list";
import {
  API,
  asker,
  fmt,
  getOk,
  postQuery,
  queriesServed,
  type Server,
  startServer,
  timeRounds,
} from "./measure";
import { startNativeNamespace } from "./native-namespace";
import { withoutClassic, withoutNative } from "./promql-forms";

export interface BenchOptions {
  readonly mesh: MeshName;
  readonly form: HistogramForm;
  readonly cases: readonly string[];
}

/** Timed runs per case; fewer at 10,000 pods, where one list costs seconds. */
export const iterationsFor = (pods: number, c: Case) =>
  (pods >= 10_000 ? 5 : 11) * (c.name === "edges" || c.name === "list" ? 1 : 3);
export const WARMUP = 2;

/** A Prometheus holding the namespace of `pods` pods in `form`, and the instants it holds. */
async function startNamespace(pods: number, { mesh, form }: BenchOptions) {
  const started = performance.now();
  const given = podsScenario(pods);
  let prometheus: RunningPrometheus;
  let scenario: Scenario = given;
  let seriesCount: number;
  if (form === "native") {
    const native = await startNativeNamespace(mesh, given);
    ({ prometheus, scenario, seriesCount } = native);
  } else {
    const series = seriesWriter(mesh)(given);
    seriesCount = series.seriesCount;
    const { startS, endS, stepS } = given;
    prometheus = await startPrometheus({ series, startS, endS, stepS });
  }
  return { prometheus, scenario, seriesCount, setupS: (performance.now() - started) / 1000 };
}

/** The floor with one histogram form's part of the latency query removed, and its column's name. */
const oneForm = (form: HistogramForm) =>
  form === "classic"
    ? { name: "no-native", change: withoutNative }
    : { name: "no-classic", change: withoutClassic };

export async function benchSize(pods: number, serverBundle: string, options: BenchOptions): Promise<void> {
  const { prometheus, scenario, seriesCount, setupS } = await startNamespace(pods, options);
  const server = await startServer(serverBundle, prometheus.url, { MESH: options.mesh });
  const ask = asker(prometheus.url);
  try {
    const stored = options.form === "native" ? "series scraped (native histograms)" : "series";
    console.log(
      `\n== ${pods} pods in namespace bench (+ hub with 200 peers), MESH=${options.mesh}, histograms ${options.form}: ${seriesCount} ${stored}, set up in ${setupS.toFixed(1)} s`,
    );
    const variant = oneForm(options.form).name;
    console.log(
      `case        ours ms  floor ms  ${variant.padStart(10)} ms  direct ms    smi ms  ours/floor  ${`floor/${variant}`.padStart(18)}  ours/direct  ours/smi  round trips ours/floor  server peak RSS so far`,
    );
    const cases = selectedCases(options.cases, options.form);
    const recorded = new Map<string, { waves: QueryWaves; trips: number }>();
    for (const c of cases)
      recorded.set(c.name, await timeCase(c, pods, scenario, prometheus.url, server, options));
    const shiftS = (round: number) => scenario.endS - round - (scenario.endS - 90);
    await printBytes(prometheus.url, cases, recorded, options.form, {
      iterations: (c) => iterationsFor(pods, c),
      shiftS,
    });
    await burst(cases, recorded, scenario, prometheus.url, server);
    console.log(`peak RSS of the server: ${(await server.peakRssMb()).toFixed(0)} MB`);
    if (pods >= 10_000) await largeList(ask, server, serverBundle, prometheus.url, scenario.endS, options);
  } finally {
    server.stop();
    await prometheus.stop();
  }
}

/** Times one case against its floors, direct and smi-metrics, and prints its row. */
async function timeCase(
  c: Case,
  pods: number,
  scenario: Scenario,
  prometheusUrl: string,
  server: Server,
  options: BenchOptions,
): Promise<{ waves: QueryWaves; trips: number }> {
  const path = (time: number) => `${API}${c.path}?t=${WINDOW}&time=${time}`;
  const recordedAt = scenario.endS - 90;
  const waves = await recordQueries(prometheusUrl, path(recordedAt), options.mesh);
  const variant = mapQueries(waves, oneForm(options.form).change);
  // Round trips, counted by Prometheus around one request, outside the timed runs.
  const probe = await asker(prometheusUrl)(server.url, path(recordedAt));
  if (probe.status !== 200) throw new Error(`${c.path}: ${probe.status} ${probe.body}`);
  const at = (round: number) => scenario.endS - round;
  const runs = {
    ours: (i: number) => getOk(`${server.url}${path(at(i))}`),
    floor: (i: number) => fetchFloor(prometheusUrl, waves, at(i) - recordedAt),
    variant: (i: number) => fetchFloor(prometheusUrl, variant, at(i) - recordedAt),
    direct: (i: number) => Promise.all(c.direct.map((q) => postQuery(prometheusUrl, q, at(i)))),
    smi: async (i: number) => {
      for (const q of c.smi) await postQuery(prometheusUrl, q, at(i));
    },
  };
  // direct and smi-metrics are Linkerd's PromQL (smi-metrics' classic only): others face the floors alone.
  const { direct, smi, ...floors } = runs;
  const linkerd = options.mesh === "linkerd";
  const timed = linkerd ? (c.smi.length > 0 ? runs : { ...floors, direct }) : floors;
  const m: Partial<Record<keyof typeof runs, number>> = await timeRounds(
    timed,
    iterationsFor(pods, c),
    WARMUP,
  );
  const [mo, mf, mv, md, ms] = (["ours", "floor", "variant", "direct", "smi"] as const).map(
    (k) => m[k] ?? Number.NaN,
  ) as [number, number, number, number, number];
  const floorTrips = waves.reduce((n, wave) => n + wave.length, 0);
  console.log(
    `${c.name.padEnd(10)}${fmt(mo)}${fmt(mf).padStart(10)}${fmt(mv).padStart(14)}${fmt(md).padStart(11)}${fmt(ms).padStart(10)}${fmt(mo / mf, 2).padStart(12)}${fmt(mf / mv, 2).padStart(20)}${fmt(mo / md, 2).padStart(13)}${fmt(mo / ms, 2).padStart(10)}${`${probe.trips}/${floorTrips}`.padStart(24)}${`${(await server.peakRssMb()).toFixed(0)} MB`.padStart(24)}`,
  );
  return { waves, trips: probe.trips };
}

/** 50 identical requests at once, at an instant not asked before: coalescing should hold the cost. */
async function burst(
  cases: readonly Case[],
  recorded: ReadonlyMap<string, { trips: number }>,
  scenario: Scenario,
  prometheusUrl: string,
  server: Server,
): Promise<void> {
  for (const c of cases.filter((c) => c.name === "list" || c.name === "resource")) {
    const time = scenario.endS - 60;
    const before = await queriesServed(prometheusUrl);
    const url = `${server.url}${API}${c.path}?t=${WINDOW}&time=${time}`;
    await Promise.all(Array.from({ length: 50 }, () => getOk(url)));
    const after = await queriesServed(prometheusUrl);
    console.log(
      `concurrency: 50 identical ${c.name} requests at once cost ${after - before} round trips (one costs ${recorded.get(c.name)?.trips}); server peak RSS so far ${(await server.peakRssMb()).toFixed(0)} MB`,
    );
  }
}

/** Compression levels on the real list answer, then what a page costs warm and in a fresh process. */
async function largeList(
  ask: Ask,
  server: Server,
  serverBundle: string,
  prometheusUrl: string,
  endS: number,
  options: BenchOptions,
) {
  const list = `${API}/namespaces/bench/pods`;
  const whole = await ask(server.url, `${list}?t=${WINDOW}&time=${endS - 90}`);
  printCompressionCosts(whole.body);
  const fresh = await startServer(serverBundle, prometheusUrl, { MESH: options.mesh });
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
