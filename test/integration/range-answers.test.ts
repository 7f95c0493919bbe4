/**
 * A range answer is the instant answer at every point: each point's numbers equal the instant
 * answer at that point's time, for a resource, a list and edges, at the instant answer's cost in
 * round trips (the same queries, sent once as query_range).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkerdSeries } from "../../src/dev/linkerd-series";
import type { RunningPrometheus } from "../../src/dev/prometheus-server";
import { defaultScenario } from "../../src/dev/scenario";
import type { ApiHandler } from "../../src/http/api-handler";
import type { RequestLog } from "../../src/http/request-log";
import { apiFor, call, scenarioPrometheus } from "../support/harness";

const scenario = defaultScenario();
const base = "/apis/metrics.smi-spec.io/v1alpha2";
// Six points a minute apart, each the 5 minutes ending there, all inside the data.
const START_S = scenario.endS - 5 * 60;
const range = `t=5m&start=${START_S}&end=${scenario.endS}&step=1m`;
const TIMES = Array.from({ length: 6 }, (_, i) => START_S + i * 60);

let prometheus: RunningPrometheus;
let api: ApiHandler;
/** Round trips of the last answer to each path, from the API's request log. */
const tripsOf = new Map<string, number>();

beforeAll(async () => {
  prometheus = await scenarioPrometheus(scenario, linkerdSeries);
  api = apiFor(
    { MESH: "linkerd", PROMETHEUS_URL: prometheus.url, CACHE_TTL: "0" },
    { log: (entry: RequestLog) => void tripsOf.set(entry.path, entry.roundTrips) },
  );
}, 60_000);
afterAll(async () => {
  await prometheus?.stop();
});

/** The answer at each point's time, asked as an instant answer, with its round trips. */
async function instantAnswers(path: string) {
  const answers = [];
  for (const time of TIMES) answers.push((await call(api, `${path}?t=5m&time=${time}`)).body);
  return answers;
}

describe("a range answer over a real Prometheus", () => {
  it("gives a resource's numbers at every point as the instant answer there, in one round trip", async () => {
    const path = `${base}/namespaces/shop/deployments/checkout`;
    const { status, body } = await call(api, `${path}?${range}`);
    expect(status).toBe(200);
    expect(tripsOf.get(path)).toBe(1);
    expect(body).toMatchObject({ kind: "TrafficMetricsSeries", window: "5m", step: "1m" });
    const instants = await instantAnswers(path);
    expect(body.points.map((p: { timestamp: string }) => p.timestamp)).toEqual(
      instants.map((i) => i.timestamp),
    );
    body.points.forEach((point: { metrics: unknown }, i: number) => {
      expect(point.metrics, `point ${i}`).toEqual(instants[i].metrics);
    });
    expect(body.edge).toEqual(instants[0].edge);
  });

  it("gives a list's items at every point as the instant lists there, in two round trips", async () => {
    const path = `${base}/namespaces/shop/deployments`;
    const { body } = await call(api, `${path}?${range}`);
    expect(tripsOf.get(path)).toBe(2);
    expect(body.kind).toBe("TrafficMetricsSeriesList");
    const instants = await instantAnswers(path);
    const names = (items: { resource: { name: string } }[]) => items.map((i) => i.resource.name);
    expect(names(body.items)).toEqual(names(instants[5].items));
    for (const [i, instant] of instants.entries()) {
      for (const item of instant.items) {
        const series = body.items.find(
          (s: { resource: { name: string } }) => s.resource.name === item.resource.name,
        );
        expect(series.points[i].metrics, `${item.resource.name} at point ${i}`).toEqual(item.metrics);
      }
    }
  });

  it("gives a resource's edges at every point, each with its side, in four round trips", async () => {
    const path = `${base}/namespaces/shop/deployments/checkout/edges`;
    const { body } = await call(api, `${path}?${range}`);
    expect(tripsOf.get(path)).toBe(4);
    const instants = await instantAnswers(path);
    const key = (e: { edge: { direction: string; side: string; resource: { name: string } } }) =>
      `${e.edge.direction}/${e.edge.side}/${e.edge.resource.name}`;
    expect(body.items.map(key)).toEqual(instants[5].items.map(key));
    for (const [i, instant] of instants.entries()) {
      for (const item of instant.items) {
        const series = body.items.find((s: Parameters<typeof key>[0]) => key(s) === key(item));
        expect(series.points[i].metrics, `${key(item)} at point ${i}`).toEqual(item.metrics);
      }
    }
  });
});
