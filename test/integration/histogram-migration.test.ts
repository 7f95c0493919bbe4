/**
 * Latency across a migration between histogram forms, on one live Prometheus 2.42 scraping every
 * mesh's series of the default scenario, and on a VictoriaMetrics it remote-writes to:
 * - classic buckets for a few scrapes, then native histograms (the switch), then both at once: the
 *   target serves classic again while a second target serves the same requests' native
 *   histograms, as a Prometheus keeping both forms of a scrape stores them;
 * - counts always come from the counter, so they equal `sum(increase(...))` whatever the window
 *   holds, never doubled; each object's latency from one form: the classic buckets if they observed
 *   any request in the window, else the native histogram;
 * - VictoriaMetrics drops native histograms: it holds the classic buckets and the counters, and
 *   where the window has no classic observation it says latency is missing.
 * About 45 s of wall time, most of it filling a window in each phase.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NativeTarget, startNativeTarget } from "../../src/dev/native-target";
import { OpenMetricsBuilder } from "../../src/dev/openmetrics";
import { defaultScenario } from "../../src/dev/scenario";
import { ScrapeSeries } from "../../src/dev/scrape-series";
import { type ScrapingPrometheus, startScrapingPrometheus } from "../../src/dev/scraping-prometheus";
import { writeSeries } from "../../src/dev/series";
import { type RunningVictoriaMetrics, startVictoriaMetrics } from "../../src/dev/victoria-metrics";
import { MESH_NAMES, type MeshName } from "../../src/mesh/select";
import { checkEdges, checkList, type Walk } from "../support/answer-walk";
import { apiFor } from "../support/harness";
import { REFERENCES } from "../support/mesh-references";
import { type Asking, type HistogramForm, query, referenceNumbers } from "../support/reference-promql";

const scenario = defaultScenario();
const WINDOW = "10s";
const WINDOW_S = 10;

/** Every mesh's series, served by the target that migrates. */
const series = new ScrapeSeries();
for (const mesh of MESH_NAMES) writeSeries(mesh, scenario, series);
/** The same requests' histograms alone, served natively by a second target from the last phase on. */
const nativeCopies = new ScrapeSeries();

let migrating: NativeTarget;
let copies: NativeTarget;
let victoria: RunningVictoriaMetrics;
let prometheus: ScrapingPrometheus;
/** Unix seconds: windows that span the switch, hold only native histograms, and hold both forms. */
const at = { spanS: 0, nativeS: 0, bothS: 0 };

const nowS = () => Date.now() / 1000;
/** Waits for `n` more scrapes of every target. */
const scrapes = async (n: number) => prometheus.waitForScrapes((await prometheus.scrapes()) + n);

beforeAll(async () => {
  victoria = await startVictoriaMetrics({ series: new OpenMetricsBuilder(), startS: 0, endS: 0, stepS: 1 });
  migrating = await startNativeTarget(series, { form: "classic" });
  copies = await startNativeTarget(nativeCopies, { form: "native" });
  prometheus = await startScrapingPrometheus({
    target: [migrating.address, copies.address],
    remoteWrite: `${victoria.url}/api/v1/write`,
    scrapes: 6,
  });
  const switchS = nowS();
  migrating.form = "native";
  at.spanS = Math.floor(switchS) + 4;
  // A window and more after the switch, and the scrape in flight at it.
  await scrapes(WINDOW_S + 4);
  at.nativeS = Math.floor(nowS()) - 1;
  migrating.form = "classic";
  for (const mesh of MESH_NAMES)
    writeSeries(mesh, scenario, { counter: () => {}, histogram: (...h) => nativeCopies.histogram(...h) });
  await scrapes(WINDOW_S + 4);
  at.bothS = Math.floor(nowS()) - 1;
  await remoteWritten(at.bothS);
}, 85_000);
afterAll(async () => {
  await prometheus?.stop();
  await Promise.all([migrating?.close(), copies?.close(), victoria?.stop()]);
});

