/**
 * A report's trend: each resource's success rate and p99 at every interval of the spec's period,
 * equal to the API's range answer, at one range answer per scope, drawn as Mermaid line charts
 * that Mermaid itself parses and renders.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkerdSeries } from "../../src/dev/linkerd-series";
import type { RunningPrometheus } from "../../src/dev/prometheus-server";
import { defaultScenario } from "../../src/dev/scenario";
import { createLinkerdAdapter } from "../../src/mesh/linkerd";
import { PrometheusClient, type QueryEngine } from "../../src/prometheus/client";
import { renderMarkdown } from "../../src/report/markdown";
import { trafficNumbers } from "../../src/smi/metric-values";
import type { TrafficMetricsSeries } from "../../src/smi/schemas";
import {
  apiOverPrometheus,
  call,
  linkerdReportParts,
  runTestReport,
  scenarioPrometheus,
} from "../support/harness";
import { parseXyChart, renderMermaidSvg } from "../support/mermaid";

const scenario = defaultScenario();
// Ten minutes into the data, a 15-minute trend every 3 minutes: the first interval ends before the
// data starts (no traffic), the second holds its first minute, the last three are full.
const END_S = scenario.startS + 600;
const spec = {
  namespaces: ["payments", "shop"],
  kinds: ["deployments"],
  window: "5m",
  time: String(END_S),
  trend: { period: "15m", interval: "3m" },
};
let prometheus: RunningPrometheus;

beforeAll(async () => {
  prometheus = await scenarioPrometheus(scenario, linkerdSeries);
}, 60_000);
afterAll(async () => {
  await prometheus?.stop();
});

/** The engine the report reads, counting its range queries. */
function countingEngine() {
  const client = new PrometheusClient({ baseUrl: prometheus.url, timeoutMs: 10_000 });
  const ranges: string[] = [];
  const engine: QueryEngine = {
    instantQuery: (query, time, options) => client.instantQuery(query, time, options),
    rangeQuery: (query, range, options) => {
      ranges.push(query);
      return client.rangeQuery(query, range, options);
    },
  };
  return { engine, ranges };
}

async function reportOf(input: object, engine: QueryEngine = countingEngine().engine) {
  return (await runTestReport(linkerdReportParts(prometheus, engine), input)).report;
}

/** The API's range answer for a scope, as a client would ask for the trend's points. */
async function servedSeries(namespace: string): Promise<TrafficMetricsSeries[]> {
  const api = apiOverPrometheus(prometheus, createLinkerdAdapter());
  const query = `t=3m&start=${END_S - 720}&end=${END_S}&step=3m`;
  const { body } = await call(
    api,
    `/apis/metrics.smi-spec.io/v1alpha2/namespaces/${namespace}/deployments?${query}`,
  );
  return body.items;
}

describe("a report's trend over a real Prometheus", () => {
  it("has each resource's success rate and p99 at every interval, as the API's range answer", async () => {
    const { trend } = await reportOf(spec);
    expect(trend).toMatchObject({ period: "15m", interval: "3m", end: "2025-11-24T16:10:00Z" });
    expect(trend.scopes.map((s) => `${s.kind}/${s.namespace}`)).toEqual([
      "deployments/payments",
      "deployments/shop",
    ]);
    for (const scope of trend.scopes) {
      const served = await servedSeries(scope.namespace as string);
      expect(scope.resources.map((r) => r.name).sort()).toEqual(served.map((s) => s.resource.name).sort());
      for (const resource of scope.resources) {
        const series = served.find((s) => s.resource.name === resource.name) as TrafficMetricsSeries;
        expect(resource.points.map((p) => p.timestamp)).toEqual(series.points.map((p) => p.timestamp));
        resource.points.forEach((point, i) => {
          const n = trafficNumbers({ ...series, ...series.points[i] } as never);
          const at = `${resource.name} at ${point.timestamp}`;
          expect(point.requests, at).toBeCloseTo(n.requests, 6);
          expect(point.successRate === null, at).toBe(n.successRate === null);
          if (n.successRate !== null) expect(point.successRate, at).toBeCloseTo(n.successRate, 9);
          expect(point.p99Ms === null ? null : Number(point.p99Ms.toPrecision(6)), at).toEqual(
            n.p99Ms === null ? null : Number(n.p99Ms.toPrecision(6)),
          );
        });
      }
    }
    // Before the data: no traffic, no rate.
    const api = trend.scopes[0]?.resources.find((r) => r.name === "api");
    expect(api?.points.map((p) => p.successRate === null)).toEqual([true, false, false, false, false]);
  });

  it("costs one range answer per scope, two query_range each, whatever the scope holds", async () => {
    const one = countingEngine();
    await reportOf({ ...spec, namespaces: ["payments"] }, one.engine);
    const both = countingEngine();
    await reportOf(spec, both.engine);
    expect(one.ranges).toHaveLength(2);
    expect(both.ranges).toHaveLength(4);
  });

  it("covers 24 intervals of the report's window when the spec names no trend", async () => {
    const { trend } = await reportOf({ ...spec, trend: undefined });
    expect(trend).toMatchObject({ period: "2h", interval: "5m", start: "2025-11-24T14:15:00Z" });
    expect(trend.scopes[0]?.resources[0]?.points).toHaveLength(24);
  });

  it.each([
    [{ period: "90m", interval: "1h" }, /trend\.period: 90m is not a whole number of intervals of 1h/],
    [{ interval: "5s" }, /invalid trend\.interval: 5s is out of range/],
    [{ period: "a day" }, /invalid trend\.period: "a day" is not a duration/],
    [{ period: "48h", interval: "1m" }, /trend\.period 48h every 1m is 2880 points, over the 200/],
    [{ every: "1h" }, /trend: Unrecognized key: "every"/],
  ])("refuses the trend %j, saying what is accepted", async (trend, message) => {
    await expect(reportOf({ ...spec, trend })).rejects.toThrow(message);
  });
});

