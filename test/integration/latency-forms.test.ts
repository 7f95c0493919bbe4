/**
 * Latency from whichever histogram form the backend holds, over real engines: classic buckets,
 * and what an answer says when requests have no histogram of either form (a pipeline that drops
 * or renames them): counts, null latencies, and a Warning, never a silent null.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkerdSeries } from "../../src/dev/linkerd-series";
import { OpenMetricsBuilder, type SeriesLabels } from "../../src/dev/openmetrics";
import type { RunningPrometheus } from "../../src/dev/prometheus-server";
import { defaultScenario } from "../../src/dev/scenario";
import { createLinkerdAdapter } from "../../src/mesh/linkerd";
import { checkReadiness } from "../../src/metrics/readiness";
import { PrometheusClient } from "../../src/prometheus/client";
import { findWorkload, workloadTruth } from "../support/ground-truth";
import { apiOver, call, scenarioPrometheus, testContext } from "../support/harness";
import { expectCount, metricsOf, warningsOf } from "../support/smi-assert";

const scenario = defaultScenario();
const base = "/apis/metrics.smi-spec.io/v1alpha2";
const at = `t=5m&time=${scenario.endS}`;

/** Linkerd's series as a pipeline that drops every histogram leaves them: counters only. */
class WithoutHistograms extends OpenMetricsBuilder {
  override counter(name: string, labels: SeriesLabels, ratePerS: number): void {
    if (!name.endsWith("_bucket")) super.counter(name, labels, ratePerS);
  }
}

let noHistograms: RunningPrometheus;

beforeAll(async () => {
  noHistograms = await scenarioPrometheus(scenario, (s) => linkerdSeries(s, new WithoutHistograms()));
}, 90_000);
afterAll(async () => {
  await noHistograms?.stop();
});

describe("requests without a histogram of either form", () => {
  const engine = () => new PrometheusClient({ baseUrl: noHistograms.url, timeoutMs: 10_000 });
  const said =
    /^deployments shop\/frontend has requests but no latency histogram: neither response_latency_ms_bucket \(classic\) nor response_latency_ms \(native\) has series for it.*convert_classic_histograms_to_nhcb.*always_scrape_classic_histograms.*le/;

  it("answers the counts, null latencies and a Warning that names the histograms looked for", async () => {
    const api = apiOver(engine(), createLinkerdAdapter());
    const { status, headers, body } = await call(api, `${base}/namespaces/shop/deployments/frontend?${at}`);
    expect(status).toBe(200);
    const truth = workloadTruth(scenario, findWorkload(scenario, "shop", "frontend"), 300, "linkerd");
    const got = metricsOf(body);
    expectCount(got.success, truth.success);
    expectCount(got.failure, truth.failure);
    expect([got.p50, got.p90, got.p99]).toEqual([null, null, null]);
    expect(warningsOf(headers)).toEqual([expect.stringMatching(said)]);
  });

  it("says it once for a list, naming how many items have requests but no latency", async () => {
    const api = apiOver(engine(), createLinkerdAdapter());
    const { headers, body } = await call(api, `${base}/namespaces/shop/deployments?${at}`);
    const withTraffic = body.items.filter((i: { metrics: never }) => (metricsOf(i).success ?? 0) > 0).length;
    expect(withTraffic).toBeGreaterThan(1);
    expect(warningsOf(headers)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${withTraffic} of the deployments in namespace shop have requests but no latency histogram`,
        ),
      ),
    ]);
  });

  it("is not ready, and /readyz says why", async () => {
    const readiness = await checkReadiness(
      testContext({ engine: engine(), mesh: createLinkerdAdapter() }),
      new Date(scenario.endS * 1000),
    );
    expect(readiness.ready).toBe(false);
    expect(readiness.histograms).toMatchObject({ ok: false });
    expect(readiness.histograms.detail).toMatch(
      /response_total has series, but neither response_latency_ms_bucket \(classic\) nor response_latency_ms \(native\) has series: every latency would be null/,
    );
  });
});
