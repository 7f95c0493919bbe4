/**
 * Ground truth that moves: traffic whose rates, failures and latencies change at known times (a
 * step in frontend's calls to checkout, a five-minute spike of checkout's failures, a workload that
 * starts mid-range, checkout getting slower), backfilled into a real Prometheus, and range answers
 * over twenty minutes across the changes on every mesh profile. Every point of every answer equals
 * Prometheus' own `query_range` of the profile's reference queries (reference-queries.ts), counts
 * within 0.001 and latencies within 0.02%, and every answer costs the round trips of the instant
 * answer at its end.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsulDouble, startConsulDouble } from "../../src/dev/consul-double";
import { consulCatalog, IDLE_CATALOG_SERVICE } from "../../src/dev/consul-series";
import { istioSeries } from "../../src/dev/istio-series";
import {
  finalScenario,
  MOVES,
  type MovingScenario,
  movingScenario,
  movingSeries,
} from "../../src/dev/moving-scenario";
import { type RunningPrometheus, startPrometheus } from "../../src/dev/prometheus-server";
import type { Workload } from "../../src/dev/scenario";
import { ambientScenario } from "../../src/dev/scenarios";
import { allMeshSeries } from "../../src/dev/series";
import type { ApiHandler } from "../../src/http/api-handler";
import type { RequestLog } from "../../src/http/request-log";
import { type MeshProfile, PROFILES } from "../support/conformance-profiles";
import { findWorkload, servesL7 } from "../support/ground-truth";
import { apiFor, call } from "../support/harness";
import {
  type MeshReferences,
  REFERENCES,
  type Reference,
  referenceQueries,
} from "../support/reference-queries";
import { expectMatchesTruth, metricsOf, warningsOf } from "../support/smi-assert";

const base = "/apis/metrics.smi-spec.io/v1alpha2";
const CONSUL_TOKEN = "range-read";
const main = movingScenario();
const ambient = movingScenario(ambientScenario());
/** Points every 30 s, each the minute ending there, from 5 minutes into the data to its end. */
const WINDOW = "1m";
const STEP_S = 30;
const START_S = main.startS + 5 * 60;
const END_S = main.endS;
const TIMES = Array.from({ length: (END_S - START_S) / STEP_S + 1 }, (_, i) => START_S + i * STEP_S);
const range = `t=${WINDOW}&start=${START_S}&end=${END_S}&step=${STEP_S}s`;
const instant = `t=${WINDOW}&time=${END_S}`;
const iso = (s: number) => `${new Date(s * 1000).toISOString().slice(0, 19)}Z`;

let prometheus: RunningPrometheus;
let ambientPrometheus: RunningPrometheus;
let consul: ConsulDouble;
const apis = new Map<string, ApiHandler>();
const tripsOf = new Map<ApiHandler, number>();

/** The api a deployment with `env` runs, which records the round trips of its last answer. */
function countingApiFor(env: Record<string, string>): ApiHandler {
  let trips = 0;
  const inner = apiFor(
    // Every answer measured, none from the warm container's cache: round trips are what an answer costs.
    { CACHE_TTL: "0", ...env },
    {
      log: (entry: RequestLog) => {
        // The contract check reads /openapi.json through the same handler after the first answer.
        if (entry.path !== "/openapi.json") trips = entry.roundTrips;
      },
    },
  );
  const handler: ApiHandler = async (event, invocation) => {
    const response = await inner(event, invocation);
    tripsOf.set(handler, trips);
    return response;
  };
  return handler;
}

const backfill = (moving: MovingScenario, write: Parameters<typeof movingSeries>[1]) =>
  startPrometheus({ series: movingSeries(moving, write), ...moving });

beforeAll(async () => {
  [prometheus, ambientPrometheus] = await Promise.all([
    backfill(main, (s, om) => allMeshSeries(s, om)),
    backfill(ambient, (s, om) => istioSeries(s, om)),
  ]);
  consul = await startConsulDouble({
    catalog: consulCatalog(finalScenario(main), [IDLE_CATALOG_SERVICE]),
    metricsProxyBaseUrl: prometheus.url,
    tokens: { [CONSUL_TOKEN]: { wildcardRead: true } },
  });
  apis.set("linkerd", countingApiFor({ MESH: "linkerd", PROMETHEUS_URL: prometheus.url }));
  apis.set("istio", countingApiFor({ MESH: "istio", PROMETHEUS_URL: prometheus.url }));
  apis.set("istio-ambient", countingApiFor({ MESH: "istio", PROMETHEUS_URL: ambientPrometheus.url }));
  apis.set(
    "consul",
    countingApiFor({ MESH: "consul", CONSUL_HTTP_ADDR: consul.url, CONSUL_HTTP_TOKEN: CONSUL_TOKEN }),
  );
}, 120_000);

afterAll(async () => {
  await consul?.close();
  await Promise.all([prometheus?.stop(), ambientPrometheus?.stop()]);
});

