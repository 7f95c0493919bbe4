/**
 * A kind-wide edges answer (`namespaces/{ns}/{kind}/-/edges`) is every resource's edges answer in
 * one: the same items, at the cost of one resource's edges, on every mesh over a real Prometheus.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningPrometheus } from "../../src/dev/prometheus-server";
import { defaultScenario } from "../../src/dev/scenario";
import { allMeshSeries } from "../../src/dev/series";
import type { ApiHandler } from "../../src/http/api-handler";
import type { RequestLog } from "../../src/http/request-log";
import { apiFor, call, scenarioPrometheus } from "../support/harness";

const scenario = defaultScenario();
const base = "/apis/metrics.smi-spec.io/v1alpha2";
const at = `t=5m&time=${scenario.endS}`;
const MESHES = [
  ["linkerd", "deployments"],
  ["istio", "deployments"],
  ["consul", "services"],
] as const;

let prometheus: RunningPrometheus;
const apis = new Map<string, ApiHandler>();
const tripsOf = new Map<string, number>();

beforeAll(async () => {
  prometheus = await scenarioPrometheus(scenario, (s) => allMeshSeries(s));
  for (const [mesh] of MESHES) {
    const log = (entry: RequestLog) => void tripsOf.set(`${mesh} ${entry.path}`, entry.roundTrips);
    apis.set(mesh, apiFor({ MESH: mesh, PROMETHEUS_URL: prometheus.url, CACHE_TTL: "0" }, { log }));
  }
}, 60_000);
afterAll(async () => {
  await prometheus?.stop();
});

type Item = {
  resource: { name: string };
  edge: { direction: string; side: string; resource: { name: string } };
  metrics: unknown;
};
const key = (i: Item) => `${i.resource.name} ${i.edge.direction} ${i.edge.resource.name} ${i.edge.side}`;

describe.each(MESHES)("every %s edge of every %s in a namespace", (mesh, kind) => {
  it("is each resource's edges answer, item for item, at one resource's edges' cost", async () => {
    const api = apis.get(mesh) as ApiHandler;
    for (const namespace of ["shop", "payments"]) {
      const path = `${base}/namespaces/${namespace}/${kind}/-/edges`;
      const { status, body } = await call(api, `${path}?${at}`);
      expect(status, path).toBe(200);
      expect(body).toMatchObject({ kind: "TrafficMetricsList", resource: { namespace } });
      const list = (await call(api, `${base}/namespaces/${namespace}/${kind}?${at}`)).body;
      const expected: Item[] = [];
      let mostTrips = 0;
      for (const item of list.items) {
        const one = `${base}/namespaces/${namespace}/${kind}/${item.resource.name}/edges`;
        expected.push(...(await call(api, `${one}?${at}`)).body.items);
        mostTrips = Math.max(mostTrips, tripsOf.get(`${mesh} ${one}`) ?? 0);
      }
      expect(expected.length, `${mesh} ${namespace} has edges`).toBeGreaterThan(0);
      expect(body.items.map(key).sort()).toEqual(expected.map(key).sort());
      for (const item of expected) {
        const same = body.items.find((i: Item) => key(i) === key(item));
        expect(same.metrics, key(item)).toEqual(item.metrics);
      }
      // No more than the costliest single resource's edges (two per direction, and a placement).
      expect(tripsOf.get(`${mesh} ${path}`)).toBeLessThanOrEqual(mostTrips);
    }
  });

  it("answers a range of it too, every point each edge's instant answer there", async () => {
    const api = apis.get(mesh) as ApiHandler;
    const path = `${base}/namespaces/shop/${kind}/-/edges`;
    const start = scenario.endS - 120;
    const { body } = await call(api, `${path}?t=5m&start=${start}&end=${scenario.endS}&step=1m`);
    expect(body.kind).toBe("TrafficMetricsSeriesList");
    const instant = (await call(api, `${path}?${at}`)).body;
    expect(body.items.map(key)).toEqual(instant.items.map(key));
    body.items.forEach((item: { points: { metrics: unknown }[] }, i: number) => {
      expect(item.points.at(-1)?.metrics).toEqual(instant.items[i].metrics);
    });
  });
});
