/**
 * Range lists in pages, and a split's backends over a range, on a real Prometheus holding the
 * canaries whose shares move: web's canary and search's v2 take more traffic ten minutes in. Pages
 * of a range are measured at the end the first page pinned, in any container, with tokens bound to
 * the range's start and step; a split's backends are read through the Kubernetes API double, their
 * numbers and traffic_share at every point equal to Prometheus' own query_range of the references.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CANARY_NAMESPACE, withCanaries } from "../../src/dev/canary";
import type { KubernetesDouble } from "../../src/dev/kubernetes-double";
import { changeStreams, type MovingScenario, movingSeries } from "../../src/dev/moving-scenario";
import { type RunningPrometheus, startPrometheus } from "../../src/dev/prometheus-server";
import { defaultScenario, type Stream } from "../../src/dev/scenario";
import { allMeshSeries } from "../../src/dev/series";
import { canaryKubernetes, kubernetesEnv } from "../support/cluster-doubles";
import { apiFor, call } from "../support/harness";
import { iso, queryRange, timesOf } from "../support/range-points";
import { REFERENCES, referenceQueries } from "../support/reference-queries";
import { expectCount, expectMatchesTruth, parseQuantity, warningsOf } from "../support/smi-assert";

const SHIFT_S = 600;
const steady = withCanaries(defaultScenario());
const to = (name: string, apex: string) => (x: Stream) => x.to.name === name && x.via?.apex === apex;
const shifted = changeStreams(
  changeStreams(steady, to("web-canary", "web"), () => ({ rps: 6 })),
  to("search-v2", "search"),
  () => ({ rps: 3 }),
);
const moving: MovingScenario = {
  segments: [
    { fromS: steady.startS, scenario: steady },
    { fromS: steady.startS + SHIFT_S, scenario: shifted },
  ],
  startS: steady.startS,
  endS: steady.startS + 20 * 60,
  stepS: steady.stepS,
};
const base = "/apis/metrics.smi-spec.io/v1alpha2";
const STEP_S = 30;
const START_S = moving.startS + 5 * 60;
const END_S = moving.endS;
const TIMES = timesOf({ startS: START_S, endS: END_S, stepS: STEP_S });

let prometheus: RunningPrometheus;
let kubernetes: KubernetesDouble;

beforeAll(async () => {
  prometheus = await startPrometheus({
    series: movingSeries(moving, (s, om) => allMeshSeries(s, om)),
    ...moving,
  });
  kubernetes = await canaryKubernetes();
}, 90_000);
afterAll(async () => {
  await kubernetes?.close();
  await prometheus?.stop();
});

/** A fresh api (another container: nothing cached) of `mesh` whose clock reads `nowS`. */
const apiAt = (mesh: string, nowS: number) =>
  apiFor(
    {
      MESH: mesh,
      PROMETHEUS_URL: prometheus.url,
      ...kubernetesEnv(kubernetes),
    },
    { now: () => new Date(nowS * 1000) },
  );

describe("a range list in pages", () => {
  const pods = `${base}/namespaces/${CANARY_NAMESPACE}/pods`;
  // No end: the first page's clock is the end, which its token pins for every later page.
  const asked = `t=1m&start=${START_S}&step=${STEP_S}s`;

  /** Every page from the first, each asked two minutes after the one before, of another container. */
  async function pagesOf(query: string) {
    const pages = [];
    let token: string | undefined;
    for (let n = 0; n === 0 || token !== undefined; n++) {
      const api = apiAt("linkerd", END_S + 120 * n);
      const next = token === undefined ? "" : `&continue=${encodeURIComponent(token)}`;
      const { status, body } = await call(api, `${pods}?${query}${next}`);
      expect(status, JSON.stringify(body)).toBe(200);
      pages.push(body);
      token = body.metadata.continue;
    }
    return pages;
  }

  it("measures every page at the end the first pinned, and the pages make the whole list", async () => {
    const pages = await pagesOf(`${asked}&limit=3`);
    expect(pages.length).toBe(3);
    for (const page of pages) {
      expect(page).toMatchObject({
        kind: "TrafficMetricsSeriesList",
        start: iso(START_S),
        end: iso(END_S),
        step: "30s",
      });
      for (const item of page.items)
        expect(item.points.map((p: { timestamp: string }) => p.timestamp)).toEqual(TIMES.map(iso));
    }
    const whole = await call(apiAt("linkerd", END_S + 600), `${pods}?${asked}&end=${END_S}`);
    expect(pages.flatMap((p) => p.items)).toEqual(whole.body.items);
  });

  it.each([
    [
      "another step",
      `t=1m&start=${START_S}&step=1m&limit=3`,
      /^invalid continue: the token belongs to another query; send it with the same path, window \(t\), start and step as the page it came with$/,
    ],
    [
      "another start",
      `t=1m&start=${START_S + 30}&step=${STEP_S}s&limit=3`,
      /^invalid continue: the token belongs to another query; send it with the same path, window \(t\), start and step/,
    ],
    ["an instant answer", "t=1m&limit=3", /^invalid continue: the token belongs to another query/],
    [
      "another end",
      `${asked}&end=${END_S - 60}&limit=3`,
      /^invalid continue: the token is for end .*, and end says .*; leave end out or give the same one$/,
    ],
  ])("refuses a token with %s", async (_what, query, says) => {
    const [first] = await pagesOf(`${asked}&limit=3`).then((pages) => pages.slice(0, 1));
    const token = encodeURIComponent(first.metadata.continue);
    const { status, body } = await call(apiAt("linkerd", END_S + 60), `${pods}?${query}&continue=${token}`);
    expect(status).toBe(400);
    expect(body.message).toMatch(says);
  });

  it("takes the pinned end given again as end", async () => {
    const first = (await call(apiAt("linkerd", END_S), `${pods}?${asked}&limit=3`)).body;
    const token = encodeURIComponent(first.metadata.continue);
    const again = await call(
      apiAt("linkerd", END_S + 60),
      `${pods}?${asked}&end=${END_S}&limit=3&continue=${token}`,
    );
    expect(again.status).toBe(200);
    expect(again.body.end).toBe(iso(END_S));
  });
});

