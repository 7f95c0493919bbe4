import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withCanaries } from "../../src/dev/canary";
import { type NativeTarget, startNativeTarget } from "../../src/dev/native-target";
import { defaultScenario } from "../../src/dev/scenario";
import { ScrapeSeries } from "../../src/dev/scrape-series";
import {
  SCRAPE_JOB,
  type ScrapingPrometheus,
  startScrapingPrometheus,
} from "../../src/dev/scraping-prometheus";
import { writeSeries } from "../../src/dev/series";
import { MESH_NAMES } from "../../src/mesh/select";

/**
 * One live Prometheus 2.42 for every case: it scrapes a target that serves the generated meshes'
 * histograms as classic buckets for a few scrapes, then as native histograms (a migration), and the
 * cases ask about the two phases. About 25 s of wall time, most of it filling the 10 s rate window.
 */
const WINDOW = "10s";
const series = new ScrapeSeries();
for (const mesh of MESH_NAMES) writeSeries(mesh, withCanaries(defaultScenario()), series);

let target: NativeTarget;
let prometheus: ScrapingPrometheus;
/** Unix seconds: while histograms were classic, when they turned native, and the instant asked about. */
let classicS: number;
let migratedS: number;
let nowS: number;

beforeAll(async () => {
  target = await startNativeTarget(series, { form: "classic" });
  prometheus = await startScrapingPrometheus({ target: target.address, scrapes: 3 });
  classicS = Date.now() / 1000;
  target.form = "native";
  migratedS = Date.now() / 1000;
  // A full rate window of native samples, and a scrape more for the one in flight at the switch.
  await prometheus.waitForScrapes((await prometheus.scrapes()) + 13);
  nowS = Date.now() / 1000;
}, 80_000);
afterAll(async () => {
  await prometheus?.stop();
  await target?.close();
});

interface Sample {
  readonly metric: Record<string, string>;
  readonly value?: [number, string];
  readonly histogram?: [number, { count: string; sum: string; buckets: unknown[] }];
}

async function query(expr: string, timeS = nowS): Promise<Sample[]> {
  const params = new URLSearchParams({ query: expr, time: String(timeS) });
  const response = await fetch(`${prometheus.url}/api/v1/query?${params}`);
  const body = (await response.json()) as { status: string; data: { result: Sample[] }; error?: string };
  expect(body.status, `${expr}: ${body.error}`).toBe("success");
  return body.data.result;
}

/** The one float a query returns. */
async function value(expr: string): Promise<number> {
  const result = await query(expr);
  expect(result, expr).toHaveLength(1);
  return Number(result[0]?.value?.[1]);
}

const servedCount = (name: string) =>
  [...series.families(0, "native")].find((family) => family.name === name)?.metric.length;

/** Each mesh's latency histograms, and checkout's server side in each: 4 rps of the MEDIUM mix. */
const MESHES = [
  {
    mesh: "linkerd",
    histograms: ["response_latency_ms", "outbound_http_route_backend_response_duration_seconds"],
    latency: `response_latency_ms{direction="inbound", deployment="checkout"}`,
    requests: `response_total{direction="inbound", deployment="checkout"}`,
  },
  {
    mesh: "istio",
    histograms: ["istio_request_duration_milliseconds"],
    latency: `istio_request_duration_milliseconds{reporter="destination", destination_workload="checkout"}`,
    requests: `istio_requests_total{reporter="destination", destination_workload="checkout"}`,
  },
  {
    mesh: "consul",
    histograms: ["envoy_http_downstream_rq_time", "envoy_cluster_upstream_rq_time"],
    latency: `envoy_http_downstream_rq_time{envoy_http_conn_manager_prefix="public_listener", local_cluster="checkout"}`,
    requests: `envoy_http_downstream_rq_xx{envoy_http_conn_manager_prefix="public_listener", local_cluster="checkout"}`,
  },
] as const;
const BY_MESH = MESHES.map((m) => [m.mesh, m] as const);

