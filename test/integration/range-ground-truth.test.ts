/**
 * Ground truth that moves: traffic whose rates, failures and latencies change at known times (a
 * step in frontend's calls to checkout, a five-minute spike of checkout's failures, a workload that
 * starts mid-range, checkout getting slower), backfilled into a real Prometheus, and range answers
 * over twenty minutes across the changes on every mesh profile (Cilium's under its L7 policies: pairs
 * both agents report, server-only pairs, a client-only pair that moves too, an L4-only DaemonSet).
 * Every point of every answer equals Prometheus' own `query_range` of the profile's reference queries
 * (reference-queries.ts), counts within 0.001 and latencies within 0.02%, and every answer costs the
 * round trips of the instant answer at its end.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ciliumMovingScenario } from "../../src/dev/cilium-scenario";
import { type ConsulDouble, startConsulDouble } from "../../src/dev/consul-double";
import { consulCatalog, IDLE_CATALOG_SERVICE } from "../../src/dev/consul-series";
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
import { writeSeries } from "../../src/dev/series";
import { type MeshProfile, PROFILES } from "../support/conformance-profiles";
import { findWorkload, servesL7 } from "../support/ground-truth";
import { type CountingApi, call, countingApiFor } from "../support/harness";
import { expectPointsMatch, iso, type Point, type PointRange, timesOf } from "../support/range-points";
import { type MeshReferences, REFERENCES, type Reference } from "../support/reference-queries";
import { metricsOf, warningsOf } from "../support/smi-assert";

const base = "/apis/metrics.smi-spec.io/v1alpha2";
const CONSUL_TOKEN = "range-read";
const main = movingScenario();
/** Profiles whose scenario is not the default one, each moving in its own Prometheus. */
const OWN_DATA: Readonly<Record<string, MovingScenario>> = {
  "istio-ambient": movingScenario(ambientScenario()),
  cilium: ciliumMovingScenario(),
};
/** Points every 30 s, each the minute ending there, from 5 minutes into the data to its end. */
const RANGE: PointRange = { window: "1m", startS: main.startS + 5 * 60, endS: main.endS, stepS: 30 };
const TIMES = timesOf(RANGE);
const range = `t=${RANGE.window}&start=${RANGE.startS}&end=${RANGE.endS}&step=${RANGE.stepS}s`;
const instant = `t=${RANGE.window}&time=${RANGE.endS}`;

const prometheuses: RunningPrometheus[] = [];
/** The Prometheus each profile's API and references read, by profile name. */
const urls = new Map<string, string>();
let consul: ConsulDouble;
const apis = new Map<string, CountingApi>();

const backfill = (moving: MovingScenario, write: Parameters<typeof movingSeries>[1]) =>
  startPrometheus({ series: movingSeries(moving, write), ...moving });

/** Profiles read from the default scenario's Prometheus, and those with their own, in that order. */
const SHARED = PROFILES.filter((p) => OWN_DATA[p.name] === undefined);
const OWNING = PROFILES.filter((p) => OWN_DATA[p.name] !== undefined);

beforeAll(async () => {
  const [prometheus, ...owned] = await Promise.all([
    // Every mesh whose profile reads the default scenario, in one Prometheus: their names do not overlap.
    backfill(main, (s, om) => {
      for (const mesh of new Set(SHARED.map((p) => p.mesh))) writeSeries(mesh, s, om);
    }),
    ...OWNING.map((p) => backfill(OWN_DATA[p.name] as MovingScenario, (s, om) => writeSeries(p.mesh, s, om))),
  ]);
  prometheuses.push(prometheus, ...owned);
  for (const p of SHARED) urls.set(p.name, prometheus.url);
  for (const [i, p] of OWNING.entries()) urls.set(p.name, (owned[i] as RunningPrometheus).url);
  consul = await startConsulDouble({
    catalog: consulCatalog(finalScenario(main), [IDLE_CATALOG_SERVICE]),
    metricsProxyBaseUrl: prometheus.url,
    tokens: { [CONSUL_TOKEN]: { wildcardRead: true } },
  });
  // Consul's API reads through its own metrics proxy; every other mesh's reads its profile's Prometheus.
  const consulEnv = { CONSUL_HTTP_ADDR: consul.url, CONSUL_HTTP_TOKEN: CONSUL_TOKEN };
  for (const { name, mesh } of PROFILES) {
    const env = mesh === "consul" ? consulEnv : { PROMETHEUS_URL: urls.get(name) as string };
    apis.set(name, countingApiFor({ MESH: mesh, ...env }));
  }
}, 120_000);

afterAll(async () => {
  await consul?.close();
  await Promise.all(prometheuses.map((p) => p.stop()));
});

/**
 * The range answer to `path` beside the instant answer at its end: the same round trips and the
 * same Warnings (said once per answer, not per point).
 */