/** Waits until VictoriaMetrics holds every float sample Prometheus stored in the seconds before `timeS`. */
async function remoteWritten(timeS: number): Promise<void> {
  const samples = `sum(count_over_time({__name__=~".+_(total|xx|bucket)"}[5s]))`;
  const count = async (url: string) =>
    Number((await query({ url, window: WINDOW, timeS }, samples))[0]?.value[1]);
  const stored = await count(prometheus.url);
  const deadline = Date.now() + 20_000;
  while ((await count(victoria.url)) !== stored) {
    if (Date.now() > deadline)
      throw new Error(`VictoriaMetrics never held the ${stored} samples Prometheus stored`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Each mesh's kinds to list, and the kind whose listed objects' edges are read too. */
const READS: readonly {
  readonly mesh: MeshName;
  readonly kinds: readonly string[];
  readonly edgesOf: string;
}[] = [
  { mesh: "linkerd", kinds: ["namespaces", "deployments"], edgesOf: "deployments" },
  { mesh: "istio", kinds: ["namespaces", "deployments"], edgesOf: "deployments" },
  { mesh: "consul", kinds: ["namespaces", "services"], edgesOf: "services" },
];

type Engine = "prometheus" | "victoria";
const urlOf = (engine: Engine) => (engine === "prometheus" ? prometheus.url : victoria.url);

const walkOf = (mesh: MeshName, engine: Engine, timeS: number, form: HistogramForm): Walk => ({
  api: apiFor({ MESH: mesh, PROMETHEUS_URL: urlOf(engine) }),
  refs: REFERENCES[mesh],
  asking: { url: urlOf(engine), window: WINDOW, timeS },
  form,
});

/** Lists every kind of the mesh's reads, and every listed object's edges, against the references. */
async function readAll(walk: Walk, read: (typeof READS)[number]): Promise<void> {
  for (const kind of read.kinds) {
    const listed = await checkList(walk, kind);
    expect(listed.length, kind).toBeGreaterThan(1);
    if (kind === read.edgesOf) for (const object of listed) await checkEdges(walk, object);
  }
}

/**
 * How many of the mesh's workloads (or services) have classic and native references more than
 * 0.05% apart at `timeS`: where they are, an answer from the wrong form would fail.
 */
async function formsApart(read: (typeof READS)[number], asking: Asking): Promise<number> {
  const apart = await Promise.all(
    scenario.workloads.map(async (w) => {
      const named = {
        kind: read.edgesOf,
        namespace: w.namespace,
        name: read.edgesOf === "services" ? w.service : w.name,
      };
      const ref = REFERENCES[read.mesh].resource(named);
      const [classic, native] = await Promise.all([
        referenceNumbers(asking, ref, "classic"),
        referenceNumbers(asking, ref, "native"),
      ]);
      return (
        classic.p50 !== null &&
        native.p50 !== null &&
        Math.abs(classic.p50 - native.p50) / native.p50 > 0.0005
      );
    }),
  );
  return apart.filter(Boolean).length;
}

describe.each(READS)("$mesh across a migration from classic to native histograms, on Prometheus", (read) => {
  it("reads the classic buckets in a window spanning the switch, and counts from the counter", async () => {
    const walk = walkOf(read.mesh, "prometheus", at.spanS, "classic-first");
    expect(await formsApart(read, walk.asking)).toBeGreaterThan(0);
    await readAll(walk, read);
  });

  it("reads the native histograms once the window holds no classic observation", async () => {
    await readAll(walkOf(read.mesh, "prometheus", at.nativeS, "native"), read);
  });

  it("reads the classic buckets where a window holds both forms of the same requests, counting each once", async () => {
    const walk = walkOf(read.mesh, "prometheus", at.bothS, "classic-first");
    expect(await formsApart(read, walk.asking)).toBeGreaterThan(0);
    await readAll(walk, read);
  });
});

describe.each(READS)("$mesh across the same migration, on a VictoriaMetrics fed by remote write", (read) => {
  it("reads the classic buckets in a window spanning the switch", async () => {
    await readAll(walkOf(read.mesh, "victoria", at.spanS, "classic-first"), read);
  });

  it("says latency is missing once the window holds only native histograms, which it dropped, and still counts", async () => {
    await readAll(walkOf(read.mesh, "victoria", at.nativeS, "none"), read);
  });

  it("reads the classic buckets again where Prometheus held both forms", async () => {
    await readAll(walkOf(read.mesh, "victoria", at.bothS, "classic-first"), read);
  });
});