/** The labels of one axis of a rendered xychart, with where Mermaid placed each. */
function labelsOf(svg: string, axis: "bottom-axis" | "left-axis") {
  const group = new RegExp(`<g class="${axis}">.*?<g class="label">(.*?)</g>`).exec(svg)?.[1] ?? "";
  return [...group.matchAll(/translate\(([\d.]+), ([\d.]+)\)[^>]*>([^<]*)</g)].map((m) => ({
    x: Number(m[1]),
    y: Number(m[2]),
    text: m[3] as string,
  }));
}

describe("the Markdown report's trend", () => {
  it("draws each resource as xychart-beta line charts that Mermaid reads back to the JSON's points", async () => {
    const report = await reportOf(spec);
    const markdown = renderMarkdown(report);
    const section = markdown.slice(markdown.indexOf("## Trend of deployments in payments"));
    expect(section).toContain("Success rate and p99 every 3m over the 15m ending 2025-11-24T16:10:00Z");
    const api = report.trend.scopes[0]?.resources.find((r) => r.name === "api");
    const traffic = api?.points.filter((p) => p.successRate !== null) ?? [];
    const blocks = [
      ...section.matchAll(/### payments\/api\n\n```mermaid\n([\s\S]*?)```\n\n```mermaid\n([\s\S]*?)```/g),
    ];
    expect(blocks).toHaveLength(1);
    const rate = await parseXyChart(blocks[0]?.[1] as string);
    const p99 = await parseXyChart(blocks[0]?.[2] as string);
    // Intervals without traffic have no rate: left out of the x-axis, named by their times.
    const labels = traffic.map((p) => p.timestamp.slice(11, 16));
    expect(rate).toMatchObject({ title: "payments/api: success rate (%)", categories: labels });
    expect(rate.lines).toEqual([traffic.map((p) => Number(((p.successRate as number) * 100).toFixed(2)))]);
    expect(p99).toMatchObject({ title: "payments/api: p99 latency (ms)", categories: labels });
    expect(p99.lines).toEqual([traffic.map((p) => Number((p.p99Ms as number).toFixed(1)))]);
    // Every point inside its axis, with room below: the line never lies on the axis itself.
    for (const chart of [rate, p99]) {
      for (const v of chart.lines[0] ?? []) {
        expect(v).toBeGreaterThan(chart.yAxis.min);
        expect(v).toBeLessThanOrEqual(chart.yAxis.max);
      }
    }
    expect(section).toContain("No traffic in the period: shop/idle.");
  });

  it("renders each chart to an SVG line through every point, at its value's height on the axis", async () => {
    const markdown = renderMarkdown(await reportOf({ ...spec, trend: { period: "30m", interval: "5m" } }));
    const blocks = [...markdown.matchAll(/```mermaid\n(xychart-beta[\s\S]*?)```/g)].map(
      (m) => m[1] as string,
    );
    expect(blocks.length).toBe(2 * 3); // success rate and p99 of api, checkout and frontend
    for (const [i, block] of blocks.entries()) {
      const svg = await renderMermaidSvg(block, `trend${i}`);
      const { categories, lines } = await parseXyChart(block);
      const line = /<g class="line-plot-0"><path d="([^"]+)"/.exec(svg)?.[1] ?? "";
      const drawn = [...line.matchAll(/[ML]([\d.]+),([\d.]+)/g)].map((m) => ({
        x: Number(m[1]),
        y: Number(m[2]),
      }));
      // Each point above its own x-axis label...
      const xLabels = labelsOf(svg, "bottom-axis");
      expect(xLabels.map((l) => l.text)).toEqual(categories);
      expect(drawn.map((p) => p.x)).toEqual(xLabels.map((l) => l.x));
      // ...at the height the y-axis's own ticks give its value.
      const ticks = labelsOf(svg, "left-axis").map((l) => ({ value: Number(l.text), y: l.y }));
      const [a, b] = [ticks[0], ticks.at(-1)] as [{ value: number; y: number }, { value: number; y: number }];
      const yOf = (v: number) => a.y + ((v - a.value) * (b.y - a.y)) / (b.value - a.value);
      (lines[0] ?? []).forEach((value, j) => {
        expect(drawn[j]?.y, `${block}\npoint ${j}`).toBeCloseTo(yOf(value), 1);
      });
    }
  });
});
