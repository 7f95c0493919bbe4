/**
 * Bounds and bad input of range answers: every parameter out of bounds is a 400 `Status` that says
 * what is accepted (and where it suggests a step or a page size, the suggestion works), a Table of a
 * series is a 406, and a range the backend refuses is a `Status` that says so, never a partial
 * series. Over a real Prometheus holding one 160-pod deployment, so that a list can outgrow the
 * points an answer may hold.
 */
import type { ServerResponse } from "node:http";
import { gunzipSync } from "node:zlib";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { linkerdSeries } from "../../src/dev/linkerd-series";
import { OpenMetricsBuilder, type SeriesLabels } from "../../src/dev/openmetrics";
import type { RunningPrometheus } from "../../src/dev/prometheus-server";
import { type Scenario, stream, workload } from "../../src/dev/scenario";
import type { ApiHandler } from "../../src/http/api-handler";
import { apiFor, call, httpEvent, scenarioPrometheus } from "../support/harness";
import { type StubRequest, sendJson, stubServer } from "../support/stub-server";

/** Only the counter a Linkerd pod list is read from: 3 series a pod, not 33. */
class RequestCountsOnly extends OpenMetricsBuilder {
  override counter(name: string, labels: SeriesLabels, ratePerS: number): void {
    if (name === "response_total") super.counter(name, labels, ratePerS);
  }
}

const fleet = workload("big", "fleet", "deployment", 160);
const scenario: Scenario = {
  workloads: [fleet],
  streams: [stream(undefined, fleet, { rps: 160 })],
  startS: 1_764_000_000,
  endS: 1_764_000_000 + 15 * 60,
  stepS: 15,
};
const v1alpha2 = "/apis/metrics.smi-spec.io/v1alpha2";
const resource = `${v1alpha2}/namespaces/big/deployments/fleet`;
const pods = `${v1alpha2}/namespaces/big/pods`;
const END_S = scenario.endS;
/** SCRAPE_INTERVAL's default: the shortest step. */
const SCRAPE_S = 10;
/** A range of exactly `points` points at the shortest step, ending with the data. */
const spanOf = (points: number, stepS = SCRAPE_S) =>
  `start=${END_S - (points - 1) * stepS}&end=${END_S}&step=${stepS}s`;

let prometheus: RunningPrometheus;
let api: ApiHandler;

beforeAll(async () => {
  prometheus = await scenarioPrometheus(scenario, (s) => linkerdSeries(s, new RequestCountsOnly()));
  api = apiFor({ MESH: "linkerd", PROMETHEUS_URL: prometheus.url, CACHE_TTL: "0" });
}, 60_000);
afterAll(async () => {
  await prometheus?.stop();
});

/** An answer asked for gzip-compressed, as a Lambda response carries it (base64), read back. */
async function gzipped(path: string) {
  const response = await api(httpEvent("GET", path, { headers: { "accept-encoding": "gzip" } }));
  const bytes = Buffer.from(response.body ?? "", response.isBase64Encoded ? "base64" : "utf8");
  const text =
    response.headers?.["content-encoding"] === "gzip"
      ? gunzipSync(bytes).toString("utf8")
      : bytes.toString("utf8");
  return { status: response.statusCode ?? 200, body: JSON.parse(text) };
}

/** A 400 `Status` whose message matches `says`. */
async function expectBadRequest(path: string, says: RegExp) {
  const { status, body } = await call(api, path);
  expect(status, `${path}: ${JSON.stringify(body)}`).toBe(400);
  expect(body).toMatchObject({ kind: "Status", status: "Failure", reason: "BadRequest", code: 400 });
  expect(body.message).toMatch(says);
  return body.message as string;
}

