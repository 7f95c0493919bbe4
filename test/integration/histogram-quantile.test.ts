import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkerdSeries } from "../../src/dev/linkerd-series";
import type { RunningPrometheus } from "../../src/dev/prometheus-server";
import { defaultScenario } from "../../src/dev/scenario";
import { measure } from "../../src/measure";
import { createLinkerdAdapter } from "../../src/mesh/linkerd";
import { PrometheusClient } from "../../src/prometheus/client";
import { parseUpperBound } from "../../src/prometheus/histogram";
import { quantileOfBuckets } from "../support/buckets";
import { scenarioPrometheus } from "../support/harness";

const scenario = defaultScenario();
let prometheus: RunningPrometheus;
let client: PrometheusClient;

beforeAll(async () => {
  prometheus = await scenarioPrometheus(scenario, linkerdSeries);
  client = new PrometheusClient({ baseUrl: prometheus.url, timeoutMs: 10_000 });
}, 60_000);
afterAll(async () => {
  await prometheus?.stop();
});

describe("our bucket interpolation against Prometheus' own histogram_quantile", () => {
  const time = new Date(scenario.endS * 1000);
  const groupings = ["pod", "deployment", "namespace", "dst_pod", "dst_namespace, namespace"];

  it.each(groupings)("gives the same value for every group when grouped by %s", async (by) => {
    const rates = `sum by (${by}, le) (rate(response_latency_ms_bucket[5m]))`;
    const raw = await client.instantQuery(rates, time);
    expect(raw.samples.length).toBeGreaterThan(0);
    for (const q of [0.5, 0.9, 0.99, 0.999]) {
      const theirs = await client.instantQuery(`histogram_quantile(${q}, ${rates})`, time);
      for (const sample of theirs.samples) {
        const key = (m: Record<string, string>) => JSON.stringify(by.split(", ").map((l) => m[l] ?? ""));
        const buckets = raw.samples
          .filter((s) => key(s.metric) === key(sample.metric))
          .map((s) => ({ upperBound: parseUpperBound(s.metric.le) as number, count: s.value[1] }));
        const ours = quantileOfBuckets(q, buckets);
        const expected = sample.value[1];
        if (Number.isNaN(expected)) expect(ours).toBeNaN();
        else
          expect(Math.abs(ours - expected), `q=${q} ${key(sample.metric)}`).toBeLessThanOrEqual(
            1e-9 * Math.max(1, expected),
          );
      }
    }
  });
});

describe("the two latency query shapes", () => {
  it("give the same quantiles on the same data: buckets interpolated here, or histogram_quantile there", async () => {
    const mesh = createLinkerdAdapter();
    const view = mesh.resourceView("pods");
    const spec = {
      family: view.family,
      scope: [],
      groupBy: { namespace: view.self.namespace, names: [view.self.name] },
      windowMs: 300_000,
      time: new Date(scenario.endS * 1000),
    };
    const buckets = (await measure(client, { ...spec, latency: "buckets" })).objects;
    const quantiles = (await measure(client, { ...spec, latency: "quantiles" })).objects;
    expect(buckets.length).toBeGreaterThan(5);
    const byName = new Map(quantiles.map((m) => [m.key.name, m.measurement]));
    for (const { key, measurement } of buckets) {
      const other = byName.get(key.name);
      expect(other, key.name).toBeDefined();
      for (const q of ["p50Ms", "p90Ms", "p99Ms"] as const) {
        const a = measurement[q];
        const b = other?.[q] ?? null;
        if (a === null) expect(b).toBeNull();
        else expect(Math.abs(a - (b as number))).toBeLessThanOrEqual(1e-9 * Math.max(1, a));
      }
      expect(other?.successCount).toBe(measurement.successCount);
    }
  });
});
