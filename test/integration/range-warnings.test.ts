/**
 * Zero is a claim, per point: the Warnings of an instant answer apply to a range answer, said once
 * per answer however many points carry the cause (a name never seen, a label the relabeling names
 * otherwise, several clusters summed, ztunnel's L4 only, requests without a latency histogram),
 * over real Prometheus servers, with a point without traffic "0" and null as in an instant answer.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { istioSeries } from "../../src/dev/istio-series";
import { linkerdSeries } from "../../src/dev/linkerd-series";
import { movingScenario, movingSeries } from "../../src/dev/moving-scenario";
import { OpenMetricsBuilder, type SeriesLabels } from "../../src/dev/openmetrics";
import { type RunningPrometheus, startPrometheus } from "../../src/dev/prometheus-server";
import { twoClusters } from "../../src/dev/scenarios";
import { clusterSeries } from "../../src/dev/series";
import { ambientWithoutWaypoints } from "../support/ambient-scenario";
import { apiFor, call } from "../support/harness";
import { metricsOf, warningsOf } from "../support/smi-assert";

/** Series as a pipeline that drops every histogram leaves them: counters only. */
class WithoutHistograms extends OpenMetricsBuilder {
  override counter(name: string, labels: SeriesLabels, ratePerS: number): void {
    if (!name.endsWith("_bucket")) super.counter(name, labels, ratePerS);
  }
}

const moving = movingScenario();
const clusters = twoClusters();
const base = "/apis/metrics.smi-spec.io/v1alpha2";
const START_S = moving.startS + 5 * 60;
const rangeOver = (endS: number, startS = START_S) => `t=1m&start=${startS}&end=${endS}&step=30s`;

/** Linkerd's moving traffic without histograms, beside Istio ambient with ztunnel alone. */
let single: RunningPrometheus;
/** Two clusters' series, each behind its `cluster` label. */
let twoCluster: RunningPrometheus;

beforeAll(async () => {
  const om = istioSeries(ambientWithoutWaypoints(), new WithoutHistograms());
  [single, twoCluster] = await Promise.all([
    startPrometheus({ series: movingSeries(moving, (s, sink) => linkerdSeries(s, sink), om), ...moving }),
    startPrometheus({
      series: clusterSeries(clusters),
      ...(clusters[0] as (typeof clusters)[number]).scenario,
    }),
  ]);
}, 90_000);
afterAll(async () => {
  await Promise.all([single?.stop(), twoCluster?.stop()]);
});

interface Case {
  readonly what: string;
  readonly env: () => Record<string, string>;
  readonly path: string;
  readonly endS: number;
  readonly says: RegExp;
  /** Every point's numbers: no traffic at all, or requests with null latencies. */
  readonly points: "no traffic" | "no latency" | "traffic";
}

const linkerd = () => ({ MESH: "linkerd", PROMETHEUS_URL: single.url });
const CLUSTERS =
  /^this answer sums series from 2 clusters \(label cluster: east, west\); set CLUSTER to answer for one cluster$/;
const NO_HISTOGRAM =
  /requests but no latency histogram: neither response_latency_ms_bucket \(classic\) nor response_latency_ms \(native\) has series for (it|them) in the window/;
const LABEL =
  /^the mesh has traffic in namespace shop, but no series of response_total there carries the label workload \(LABEL_DEPLOYMENT\), which deployments are read from/;
const L4 = /^only L4 \(ztunnel TCP\) telemetry exists for deployments payments\/api/;

