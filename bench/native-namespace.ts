/**
 * The bench's namespace as native histograms (`--histograms native`): the same scenario, series and
 * instants as the classic backfill, stored by a real Prometheus 2.42 with
 * `--enable-feature=native-histograms`, which only a scrape can fill (promtool backfills floats).
 *
 * A target serves one body per sample instant of the scenario (every `stepS` from `startS` to
 * `endS`, as the backfill writes them), each sample stamped with its instant, in order, one body per
 * scrape. The bodies are encoded before Prometheus starts, so a scrape of 10,000 pods is answered at
 * once and its interval needs to cover only Prometheus' own ingestion; five scrapes fill the data,
 * however long the window. The instants are in the recent past, so the head takes them beside the
 * `up` samples Prometheus stamps with the real time. After the last body the target closes: the
 * stamped series have no staleness markers, and later scrapes fail without touching them.
 */
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { encodeFamilies, type MetricFamilyMessage, PROTOBUF_CONTENT_TYPE } from "../src/dev/exposition";
import type { Scenario } from "../src/dev/scenario";
import { ScrapeSeries } from "../src/dev/scrape-series";
import { type ScrapingPrometheus, startScrapingPrometheus } from "../src/dev/scraping-prometheus";
import { writeSeries } from "../src/dev/series";
import type { MeshName } from "../src/mesh/select";

export interface NativeNamespace {
  readonly prometheus: ScrapingPrometheus;
  /** The scenario at the instants it was served at: ask about these. */
  readonly scenario: Scenario;
  /** Series per scrape: one per native histogram, where the classic form has one per bucket. */
  readonly seriesCount: number;
  /** Bytes of each scrape body, the largest (the protobuf exposition). */
  readonly bodyBytes: number;
}

/** Every metric of the families stamped with `timestampMs`. */
function* stamped(families: Iterable<MetricFamilyMessage>, timestampMs: number) {
  for (const family of families)
    yield { ...family, metric: family.metric.map((metric) => ({ ...metric, timestampMs })) };
}

/** Serves `bodies` one per request, in order; a request after the last is a 404. */
async function serveInOrder(bodies: readonly Uint8Array[]) {
  let next = 0;
  const server = createServer((request, response) => {
    const body = bodies[next];
    if (request.url?.split("?")[0] !== "/metrics" || body === undefined) {
      response.writeHead(404).end();
      return;
    }
    next++;
    response.writeHead(200, { "content-type": PROTOBUF_CONTENT_TYPE, "content-length": body.length });
    response.end(body);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Starts a scraping Prometheus holding `scenario` written by `mesh` as native histograms, at
 * instants moved to the recent past (`scenario` in the result says which).
 */
export async function startNativeNamespace(mesh: MeshName, given: Scenario): Promise<NativeNamespace> {
  const { stepS } = given;
  const spanS = given.endS - given.startS;
  // Ten minutes back from a step boundary: well inside the hour the head accepts before its newest sample.
  const startS = Math.floor(Date.now() / 1000 / stepS) * stepS - spanS - 600;
  const scenario = { ...given, startS, endS: startS + spanS };
  const series = writeSeries(mesh, scenario, new ScrapeSeries());
  const bodies: Uint8Array[] = [];
  let seriesCount = 0;
  for (let elapsedS = 0; elapsedS <= spanS; elapsedS += stepS) {
    const families = [...series.families(elapsedS, "native")];
    seriesCount = families.reduce((n, family) => n + family.metric.length, 0);
    bodies.push(encodeFamilies(stamped(families, (startS + elapsedS) * 1000)));
  }
  const bodyBytes = Math.max(...bodies.map((body) => body.length));
  const target = await serveInOrder(bodies);
  try {
    // About 1 s of ingestion per 20 MB of body on a quiet 2-core machine: thrice that, at least 2 s.
    const scrapeIntervalS = Math.max(2, Math.ceil((3 * bodyBytes) / 20e6));
    // Every body stored whole, or this fails: a scrape that timed out leaves one short.
    const prometheus = await startScrapingPrometheus({
      target: target.address,
      scrapeIntervalS,
      scrapes: bodies.length,
    });
    return { prometheus, scenario, seriesCount, bodyBytes };
  } finally {
    await target.close();
  }
}