type SplitItem = {
  backend: { apex: string; name: string; weight: number };
  points: { timestamp: string; metrics: { name: string; value: string | null }[] }[];
};

/** Prometheus' own query_range over the answer's points, by Unix second. */
const queryPoints = (query: string) =>
  queryRange(prometheus.url, { startS: START_S, endS: END_S, stepS: STEP_S }, query);

/** A backend's references: the Service's requests as its callers' proxies report them. */
const BACKENDS = {
  istio: (service: string) => ({
    counters: [
      {
        metric: "istio_requests_total",
        matchers: [
          'reporter="source"',
          'destination_workload!="unknown"',
          `destination_service_namespace="${CANARY_NAMESPACE}"`,
          `destination_service_name="${service}"`,
        ],
      },
    ],
    buckets: [
      {
        metric: "istio_request_duration_milliseconds_bucket",
        matchers: [
          'reporter="source"',
          'destination_workload!="unknown"',
          `destination_service_namespace="${CANARY_NAMESPACE}"`,
          `destination_service_name="${service}"`,
        ],
      },
    ],
  }),
  linkerd: (service: string) => ({
    counters: [
      {
        metric: "response_total",
        matchers: ['direction="outbound"', `dst_namespace="${CANARY_NAMESPACE}"`, `dst_service="${service}"`],
      },
    ],
    buckets: [
      {
        metric: "response_latency_ms_bucket",
        matchers: ['direction="outbound"', `dst_namespace="${CANARY_NAMESPACE}"`, `dst_service="${service}"`],
      },
    ],
  }),
};

describe("a split's backends over a range", () => {
  it.each([
    { mesh: "istio" as const, split: "web", backends: ["web-primary", "web-canary"] },
    { mesh: "linkerd" as const, split: "search", backends: ["search-v1", "search-v2"] },
  ])(
    "gives each backend of $mesh's $split its numbers and traffic_share at every point",
    async ({ mesh, split, backends }) => {
      const path = `${base}/namespaces/${CANARY_NAMESPACE}/trafficsplits/${split}`;
      const api = apiAt(mesh, END_S);
      const { status, body, headers } = await call(
        api,
        `${path}?t=1m&start=${START_S}&end=${END_S}&step=${STEP_S}s`,
      );
      expect(status, JSON.stringify(body)).toBe(200);
      expect(body.kind).toBe("TrafficMetricsSeriesList");
      const items = body.items as SplitItem[];
      expect(items.map((i) => i.backend.name)).toEqual(backends);
      const instant = await call(api, `${path}?t=1m&time=${END_S}`);
      expect(warningsOf(headers)).toEqual(warningsOf(instant.headers));
      const rules = REFERENCES[mesh] as (typeof REFERENCES)[string];
      const refs = await Promise.all(
        backends.map(async (service) => {
          const q = referenceQueries(rules, BACKENDS[mesh](service), "1m");
          const [success, failure, p50, p90, p99] = await Promise.all(
            [q.success, q.failure, ...q.quantiles].map(queryPoints),
          );
          return { success, failure, p50, p90, p99 } as Record<string, Map<number, number>>;
        }),
      );
      const requests = (r: (typeof refs)[number], t: number) =>
        (r.success?.get(t) ?? 0) + (r.failure?.get(t) ?? 0);
      items.forEach((item, b) => {
        const ref = refs[b] as (typeof refs)[number];
        expect(item.points.map((p) => p.timestamp)).toEqual(TIMES.map(iso));
        item.points.forEach((point, i) => {
          const t = TIMES[i] as number;
          const latency = (m: Map<number, number> | undefined) => {
            const v = m?.get(t);
            return v === undefined || Number.isNaN(v) ? null : v;
          };
          const label = `${mesh} ${split}/${item.backend.name} at ${iso(t)}`;
          expectMatchesTruth(
            point,
            {
              success: ref.success?.get(t) ?? 0,
              failure: ref.failure?.get(t) ?? 0,
              p50: latency(ref.p50),
              p90: latency(ref.p90),
              p99: latency(ref.p99),
            },
            label,
          );
          const total = refs.reduce((sum, r) => sum + requests(r, t), 0);
          const share = point.metrics.find((m) => m.name === "traffic_share")?.value as string;
          expectCount(
            parseQuantity(share),
            total > 0 ? requests(ref, t) / total : 0,
            `${label} traffic_share`,
          );
        });
      });
      // The shares move: the second backend's grows after the shift.
      const canary = items[1] as SplitItem;
      const shareAt = (s: number) =>
        parseQuantity(
          canary.points[TIMES.indexOf(s)]?.metrics.find((m) => m.name === "traffic_share")?.value as string,
        );
      expect(shareAt(moving.startS + SHIFT_S + 120)).toBeGreaterThan(
        1.5 * shareAt(moving.startS + SHIFT_S - 60),
      );
    },
  );
});