async function rangeAnswer(profile: MeshProfile, path: string, trips?: number) {
  const { api, lastTrips } = apis.get(profile.name) as CountingApi;
  const atEnd = await call(api, `${path}?${instant}`);
  const instantTrips = lastTrips();
  const answer = await call(api, `${path}?${range}`);
  expect(answer.status, `${path}: ${JSON.stringify(answer.body)}`).toBe(200);
  expect(lastTrips(), `${profile.name} ${path} round trips`).toBe(instantTrips);
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

describe.each(PROFILES)("$name range answers over moving traffic", (profile) => {
  const moving = OWN_DATA[profile.name] ?? main;
  const s = finalScenario(moving);
  const mesh = REFERENCES[profile.name] as MeshReferences;
  /** Every point of `points` equals the profile's references asked of its Prometheus. */
  const expectPoints = (points: readonly Point[], ref: Reference, label: string) =>
    expectPointsMatch(urls.get(profile.name) as string, RANGE, mesh, points, ref, label);
  const pathOf = (w: Workload) => {
    const { kind, name } = profile.resourceOf(w);
    return `${base}/namespaces/${w.namespace}/${kind}/${name}`;
  };

  it("answers every workload's own traffic at every point as Prometheus' query_range, in one round trip", async () => {
    for (const w of s.workloads) {
      const { body, atEnd } = await rangeAnswer(profile, pathOf(w), servesL7(w) ? 1 : undefined);
      expect(body.kind).toBe("TrafficMetricsSeries");
      expect(body.edge).toEqual({ ...atEnd.edge, side: "server" });
      await expectPoints(body.points, mesh.resource(s, w), `${profile.name} ${w.name}`);
    }
  });

  it("follows every move: the step, the spike and its end, the new workload and the slower latency, on Cilium at a pair read at the client too", async () => {
    const at = (points: Point[], afterS: number) => {
      const i = TIMES.indexOf(moving.startS + afterS);
      return metricsOf(points[i] as Point);
    };
    // A move where the mesh reports no requests (Istio's ztunnel, Cilium without an ingress L7 policy)
    // would leave every answer at zero, and zero matches any reference.
    const moved = [findWorkload(s, "shop", "checkout"), findWorkload(s, "shop", "search")];
    expect(
      moved.filter((w) => !servesL7(w)).map((w) => w.name),
      "moved workloads without L7",
    ).toEqual([]);
    // Cilium's writer stands a data plane in for a missing policy; its references read only a policy set.
    if (profile.mesh === "cilium")
      expect(
        moved.map((w) => w.l7Policy?.ingress),
        "moved workloads' ingress L7 policy",
      ).toEqual([true, true]);
    const checkout = (await rangeAnswer(profile, pathOf(moved[0] as Workload))).body.points;
    expect(at(checkout, MOVES.step + 120).success).toBeGreaterThan(
      1.5 * (at(checkout, MOVES.step - 60).success ?? 0),
    );
    const before = at(checkout, MOVES.spikeStarts - 60).failure ?? 0;
    expect(at(checkout, MOVES.spikeStarts + 150).failure).toBeGreaterThan(5 * before);
    expect(at(checkout, MOVES.spikeEnds + 120).failure).toBeLessThan(2 * before);
    expect(at(checkout, MOVES.slower + 120).p50).toBeGreaterThan(
      1.5 * (at(checkout, MOVES.slower - 60).p50 ?? 0),
    );
    const search = (await rangeAnswer(profile, pathOf(moved[1] as Workload))).body.points;
    TIMES.forEach((t, i) => {
      const requests = (metricsOf(search[i]).success ?? 0) + (metricsOf(search[i]).failure ?? 0);
      if (t <= moving.startS + MOVES.searchStarts) expect(requests, iso(t)).toBe(0);
      else expect(requests, iso(t)).toBeGreaterThan(0);
    });
    if (profile.mesh !== "cilium") return;
    // Cilium reads a pair at the client only where the server's agent has none of it: cart, without
    // L7 policy, under frontend's egress one. Without such a pair no answer would need the client's series.
    const edges = (await rangeAnswer(profile, `${pathOf(findWorkload(s, "shop", "frontend"))}/edges`)).body
      .items as EdgeItem[];
    expect(edges.map(edgeKey), "frontend's edge to cart, read at the client").toContain(
      "to|shop/cart|client",
    );
    const toCart = (edges.find((e) => edgeKey(e) === "to|shop/cart|client") as EdgeItem).points;
    expect(at(toCart, MOVES.step + 120).success).toBeGreaterThan(
      1.5 * (at(toCart, MOVES.step - 60).success ?? 0),
    );
    expect(at(toCart, MOVES.slower + 120).p50).toBeGreaterThan(
      1.5 * (at(toCart, MOVES.slower - 60).p50 ?? 0),
    );
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
        const ref = w === undefined ? { counters: [], buckets: [] } : mesh.resource(s, w);
        if (w === undefined) expect(item.resource.name).toBe(IDLE_CATALOG_SERVICE.name);
        await expectPoints(item.points, ref, `${profile.name} list ${item.resource.name}`);
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
        await expectPoints(item.points, edge.reference, `${profile.name} ${w.name} ${edgeKey(item)}`);
      }
    }
  });

  it("answers every namespace, and its edges where the mesh serves them, at every point as Prometheus' query_range", async () => {
    for (const ns of profile.namespaces) {
      const { body } = await rangeAnswer(profile, `${base}/namespaces/${ns}`);
      await expectPoints(body.points, mesh.namespace(s, ns), `${profile.name} namespace ${ns}`);
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
        await expectPoints(item.points, edge.reference, `${profile.name} ns ${ns} ${edgeKey(item)}`);
      }
    }
  });
});
