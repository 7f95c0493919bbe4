/**
 * Istio's choice of one reporter per pair of workloads, on real data through a real Prometheus 2.42
 * scraping it live in both histogram forms. A namespace's edges add up several pairs of workloads;
 * each pair is read from its best reporter (`source`, else the server's `waypoint` or
 * `destination`), so one edge can have a client side and a server side. Here `shop` mixes a sidecar
 * client (reported at both ends) with an ambient one (seen only by the server's waypoint or
 * sidecar) calling the same servers at very different latencies: the server side of `shop →
 * payments` must hold the ambient client's requests only, not the sidecar client's that the server
 * reported too. Only an object that mixes such pairs tells a per-pair choice from a sum of every
 * reporter, and only the native path's PromQL (`nativeQuantiles`) makes that choice outside the
 * fold. The same traffic is served twice, as native histograms under `cluster="native"` and as
 * classic buckets under `cluster="classic"`, and an api pinned to each (`CLUSTER`) must give
 * Prometheus' own numbers for that form, with the same items on the same sides. About 20 s of wall
 * time, most of it filling the window.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { istioSeries } from "../../src/dev/istio-series";
import { type NativeTarget, startNativeTarget } from "../../src/dev/native-target";
import { MEDIUM, type Scenario, SLOW, stream, workload } from "../../src/dev/scenario";
import { ScrapeSeries } from "../../src/dev/scrape-series";
import { type ScrapingPrometheus, startScrapingPrometheus } from "../../src/dev/scraping-prometheus";
import { BASE, checkEdges, checkList, checkResource, itemsOf, type Walk } from "../support/answer-walk";
import { apiFor } from "../support/harness";
import { type MeshReferences, type Named, REFERENCES } from "../support/mesh-references";
import { type Asking, query, type Reference, referenceNumbers } from "../support/reference-promql";
import { metricsOf } from "../support/smi-assert";

const WINDOW = "10s";
const FORMS = ["native", "classic"] as const;
type Form = (typeof FORMS)[number];

/**
 * `shop` holds `storefront` (sidecar: reported by itself and by the server) and `batch` (ambient,
 * ztunnel only: reported by the server alone). Each of `payments/api` (behind a waypoint) and
 * `billing/ledger` (sidecar) serves both, the sidecar client slowly and the ambient one fast;
 * `catalog/search` serves only the sidecar client and `audit/recorder` only the ambient one.
 * `payments/fees` (sidecar) serves the ambient client slowly, so the server side of `shop →
 * payments` adds pairs its waypoint reports to pairs a sidecar reports: one side, two reporters.
 * Hundreds of requests a second fill even the classic tail buckets in a 10 s window, whose counts
 * are whole requests. A live target counts from its own start: the scenario's span is unused.
 */
function mixedDataPlanes(): Scenario {
  const storefront = workload("shop", "storefront", "deployment", 2);
  const batch = workload("shop", "batch", "deployment", 1, { dataPlane: "ztunnel" });
  const api = workload("payments", "api", "deployment", 2, { dataPlane: "waypoint" });
  const ledger = workload("billing", "ledger", "statefulset", 1);
  const search = workload("catalog", "search", "deployment", 1);
  const recorder = workload("audit", "recorder", "deployment", 1, { dataPlane: "waypoint" });
  const fees = workload("payments", "fees", "deployment", 1);
  return {
    workloads: [storefront, batch, api, ledger, search, recorder, fees],
    streams: [
      stream(storefront, api, { rps: 400, serverFailureShare: 0.05, serverLatency: SLOW }),
      stream(batch, api, { rps: 200, notFoundShare: 0.1 }),
      stream(storefront, ledger, { rps: 300, serverLatency: SLOW, clientOnlyFailureRps: 20 }),
      stream(batch, ledger, { rps: 150, serverFailureShare: 0.02 }),
      stream(storefront, search, { rps: 200, serverLatency: MEDIUM }),
      stream(batch, recorder, { rps: 100, serverLatency: MEDIUM }),
      stream(batch, fees, { rps: 150, serverLatency: SLOW }),
    ],
    startS: 0,
    endS: 0,
    stepS: 1,
  };
}

const scenario = mixedDataPlanes();
const SHOP: Named = { kind: "namespaces", name: "shop" };

let prometheus: ScrapingPrometheus;
let targets: NativeTarget[] = [];
let asking: Asking;
const walks = new Map<Form, Walk>();

/** Istio's references, restricted to the series served under `cluster`. */
function inCluster(cluster: string): MeshReferences {
  const pin = (ref: Reference): Reference => ({
    ...ref,
    matchers: [...ref.matchers, `cluster="${cluster}"`],
  });
  const { istio } = REFERENCES;
  return {
    resource: (object) => pin(istio.resource(object)),
    edge: (self, direction, peer, side) => pin(istio.edge(self, direction, peer, side)),
    backend: (split, backend, side) => pin(istio.backend(split, backend, side)),
  };
}