/** Prometheus' own `query_range` over the answer's points: one value per point it has, by Unix second. */
async function queryRange(url: string, query: string): Promise<Map<number, number>> {
  const form = new URLSearchParams({ query, start: `${START_S}`, end: `${END_S}`, step: `${STEP_S}` });
  const response = await fetch(`${url}/api/v1/query_range`, { method: "POST", body: form });
  const body = (await response.json()) as {
    status: string;
    data: { result: { values: [number, string][] }[] };
  };
  expect(body.status, query).toBe("success");
  expect(body.data.result.length, query).toBeLessThanOrEqual(1);
  return new Map((body.data.result[0]?.values ?? []).map(([t, v]) => [t, Number(v)]));
}

/** A point without traffic, as the API writes it. */
const NO_TRAFFIC_VALUES = {
  success_count: "0",
  failure_count: "0",
  p50_response_latency: null,
  p90_response_latency: null,
  p99_response_latency: null,
};

interface Point {
  timestamp: string;
  metrics: { name: string; value: string | null }[];
}

/**
 * Every point of a series equals the reference queries at its time: counts within 0.001, latencies
 * within 0.02%; a point without traffic is "0" and null.
 */
async function expectPointsMatch(
  url: string,
  mesh: MeshReferences,
  points: readonly Point[],
  ref: Reference,
  label: string,
) {
  const q = referenceQueries(mesh, ref, WINDOW);
  // An object no series names (a catalog's idle service) has no reference to ask: no traffic anywhere.
  const ask = (query: string) => (ref.counters.length === 0 ? new Map() : queryRange(url, query));
  const [success, failure, p50, p90, p99] = await Promise.all(
    [q.success, q.failure, ...q.quantiles].map(ask),
  );
  const latency = (values: Map<number, number> | undefined, t: number) => {
    const v = values?.get(t);
    return v === undefined || Number.isNaN(v) ? null : v * mesh.unitMs;
  };
  expect(
    points.map((p) => p.timestamp),
    label,
  ).toEqual(TIMES.map(iso));
  points.forEach((point, i) => {
    const t = TIMES[i] as number;
    const truth = {
      success: success?.get(t) ?? 0,
      failure: failure?.get(t) ?? 0,
      p50: latency(p50, t),
      p90: latency(p90, t),
      p99: latency(p99, t),
    };
    expectMatchesTruth(point, truth, `${label} at ${iso(t)}`);
    if (truth.success + truth.failure === 0) {
      const values = Object.fromEntries(point.metrics.map((m) => [m.name, m.value]));
      expect(values, `${label} at ${iso(t)}: no traffic`).toEqual(NO_TRAFFIC_VALUES);
    }
  });
}

/**
 * The range answer to `path` beside the instant answer at its end: the same round trips and the
 * same Warnings (said once per answer, not per point).
 */
async function rangeAnswer(profile: MeshProfile, path: string, trips?: number) {
  const api = apis.get(profile.name) as ApiHandler;
  const atEnd = await call(api, `${path}?${instant}`);
  const instantTrips = tripsOf.get(api);
  const answer = await call(api, `${path}?${range}`);
  expect(answer.status, `${path}: ${JSON.stringify(answer.body)}`).toBe(200);
  expect(tripsOf.get(api), `${profile.name} ${path} round trips`).toBe(instantTrips);
  if (trips !== undefined) expect(instantTrips, `${profile.name} ${path} round trips`).toBe(trips);
  expect(warningsOf(answer.headers), `${profile.name} ${path} warnings`).toEqual(warningsOf(atEnd.headers));
  return { ...answer, atEnd: atEnd.body };
}

type EdgeItem = Point & {
  edge: { direction: string; side: string; resource: { namespace?: string; name: string } };
  points: Point[];
};
const edgeKey = (e: EdgeItem) =>
  `${e.edge.direction}|${e.edge.resource.namespace === undefined ? "" : `${e.edge.resource.namespace}/`}${e.edge.resource.name}|${e.edge.side}`;

/** The profiles whose moving data and references this file holds (Cilium's follow). */
const MOVING_PROFILES = PROFILES.filter((p) => p.name !== "cilium");

