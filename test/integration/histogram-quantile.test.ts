import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkerdSeries } from "../../src/dev/linkerd-series";
import type { RunningPrometheus } from "../../src/dev/prometheus-server";
import { defaultScenario } from "../../src/dev/scenario";
import { createLinkerdAdapter } from "../../src/mesh/linkerd";
import { measure } from "../../src/metrics/measure";
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

describe("measure() against Prometheus' own histogram_quantile", () => {
  it("gives the quantiles Prometheus gives for the same buckets, object by object", async () => {
    const mesh = createLinkerdAdapter();
    const view = mesh.resourceView("pods");
    const time = new Date(scenario.endS * 1000);
    const { objects } = await measure(client, {
      family: view.family,
      scope: [],
      groupBy: { namespace: view.self.namespace, names: [view.self.name] },
      windowMs: 300_000,
      time,
    });
    expect(objects.length).toBeGreaterThan(5);
    const rates = 'sum by (namespace, pod, le) (rate(response_latency_ms_bucket{direction="inbound"}[5m]))';
    for (const [q, field] of [
      [0.5, "p50Ms"],
      [0.9, "p90Ms"],
      [0.99, "p99Ms"],
    ] as const) {
      const theirs = await client.instantQuery(`histogram_quantile(${q}, ${rates})`, time);
      const byPod = new Map(theirs.samples.map((s) => [`${s.metric.namespace}/${s.metric.pod}`, s.value[1]]));
      for (const { key, measurement } of objects) {
        const expected = byPod.get(`${key.namespace}/${key.name}`);
        expect(expected, key.name).toBeDefined();
        const ours = measurement[field];
        if (Number.isNaN(expected)) expect(ours).toBeNull();
        else
          expect(Math.abs((ours as number) - (expected as number)), `${q} ${key.name}`).toBeLessThanOrEqual(
            1e-9 * Math.max(1, expected as number),
          );
      }
    }
  });
});