describe("a Prometheus 2.42 with native histograms, scraping the generated meshes live", () => {
  it.each(BY_MESH)("stores %s latency as native histograms under the base names", async (_, m) => {
    for (const name of m.histograms) {
      const stored = await query(`{__name__="${name}"}`);
      expect(stored.length, name).toBe(servedCount(name));
      expect(stored.length, name).toBeGreaterThan(0);
      expect(
        stored.every((s) => s.histogram !== undefined && s.value === undefined),
        name,
      ).toBe(true);
    }
  });

  it("keeps no classic bucket series once the target serves native histograms", async () => {
    expect(await query(`{__name__=~".+_bucket"}`)).toEqual([]);
    const params = new URLSearchParams({
      "match[]": `{__name__=~".+_(bucket|count|sum)"}`,
      start: String(migratedS + 5),
      end: String(nowS),
    });
    const response = await fetch(`${prometheus.url}/api/v1/series?${params}`);
    expect(((await response.json()) as { data: unknown[] }).data).toEqual([]);
  });

  it("stored classic buckets before the switch, with le formatted as protobuf floats (1.0, not 1)", async () => {
    const bucket = (le: string) => query(`response_latency_ms_bucket{le="${le}"}`, classicS);
    expect((await bucket("1.0")).length).toBe(servedCount("response_latency_ms"));
    expect(await bucket("1")).toEqual([]);
    expect((await query("response_latency_ms_count", classicS)).length).toBe(
      servedCount("response_latency_ms"),
    );
    expect(await query("response_latency_ms", classicS)).toEqual([]);
  });

  it.each(BY_MESH)("gives %s native quantiles of checkout's latency mix", async (_, m) => {
    // MEDIUM: 20% in (5,10] ms, 50% in (10,50], 20% in (50,100], 8% in (100,500], 2% in (500,1000].
    // Its p50 (34 ms) and p99 (750 ms) lie inside schema-3 buckets that lie inside one share's
    // range, where an even spread makes Prometheus' linear interpolation exact.
    const rates = `sum(rate(${m.latency}[${WINDOW}]))`;
    expect(await value(`histogram_quantile(0.5, ${rates})`)).toBeCloseTo(34, 6);
    expect(await value(`histogram_quantile(0.99, ${rates})`)).toBeCloseTo(750, 6);
    // The sum grows with each share at its range's midpoint: mean 70.5 ms.
    expect(await value(`histogram_sum(${rates}) / histogram_count(${rates})`)).toBeCloseTo(70.5, 6);
  });

  it("gives quantiles in seconds for Linkerd's route-backend histogram", async () => {
    // web-primary's 9 rps of STEADY: 30% in (1,5] ms, 30% in (5,10], 25% in (10,50], 15% in (100,500].
    const rates = `sum(rate(outbound_http_route_backend_response_duration_seconds{backend_name="web-primary"}[${WINDOW}]))`;
    expect(await value(`histogram_quantile(0.5, ${rates})`)).toBeCloseTo(0.025 / 3, 9);
    expect(await value(`histogram_quantile(0.9, ${rates})`)).toBeCloseTo(0.7 / 3, 9);
  });

  it.each(BY_MESH)("counts %s requests at the scenario's rate from the target's start", async (_, m) => {
    expect(await value(`sum(rate(${m.requests}[${WINDOW}]))`)).toBeCloseTo(4, 2);
    expect(await value(`histogram_count(sum(rate(${m.latency}[${WINDOW}])))`)).toBeCloseTo(4, 2);
    // The counters count from the target's start: 4 per second since, give or take a scrape.
    const total = await value(`sum(${m.requests})`);
    const elapsedS = nowS - target.startedAt.getTime() / 1000;
    expect(total).toBeGreaterThan(4 * (elapsedS - 2));
    expect(total).toBeLessThanOrEqual(4 * elapsedS);
  });

  it("keeps the labels the writers gave the series, not the scrape job's", async () => {
    expect(await value(`count(response_total{job="linkerd-proxy"})`)).toBe(servedCount("response_total"));
    expect(await query(`{job="${SCRAPE_JOB}", __name__!="up", __name__!~"scrape_.+"}`)).toEqual([]);
    expect(await query(`{instance="${target.address}", __name__!="up", __name__!~"scrape_.+"}`)).toEqual([]);
  });
});