describe.each(MOVING_PROFILES)("$name range answers over moving traffic", (profile) => {
  const moving = profile.name === "istio-ambient" ? ambient : main;
  const s = finalScenario(moving);
  const mesh = REFERENCES[profile.name] as MeshReferences;
  const url = () => (profile.name === "istio-ambient" ? ambientPrometheus : prometheus).url;
  const pathOf = (w: Workload) => {
    const { kind, name } = profile.resourceOf(w);
    return `${base}/namespaces/${w.namespace}/${kind}/${name}`;
  };

  it("answers every workload's own traffic at every point as Prometheus' query_range, in one round trip", async () => {
    for (const w of s.workloads) {
      const { body, atEnd } = await rangeAnswer(profile, pathOf(w), servesL7(w) ? 1 : undefined);
      expect(body.kind).toBe("TrafficMetricsSeries");
      expect(body.edge).toEqual({ ...atEnd.edge, side: "server" });
      await expectPointsMatch(url(), mesh, body.points, mesh.resource(w), `${profile.name} ${w.name}`);
    }
  });

  it("follows every move: the step, the spike and its end, the new workload and the slower latency", async () => {
    const at = (points: Point[], afterS: number) => {
      const i = TIMES.indexOf(moving.startS + afterS);
      return metricsOf(points[i] as Point);
    };
    const checkout = (await rangeAnswer(profile, pathOf(findWorkload(s, "shop", "checkout")))).body.points;
    expect(at(checkout, MOVES.step + 120).success).toBeGreaterThan(
      1.5 * (at(checkout, MOVES.step - 60).success ?? 0),
    );
    const before = at(checkout, MOVES.spikeStarts - 60).failure ?? 0;
    expect(at(checkout, MOVES.spikeStarts + 150).failure).toBeGreaterThan(5 * before);
    expect(at(checkout, MOVES.spikeEnds + 120).failure).toBeLessThan(2 * before);
    expect(at(checkout, MOVES.slower + 120).p50).toBeGreaterThan(
      1.5 * (at(checkout, MOVES.slower - 60).p50 ?? 0),
    );
    const search = (await rangeAnswer(profile, pathOf(findWorkload(s, "shop", "search")))).body.points;
    TIMES.forEach((t, i) => {
      const requests = (metricsOf(search[i]).success ?? 0) + (metricsOf(search[i]).failure ?? 0);
      if (t <= moving.startS + MOVES.searchStarts) expect(requests, iso(t)).toBe(0);
      else expect(requests, iso(t)).toBeGreaterThan(0);
    });
  });

  it("lists a workload kind in a namespace and in all, every item at every point as Prometheus' query_range, in two round trips", async () => {
    const { kind } = profile.resourceOf(s.workloads[0] as Workload);
    for (const scope of [`${base}/namespaces/shop/${kind}`, `${base}/${kind}`]) {
      const { body, atEnd } = await rangeAnswer(profile, scope, 2);
      expect(body.kind).toBe("TrafficMetricsSeriesList");
      const names = (items: { resource: { namespace: string; name: string } }[]) =>
        items.map((i) => `${i.resource.namespace}/${i.resource.name}`);
      expect(names(body.items)).toEqual(names(atEnd.items));
      expect(names(body.items)).toContain(
        `shop/${profile.resourceOf(findWorkload(s, "shop", "search")).name}`,
      );
      for (const item of body.items) {
        const w = s.workloads.find(
          (x) => x.namespace === item.resource.namespace && profile.resourceOf(x).name === item.resource.name,
        );
        // Only Consul's catalog lists what never had traffic: a registered service the scenario never calls.
        const ref = w === undefined ? { counters: [], buckets: [] } : mesh.resource(w);
        if (w === undefined) expect(item.resource.name).toBe(IDLE_CATALOG_SERVICE.name);
        await expectPointsMatch(url(), mesh, item.points, ref, `${profile.name} list ${item.resource.name}`);
      }
    }
  });

  it("answers every workload's edges both ways, each on its side, at every point as Prometheus' query_range", async () => {
    for (const w of s.workloads) {
      const expected = mesh.edges(s, w);
      const path = `${pathOf(w)}/edges`;
      const { body, atEnd } = await rangeAnswer(profile, path, expected.length > 0 ? 4 : undefined);
      const items = body.items as EdgeItem[];
      expect(items.map(edgeKey).sort(), `${profile.name} ${w.name} edges`).toEqual(
        expected.map((e) => `${e.direction}|${e.peer}|${e.side}`).sort(),
      );
      expect(items.map(edgeKey), "the instant answer's edges, with their sides").toEqual(
        atEnd.items.map(edgeKey),
      );
      for (const edge of expected) {
        const item = items.find(
          (i) => edgeKey(i) === `${edge.direction}|${edge.peer}|${edge.side}`,
        ) as EdgeItem;
        await expectPointsMatch(
          url(),
          mesh,
          item.points,
          edge.reference,
          `${profile.name} ${w.name} ${edgeKey(item)}`,
        );
      }
    }
  });

  it("answers every namespace, and its edges where the mesh serves them, at every point as Prometheus' query_range", async () => {
    for (const ns of profile.namespaces) {
      const { body } = await rangeAnswer(profile, `${base}/namespaces/${ns}`);
      await expectPointsMatch(
        url(),
        mesh,
        body.points,
        mesh.namespace(ns),
        `${profile.name} namespace ${ns}`,
      );
      if (!profile.namespaceEdges) continue;
      const expected = mesh.namespaceEdges(s, ns);
      const edges = await rangeAnswer(
        profile,
        `${base}/namespaces/${ns}/edges`,
        expected.length > 0 ? 4 : undefined,
      );
      const items = edges.body.items as EdgeItem[];
      expect(items.map(edgeKey).sort()).toEqual(
        expected.map((e) => `${e.direction}|${e.peer}|${e.side}`).sort(),
      );
      for (const edge of expected) {
        const item = items.find(
          (i) => edgeKey(i) === `${edge.direction}|${edge.peer}|${edge.side}`,
        ) as EdgeItem;
        await expectPointsMatch(
          url(),
          mesh,
          item.points,
          edge.reference,
          `${profile.name} ns ${ns} ${edgeKey(item)}`,
        );
      }
    }
  });
});