describe("a range's parameters out of bounds", () => {
  it.each([
    [
      "a step below SCRAPE_INTERVAL",
      `t=1m&start=${END_S - 600}&end=${END_S}&step=5s`,
      /^invalid step: 5s is shorter than the scrape interval; expected a duration such as 1m or 5m, at least SCRAPE_INTERVAL \(10s\)/,
    ],
    [
      "a step that is not a duration",
      `t=1m&start=${END_S - 600}&end=${END_S}&step=fast`,
      /^invalid step: "fast" is not a duration; expected a duration such as 1m or 5m, at least SCRAPE_INTERVAL \(10s\)$/,
    ],
    [
      "a zero step",
      `t=1m&start=${END_S - 600}&end=${END_S}&step=0s`,
      /^invalid step: "0s" is not a duration; expected a duration such as 1m or 5m/,
    ],
    [
      "a start that is not a time",
      `t=1m&start=yesterday&end=${END_S}`,
      /^invalid start: "yesterday" is not a time; expected RFC 3339 \(2026-11-25T09:00:00Z\) or Unix seconds/,
    ],
    [
      "a start equal to end",
      `t=1m&start=${END_S}&end=${END_S}`,
      /^invalid start: .* is not before end .*; a range runs from start to a later end$/,
    ],
    [
      "a start after end",
      `t=1m&start=${END_S + 60}&end=${END_S}`,
      /^invalid start: .* is not before end .*; a range runs from start to a later end$/,
    ],
    [
      "an end in the future",
      `t=1m&start=${END_S}&end=${Math.floor(Date.now() / 1000) + 3600}`,
      /^invalid end: .* is in the future \(now is .*\); there is no traffic to measure there yet\. Give a time up to now, or leave end out for now$/,
    ],
    [
      "time beside start",
      `t=1m&start=${END_S - 600}&time=${END_S}`,
      /^"time" is the end of an instant answer, and a range runs from "start" to "end": give "end" \(or leave it out for now\) instead of "time"$/,
    ],
    [
      "end without start",
      `t=1m&end=${END_S}`,
      /^"end" and "step" make a range only with "start": give start \(RFC 3339 or Unix seconds\), or leave end and step out for an instant answer$/,
    ],
    ["step without start", `t=1m&time=${END_S}&step=1m`, /^"end" and "step" make a range only with "start"/],
    [
      "a window out of bounds",
      `t=5s&start=${END_S - 600}&end=${END_S}`,
      /^invalid t: 5s is out of range; expected a duration such as 30s, 5m or 1h, at least 10s and at most 24h$/,
    ],
    [
      "a parameter a range does not read",
      `t=1m&start=${END_S - 600}&end=${END_S}&from=1`,
      /^unknown query parameter "from"; accepted: t, window, time, start, end, step/,
    ],
  ])("answers %s with a 400 that says what is accepted", async (_what, query, says) => {
    await expectBadRequest(`${resource}?${query}`, says);
    await expectBadRequest(`${pods}?${query}`, says);
  });

  it("takes a step of SCRAPE_INTERVAL as configured, and refuses one below it", async () => {
    const slow = apiFor({ MESH: "linkerd", PROMETHEUS_URL: prometheus.url, SCRAPE_INTERVAL: "30s" });
    const below = await call(slow, `${resource}?t=1m&start=${END_S - 600}&end=${END_S}&step=15s`);
    expect(below.status).toBe(400);
    expect(below.body.message).toMatch(
      /^invalid step: 15s is shorter than the scrape interval; expected a duration such as 1m or 5m, at least SCRAPE_INTERVAL \(30s\)/,
    );
    const at = await call(slow, `${resource}?t=1m&start=${END_S - 600}&end=${END_S}&step=30s`);
    expect(at.status).toBe(200);
    expect(at.body.points).toHaveLength(21);
  });

  it("answers 1000 points, and for 1001 suggests a step that does fit", async () => {
    const most = await call(api, `${resource}?t=1m&${spanOf(1000)}`);
    expect(most.status).toBe(200);
    expect(most.body.points).toHaveLength(1000);
    for (const [points, stepS] of [
      [1001, SCRAPE_S],
      [5000, 60],
      [100_000, 15],
    ] as const) {
      const message = await expectBadRequest(
        `${resource}?t=1m&${spanOf(points, stepS)}`,
        new RegExp(
          `^the range from start to end every .* is ${points} points, over the 1000 a range answer may have per object; give a step of at least \\S+, or a shorter range$`,
        ),
      );
      const suggested = /give a step of at least (\S+),/.exec(message)?.[1] as string;
      const fits = await call(
        api,
        `${resource}?t=1m&${spanOf(points, stepS).replace(/step=\w+/, `step=${suggested}`)}`,
      );
      expect(fits.status, `step=${suggested} for ${points} points`).toBe(200);
      expect(fits.body.points.length).toBeLessThanOrEqual(1000);
      expect(fits.body.points.length).toBeGreaterThan(900);
    }
  });

  it("refuses a list over the points one answer may hold, names the limit that fits, and pages at that limit", async () => {
    const range = `t=1m&${spanOf(1000)}`;
    await expectBadRequest(
      `${pods}?${range}`,
      /^this range answer would hold 160 items × 1000 points = 160000 points, over the 150000 one answer may hold \(it must fit Lambda's 6 MB response\): ask for pages of at most limit=150 with Accept-Encoding: gzip \(without it a page that large is a 406 naming the limit that fits\), or a larger step$/,
    );
    await expectBadRequest(
      `${pods}?${range}&limit=200`,
      /ask for pages of at most limit=150 with Accept-Encoding: gzip/,
    );
    // 150 items × 1000 points fit a Lambda response compressed, as every HTTP client but curl asks for.
    const first = await gzipped(`${pods}?${range}&limit=150`);
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(150);
    expect(first.body.metadata.remainingItemCount).toBe(10);
    const token = encodeURIComponent(first.body.metadata.continue);
    const rest = await gzipped(`${pods}?${range}&limit=150&continue=${token}`);
    expect(rest.status).toBe(200);
    expect(rest.body.items).toHaveLength(10);
    const names = [...first.body.items, ...rest.body.items].map(
      (i: { resource: { name: string } }) => i.resource.name,
    );
    expect(new Set(names)).toEqual(new Set(fleet.pods));
  });

  it("names the smaller page that fits a response without compression, and that page works", async () => {
    const range = `t=1m&${spanOf(1000)}`;
    const { status, body } = await call(api, `${pods}?${range}&limit=150`);
    expect(status).toBe(406);
    expect(body.message).toMatch(
      /over the 6,291,456 bytes a Lambda response may carry; it fits compressed .*: send Accept-Encoding: gzip, or ask for pages with \?limit=\d+ and follow metadata\.continue$/,
    );
    const limit = /\?limit=(\d+)/.exec(body.message)?.[1];
    const page = await call(api, `${pods}?${range}&limit=${limit}`);
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(Number(limit));
  });

  it("serves ranges in v1alpha2 only", async () => {
    for (const path of ["/namespaces/big/deployments/fleet", "/namespaces/big/pods"]) {
      const { status, body } = await call(
        api,
        `/apis/metrics.smi-spec.io/v1alpha1${path}?t=1m&start=${END_S - 600}&end=${END_S}`,
      );
      expect(status).toBe(400);
      expect(body).toMatchObject({ kind: "Status", code: 400 });
      expect(body.message).toMatch(
        /^ranges \(start, end, step\) are served in v1alpha2 only: ask \/apis\/metrics\.smi-spec\.io\/v1alpha2\/\.\.\. instead of v1alpha1$/,
      );
    }
  });

  it("answers a kubectl Table of a range with a 406: a series has no Table form", async () => {
    const accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
    for (const path of [resource, pods]) {
      const query = `t=1m&start=${END_S - 600}&end=${END_S}&step=1m`;
      const response = await api(
        httpEvent("GET", `${path}?${query}`, {
          headers: { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" },
        }),
      );
      expect(response.statusCode).toBe(406);
      const body = JSON.parse(response.body ?? "");
      expect(body).toMatchObject({ kind: "Status", reason: "NotAcceptable", code: 406 });
      expect(body.message).toMatch(
        /^a range answer \(start, end, step\) is a TrafficMetricsSeries, which has no Table form: ask for application\/json/,
      );
      // kubectl's usual Accept, with JSON as its fallback, is still a 406: the Table is what it prefers.
      const preferring = await api(httpEvent("GET", `${path}?${query}`, { headers: { accept } }));
      expect(preferring.statusCode).toBe(406);
    }
  });
});

/** Labels that name the deployment, a pod of it, and it as a peer, on one series. */
const PARTIAL_LABELS = {
  direction: "inbound",
  namespace: "big",
  deployment: "fleet",
  pod: fleet.pods[0] as string,
  dst_namespace: "big",
  dst_deployment: "fleet",
  classification: "success",
};

/** What a backend answered to a range it refuses or fails midway. */
const REFUSALS: readonly {
  what: string;
  answer: (req: StubRequest, res: ServerResponse) => void;
  says: RegExp;
  code: number;
}[] = [
  {
    what: "Prometheus' own points limit (HTTP 400, bad_data)",
    answer: (_req, res) =>
      sendJson(res, 400, {
        status: "error",
        errorType: "bad_data",
        error:
          "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)",
      }),
    says: /^Prometheus answered HTTP 400 \(bad_data\): exceeded maximum resolution of 11,000 points per timeseries/,
    code: 502,
  },
  {
    what: "Prometheus' samples limit (HTTP 422, execution)",
    answer: (_req, res) =>
      sendJson(res, 422, {
        status: "error",
        errorType: "execution",
        error: "query processing would load too many samples into memory in query execution",
      }),
    says: /^Prometheus answered HTTP 422 \(execution\): query processing would load too many samples into memory/,
    code: 502,
  },
  {
    what: "VictoriaMetrics' points limit (HTTP 422)",
    answer: (_req, res) =>
      sendJson(res, 422, {
        status: "error",
        errorType: "422",
        error:
          'error when executing query="..." on the time range (start=..., end=..., step=10000): cannot evaluate "...": too many points for the given step=10000, start=... and end=...: 1001; the maximum number of points is 1000 (see -search.maxPointsPerTimeseries)',
      }),
    says: /-search\.maxPointsPerTimeseries/,
    code: 502,
  },
  {
    what: "a VictoriaMetrics cluster whose storage nodes did not all answer (isPartial)",
    // Series that name the deployment, its pods and its edges: a partial answer would read as traffic.
    answer: (req, res) =>
      sendJson(res, 200, {
        status: "success",
        isPartial: true,
        data: req.url.endsWith("/query_range")
          ? { resultType: "matrix", result: [{ metric: PARTIAL_LABELS, values: [[END_S - 600, "1"]] }] }
          : { resultType: "vector", result: [] },
      }),
    says: /^Prometheus answered a partial response \(isPartial: true\)/,
    code: 502,
  },
  {
    what: "a range whose answer breaks off after its first series",
    answer: (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write(
        '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"classification":"success"},"values":[[1764000600,"1"],',
      );
      setTimeout(() => res.destroy(), 20);
    },
    says: /^Prometheus at .* is unreachable/,
    code: 503,
  },
];

describe("a range the backend refuses", () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  it.each(REFUSALS)(
    "is a Status that says so for $what, never a partial series",
    async ({ answer, says, code }) => {
      const stub = await stubServer((req, res) => answer(req, res));
      closers.push(stub.close);
      const over = apiFor({
        MESH: "linkerd",
        PROMETHEUS_URL: stub.url,
        CACHE_TTL: "0",
        PROMETHEUS_RETRY_ATTEMPTS: "1",
      });
      for (const path of [resource, pods, `${resource}/edges`]) {
        const { status, body } = await call(over, `${path}?t=1m&start=${END_S - 600}&end=${END_S}&step=1m`);
        expect(status, JSON.stringify(body)).toBe(code);
        expect(body).toMatchObject({ kind: "Status", status: "Failure", code });
        expect(body.message).toMatch(says);
        expect(body).not.toHaveProperty("points");
        expect(body).not.toHaveProperty("items");
      }
      expect(stub.requests.every((r) => r.url.endsWith("/api/v1/query_range"))).toBe(true);
    },
  );
});