const CASES: readonly Case[] = [
  {
    what: "a misspelt name, never seen",
    env: linkerd,
    path: `${base}/namespaces/shop/deployments/chekout`,
    endS: moving.endS,
    says: /^deployments shop\/chekout has no series of response_total in the last 24h \(MAX_WINDOW\): never seen; check the name$/,
    points: "no traffic",
  },
  {
    what: "a workload label the relabeling names otherwise, for a deployment",
    env: () => ({ ...linkerd(), LABEL_DEPLOYMENT: "workload" }),
    path: `${base}/namespaces/shop/deployments/frontend`,
    endS: moving.endS,
    says: LABEL,
    points: "no traffic",
  },
  {
    what: "a workload label the relabeling names otherwise, for a list",
    env: () => ({ ...linkerd(), LABEL_DEPLOYMENT: "workload" }),
    path: `${base}/namespaces/shop/deployments`,
    endS: moving.endS,
    says: LABEL,
    points: "no traffic",
  },
  {
    what: "several clusters summed, for a deployment",
    env: () => ({ MESH: "linkerd", PROMETHEUS_URL: twoCluster.url }),
    path: `${base}/namespaces/shop/deployments/checkout`,
    endS: (clusters[0] as (typeof clusters)[number]).scenario.endS,
    says: CLUSTERS,
    points: "traffic",
  },
  {
    what: "several clusters summed, for edges",
    env: () => ({ MESH: "istio", PROMETHEUS_URL: twoCluster.url }),
    path: `${base}/namespaces/shop/deployments/frontend/edges`,
    endS: (clusters[0] as (typeof clusters)[number]).scenario.endS,
    says: CLUSTERS,
    points: "traffic",
  },
  {
    what: "ztunnel's L4 series alone (ambient without waypoints)",
    env: () => ({ MESH: "istio", PROMETHEUS_URL: single.url }),
    path: `${base}/namespaces/payments/deployments/api`,
    endS: moving.endS,
    says: L4,
    points: "no traffic",
  },
  {
    what: "requests without a latency histogram, for a deployment",
    env: linkerd,
    path: `${base}/namespaces/shop/deployments/checkout`,
    endS: moving.endS,
    says: NO_HISTOGRAM,
    points: "no latency",
  },
  {
    what: "requests without a latency histogram, for a list",
    env: linkerd,
    path: `${base}/namespaces/shop/deployments`,
    endS: moving.endS,
    says: /^3 of the deployments in namespace shop have requests but no latency histogram/,
    points: "no latency",
  },
];

type Point = { metrics: { name: string; value: string | null }[] };
type Series = { points: Point[] };

/** Each series' points read as the case says: no traffic ("0" and null), or requests with null latencies. */
function expectPoints(body: Series & { items?: Series[] }, points: Case["points"], label: string) {
  const series = body.items ?? [body];
  for (const [s, item] of series.entries()) {
    expect(item.points.length, label).toBeGreaterThan(30);
    for (const [i, point] of item.points.entries()) {
      const { success, failure, p50, p90, p99 } = metricsOf(point);
      const at = `${label} item ${s} point ${i}`;
      if (points === "no traffic")
        expect([success, failure, p50, p90, p99], at).toEqual([0, 0, null, null, null]);
      if (points === "no latency") expect([p50, p90, p99], at).toEqual([null, null, null]);
    }
  }
  if (points !== "no traffic")
    expect(
      series.some((item) => item.points.some((p) => (metricsOf(p).success ?? 0) > 0)),
      label,
    ).toBe(true);
}

describe("Warnings of a range answer", () => {
  it.each(CASES)("says $what once, as the instant answer at its end does", async (c) => {
    const api = apiFor({ CACHE_TTL: "0", ...c.env() });
    const ranged = await call(api, `${c.path}?${rangeOver(c.endS, c.endS - 20 * 60)}`);
    expect(ranged.status, JSON.stringify(ranged.body)).toBe(200);
    const warnings = warningsOf(ranged.headers);
    expect(warnings, c.what).toHaveLength(1);
    expect(warnings[0]).toMatch(c.says);
    // Once in the header itself, not once per point folded into it.
    expect(String(ranged.headers.warning).split("299 -")).toHaveLength(2);
    const instant = await call(api, `${c.path}?t=1m&time=${c.endS}`);
    expect(warningsOf(instant.headers)).toEqual(warnings);
    expectPoints(ranged.body, c.points, c.what);
  });

  it("says nothing of zeros at some points when the object has traffic at others: traffic that stops, a workload that starts", async () => {
    const api = apiFor({ MESH: "istio", PROMETHEUS_URL: twoCluster.url, CACHE_TTL: "0", CLUSTER: "east" });
    const { headers } = await call(
      api,
      `${base}/namespaces/shop/deployments/checkout?${rangeOver(moving.endS)}`,
    );
    expect(warningsOf(headers)).toEqual([]);
    const linkerdApi = apiFor({ ...linkerd(), CACHE_TTL: "0" });
    const search = await call(
      linkerdApi,
      `${base}/namespaces/shop/deployments/search?${rangeOver(moving.endS)}`,
    );
    const requests = search.body.points.map((p: Point) => metricsOf(p).success);
    expect(requests[0]).toBe(0);
    expect(requests.at(-1)).toBeGreaterThan(0);
    // Its latencies are missing at the points it has requests: that, and only that, is said.
    expect(warningsOf(search.headers)).toEqual([expect.stringMatching(NO_HISTOGRAM)]);
  });
});