beforeAll(async () => {
  targets = await Promise.all(
    FORMS.map((form) =>
      startNativeTarget(istioSeries(scenario, new ScrapeSeries(), { cluster: form }), { form }),
    ),
  );
  // A full window of samples, and a scrape more for the one in flight.
  prometheus = await startScrapingPrometheus({ target: targets.map((t) => t.address), scrapes: 12 });
  asking = { url: prometheus.url, window: WINDOW, timeS: Math.floor(Date.now() / 1000) - 1 };
  for (const form of FORMS) {
    const api = apiFor({ MESH: "istio", PROMETHEUS_URL: prometheus.url, CLUSTER: form });
    walks.set(form, { api, refs: inCluster(form), asking, form });
  }
}, 80_000);
afterAll(async () => {
  await prometheus?.stop();
  await Promise.all(targets.map((t) => t.close()));
});

const walkOf = (form: Form) => walks.get(form) as Walk;

/** The edges `path` answers in `form`, keyed `direction peer side`, each checked by `itemsOf`. */
async function edgesIn(form: Form, path: string) {
  const items = await itemsOf(walkOf(form), `${BASE}/namespaces/${path}/edges`);
  return new Map(
    // biome-ignore lint/suspicious/noExplicitAny: answers are inspected field by field
    items.map((item: any) => [`${item.edge.direction} ${item.edge.resource.name} ${item.edge.side}`, item]),
  );
}

describe.each(FORMS)(
  "Istio over %s histograms with sidecar and ambient clients of the same servers",
  (form) => {
    it("reads each pair of workloads in a namespace edge from its best reporter only, as Prometheus' own numbers", async () => {
      const edges = await edgesIn(form, "shop");
      expect([...edges.keys()].sort()).toEqual([
        "to audit server",
        "to billing client",
        "to billing server",
        "to catalog client",
        "to payments client",
        "to payments server",
      ]);
      expect(await checkEdges(walkOf(form), SHOP)).toBe(6);
    });

    it("answers every workload and namespace, listed and alone, and their edges, as Prometheus' own numbers", async () => {
      const walk = walkOf(form);
      let edges = 0;
      for (const kind of ["namespaces", "deployments"]) {
        const listed = await checkList(walk, kind);
        for (const object of listed) {
          await checkResource(walk, object);
          edges += await checkEdges(walk, object);
        }
      }
      // Lists hold what served requests: the clients' edges are asked by name.
      for (const name of ["storefront", "batch"])
        edges += await checkEdges(walk, { kind: "deployments", namespace: "shop", name });
      // From: api 2, ledger 2, search 1, recorder 1, fees 1, and one per server namespace; to:
      // storefront 3, batch 4.
      expect(edges).toBe(18);
    });
  },
);

/** Paths whose edges add up pairs read by different reporters, or one pair each. */
const MIXED_PATHS = ["shop", "shop/deployments/storefront", "shop/deployments/batch"];

// biome-ignore lint/suspicious/noExplicitAny: answers are inspected field by field
type Item = any;

/**
 * One item in both forms: the same failure share within 0.5 points, and quantiles within 10%, as
 * native buckets interpolate otherwise near a bound (5.6% at MEDIUM's p90, on one). Counts are held
 * to each form's own Prometheus numbers by the tests above: across the two targets, a loaded
 * machine's late scrapes move a 10 s window's count by a few percent, which says nothing about the
 * choice of reporter. Another reporter for a pair moves a quantile elevenfold.
 */
function expectSameAnswer(native: Item, classic: Item, label: string): void {
  const [n, c] = [metricsOf(native), metricsOf(classic)];
  const share = (m: ReturnType<typeof metricsOf>) =>
    (m.failure as number) / ((m.success as number) + (m.failure as number));
  expect(
    Math.abs(share(c) - share(n)),
    `${label} failure share: ${share(c)} vs ${share(n)}`,
  ).toBeLessThanOrEqual(0.005);
  for (const q of ["p50", "p90", "p99"] as const) {
    const [got, want] = [c[q] as number, n[q] as number];
    expect(Math.abs(got / want - 1), `${label} ${q}: ${got} vs ${want}`).toBeLessThanOrEqual(0.1);
  }
}

/** Prometheus' own native p50 over every server-side report of shop's requests to `server`. */
async function everyServerReportP50(server: string): Promise<number> {
  const matchers = `cluster="native", reporter!="source", source_workload_namespace="shop", destination_workload_namespace="${server}"`;
  const [sample] = await query(
    asking,
    `histogram_quantile(0.5, sum(rate(istio_request_duration_milliseconds{${matchers}}[${WINDOW}])))`,
  );
  return Number(sample?.value[1]);
}

describe("Istio's reporter choice per pair in both histogram forms", () => {
  it("gives the same edges on the same sides in both forms, with the same failure shares and quantiles", async () => {
    for (const path of MIXED_PATHS) {
      const [native, classic] = await Promise.all([edgesIn("native", path), edgesIn("classic", path)]);
      expect([...classic.keys()].sort(), path).toEqual([...native.keys()].sort());
      for (const [key, item] of native) expectSameAnswer(item, classic.get(key), `${path} ${key}`);
    }
  });

  it("tells the choice apart: summing every server-side report of shop's pairs would give another p50", async () => {
    for (const server of ["payments", "billing"]) {
      const edge = walkOf("native").refs.edge(SHOP, "to", { kind: "namespaces", name: server }, "server");
      const chosen = (await referenceNumbers(asking, edge, "native")).p50 as number;
      expect(await everyServerReportP50(server), `${server}: chosen p50 ${chosen}`).toBeGreaterThan(
        2 * chosen,
      );
    }
  });
});
