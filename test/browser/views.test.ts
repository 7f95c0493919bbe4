/**
 * The web UI in real browsers (Debian's Chromium and Firefox ESR) over the demo's data: a real
 * Prometheus backfilled with the generated linkerd mesh and its canaries, the Kubernetes double the
 * splits are read from, and the api function (UI included) on a local port. Every number the page
 * shows is checked against the API's own JSON for the very calls the page made.
 * `npm run screenshots` runs this file with SCREENSHOTS=1: Chromium's views go to docs/ui/.
 */
import { mkdir } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withCanaries } from "../../src/dev/canary";
import { type DemoBackends, startDemoBackends, stopDemoBackends } from "../../src/dev/demo-backends";
import { defaultScenario, liveFrom } from "../../src/dev/scenario";
import { trafficNumbers } from "../../src/smi/metric-values";
import type { TrafficMetrics, TrafficMetricsList, TrafficMetricsSeries } from "../../src/smi/schemas";
import { formatLatency, formatRps, formatSuccessRate, trafficTable } from "../../src/smi/table";
import { buildTopology } from "../../src/topology/graph";
import {
  BROWSER_NAMES,
  type BrowserName,
  focused,
  pagePerTest,
  show,
  tableRows,
  tabTo,
  texts,
  type Visit,
  viewsDrawn,
  waitForView,
} from "../support/browsers";
import { apiJson, demoEnv, serveUi, type UiServer } from "../support/ui-server";

const SHOTS = process.env.SCREENSHOTS ? "docs/ui" : undefined;
let backends: DemoBackends;
let api: UiServer;

beforeAll(async () => {
  const scenario = liveFrom(withCanaries(defaultScenario()), Date.now() / 1000, 3600);
  backends = await startDemoBackends("linkerd", scenario, { binary: undefined, port: 0 });
  api = await serveUi(demoEnv(backends));
}, 120_000);
afterAll(async () => {
  await api?.close();
  if (backends !== undefined) await stopDemoBackends(backends);
});

const ui = (hash: string) => `${api.url}/ui/#${hash}`;
/** The page's API calls of one view, as paths the test can ask itself. */
const only = (calls: string[], count: number) => {
  expect(calls, calls.join("\n")).toHaveLength(count);
  return calls;
};
/** The call whose query asks for an instant (`time`) or a range (`start`). */
const instant = (calls: string[]) => calls.find((c) => c.includes("time=")) as string;
const ranged = (calls: string[]) => calls.find((c) => c.includes("start=")) as string;

/** The cells `kubectl get` and the CLI's `top` print for each object of an answer, by column name. */
function apiCells(answer: TrafficMetricsList) {
  const table = trafficTable(answer, "None");
  const names = table.columnDefinitions.map((c) => c.name);
  return table.rows.map((row) => Object.fromEntries(names.map((n, i) => [n, String(row.cells[i])])));
}

async function screenshot(visit: Visit, browser: BrowserName, name: string): Promise<void> {
  if (SHOTS === undefined || browser !== "chromium") return;
  await mkdir(SHOTS, { recursive: true });
  await visit.page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

describe.each(BROWSER_NAMES)("the web UI in %s", (name) => {
  const openPage = pagePerTest(name, async (visit) => {
    // No view may log an error, open a dialog or load anything from elsewhere (nor break the CSP).
    expect(visit.errors).toEqual([]);
    expect(visit.dialogs).toEqual([]);
    // data: URLs load nothing (the page's empty icon; Firefox's own widgets' fonts): every load is ours.
    for (const r of visit.requests) {
      if (!r.url.startsWith("data:")) expect(new URL(r.url).origin, r.url).toBe(api.url);
    }
  });

  it("namespace view (-A): the top table's numbers are the API's, from one list and one range answer", async () => {
    const visit = await openPage();
    await show(visit, ui("view=namespace&all=1&kind=deployments&range=15m"));
    const firstRenderMs = await visit.page.evaluate(
      "performance.getEntriesByName('smi-view-ready')[0].startTime",
    );
    console.log(
      `${name}: namespace view (-A) drawn ${Math.round(firstRenderMs as number)} ms after navigation`,
    );
    // A bound for a loaded CI machine, not the figure docs/ui.md quotes.
    expect(firstRenderMs).toBeLessThan(5000);
    const calls = only(visit.apiCalls(), 2);
    const list = await apiJson<TrafficMetricsList>(api.url, instant(calls));
    const expected = apiCells(list).map((c) => [
      list.items.find((i) => i.metadata.name === c.Name)?.metadata.namespace,
      c.Name,
      c.Side,
      c.Success,
      c.RPS,
      c.Latency_P50,
      c.Latency_P90,
      c.Latency_P99,
    ]);
    const rows = await tableRows(visit.page);
    expect(rows.map((r) => r.slice(0, 8))).toEqual(expected);
    expect(rows.map((r) => r[1])).toEqual(expect.arrayContaining(["checkout", "web-canary", "api"]));
    // A sparkline per row, from the range answer: its last point in words.
    const series = await apiJson<{ items: TrafficMetricsSeries[] }>(api.url, ranged(calls));
    const checkout = series.items.find((s) => s.metadata.name === "checkout") as TrafficMetricsSeries;
    const last = checkout.points.at(-1) as TrafficMetricsSeries["points"][number];
    const lastRps = trafficNumbers({ ...checkout, metrics: last.metrics } as unknown as TrafficMetrics);
    const sparks = await visit.page.evaluate(
      "[...document.querySelectorAll('#view tbody tr')].map((tr) => tr.querySelector('svg.spark')?.getAttribute('aria-label'))",
    );
    expect((sparks as string[])[rows.findIndex((r) => r[1] === "checkout")]).toContain(
      `to ${formatRps(lastRps.requestsPerSecond)}`,
    );
    await screenshot(visit, name, "namespace");
  });

  it("workload view: RPS, success and latencies over the range, and its edges both ways, in three calls", async () => {
    const visit = await openPage();
    await show(visit, ui("view=workload&ns=shop&kind=deployments&name=checkout&range=15m"));
    const calls = only(visit.apiCalls(), 3);
    const path = "/apis/metrics.smi-spec.io/v1alpha2/namespaces/shop/deployments/checkout";
    const item = await apiJson<TrafficMetrics>(api.url, instant(calls.filter((c) => !c.includes("/edges"))));
    const n = trafficNumbers(item);
    const headline = await texts(visit.page, "dl.headline dd");
    expect(headline.slice(0, 5)).toEqual([
      formatSuccessRate(n),
      formatRps(n.requestsPerSecond),
      formatLatency(n.p50Ms),
      formatLatency(n.p90Ms),
      formatLatency(n.p99Ms),
    ]);
    expect(await visit.page.$$eval("figure.chart canvas", (c) => c.length)).toBeGreaterThanOrEqual(3);
    const edges = await apiJson<TrafficMetricsList>(
      api.url,
      calls.find((c) => c.startsWith(`${path}/edges?`)) as string,
    );
    const expected = apiCells(edges).map((c) => [
      c.Direction,
      c.Peer,
      c.Side,
      c.Success,
      c.RPS,
      c.Latency_P50,
      c.Latency_P99,
    ]);
    expect((await tableRows(visit.page)).map((r) => r.slice(0, 7))).toEqual(expected);
    expect(expected.map((r) => r[0]).sort()).toEqual(["from", "to"]);
    await screenshot(visit, name, "workload");
  });

  it("canary view: each backend's weight, observed share and success, on one screen, in two calls", async () => {
    const visit = await openPage();
    await show(visit, ui("view=canary&ns=store&kind=httproutes&name=web&range=15m"));
    const calls = only(visit.apiCalls(), 2);
    const backends = await apiJson<TrafficMetricsList>(api.url, instant(calls));
    const rows = await tableRows(visit.page);
    const expected = apiCells(backends).map((c) => [c.Backend, c.Weight, c.Share, c.Success, c.RPS]);
    expect(rows.map((r) => [r[0], r[1], r[3], r[4], r[5]])).toEqual(expected);
    expect(rows.map((r) => [r[0], r[1], r[2]])).toEqual([
      ["web-primary", "90", "90.00%"],
      ["web-canary", "10", "10.00%"],
    ]);
    expect(await visit.page.$$eval("figure.chart canvas", (c) => c.length)).toBe(2);
    await screenshot(visit, name, "canary");
  });

  it("topology view (GET .../namespaces/{ns}/{kind}/-/edges): the namespace's nodes and edges, peers marked, levels in words", async () => {
    const visit = await openPage();
    await show(visit, ui("view=topology&ns=shop&kind=deployments&range=15m"));
    const calls = only(visit.apiCalls(), 2);
    const [list, edges] = await Promise.all(
      [calls.find((c) => !c.includes("/-/edges")), calls.find((c) => c.includes("/-/edges"))].map((c) =>
        apiJson<TrafficMetricsList>(api.url, c as string),
      ),
    );
    const topology = buildTopology(list as TrafficMetricsList, [edges as TrafficMetricsList]);
    const page = visit.page;
    const ids = await page.$$eval("svg.graph a.node", (a) => a.map((e) => e.getAttribute("data-id")));
    expect(ids.sort()).toEqual(topology.nodes.map((n) => n.id).sort());
    expect(ids).toEqual(expect.arrayContaining(["shop/frontend", "shop/checkout", "payments/api"]));
    const peers = await page.$$eval("svg.graph a.node.peer", (a) => a.map((e) => e.getAttribute("data-id")));
    expect(peers.sort()).toEqual(
      topology.nodes
        .filter((n) => !n.listed)
        .map((n) => n.id)
        .sort(),
    );
    const labels = await texts(page, "svg.graph g.edge text");
    expect(labels.sort()).toEqual(topology.edges.map((e) => `${e.label} ${e.level}`).sort());
    expect(await texts(page, "ul.legend li")).toEqual(
      expect.arrayContaining([expect.stringMatching(/^red: success below 99%/)]),
    );
    await screenshot(visit, name, "topology");
  });

  it("keeps the view in the URL: the same link opens the same view after a reload", async () => {
    const visit = await openPage();
    await show(visit, ui("view=workload&ns=payments&kind=deployments&name=api&range=1h&refresh=5m"));
    const heading = await texts(visit.page, "main h2");
    await visit.page.reload({ waitUntil: "load" });
    await waitForView(visit.page);
    expect(await texts(visit.page, "main h2")).toEqual(heading);
    expect(heading).toEqual(["deployments payments/api"]);
    const controls = await visit.page.evaluate(
      "['range', 'refresh', 'ns', 'name'].map((id) => document.getElementById(id).value)",
    );
    expect(controls).toEqual(["1h", "5m", "payments", "api"]);
  });

  it("asks each range the picker offers, custom ones included, and keeps it in the URL", async () => {
    const visit = await openPage();
    const { page } = visit;
    await show(visit, ui("view=namespace&ns=shop&kind=deployments&range=15m"));
    let drawn = await viewsDrawn(page);
    let from = visit.requests.length;
    await page.select("#range", "6h");
    await waitForView(page, drawn);
    expect(page.url()).toContain("range=6h");
    const sixHours = only(visit.apiCalls(from), 2);
    expect(instant(sixHours)).toContain("t=21600s&time=");
    expect(ranged(sixHours)).toMatch(/t=720s&start=.*&step=720s/);
    drawn = await viewsDrawn(page);
    from = visit.requests.length;
    const [start, end] = ["2026-01-01T00:00:00Z", "2026-01-01T02:00:00Z"].map((t) =>
      new Date(t).toISOString().slice(0, 19),
    );
    await page.goto(ui(`view=namespace&ns=shop&kind=deployments&range=custom&start=${start}Z&end=${end}Z`));
    await waitForView(page, drawn);
    const custom = only(visit.apiCalls(from), 2);
    expect(decodeURIComponent(instant(custom))).toContain("t=7200s&time=2026-01-01T02:00:00Z");
    expect(decodeURIComponent(ranged(custom))).toContain("end=2026-01-01T02:00:00Z&step=240s");
    expect(await page.evaluate("document.getElementById('range').value")).toBe("custom");
    expect(await page.evaluate("document.querySelector('.custom').hidden")).toBe(false);
  });

  it("works with the keyboard alone: sort, open a workload, go to a canary", async () => {
    const visit = await openPage();
    const { page } = visit;
    await show(visit, ui("view=namespace&all=1&kind=deployments&range=15m"));
    await tabTo(page, { tag: "button", text: "Success" });
    await page.keyboard.press("Enter");
    const success = (await tableRows(page)).map((r) => Number.parseFloat(r[3] ?? "") || -1);
    expect(success).toEqual([...success].sort((a, b) => b - a));
    expect(await texts(page, 'th[aria-sort="descending"]')).toEqual(["Success"]);
    let drawn = await viewsDrawn(page);
    await tabTo(page, { tag: "a", text: "checkout" });
    await page.keyboard.press("Enter");
    await waitForView(page, drawn);
    expect(await focused(page)).toEqual({ tag: "h2", text: "deployments shop/checkout" });
    drawn = await viewsDrawn(page);
    await tabTo(page, { tag: "a", text: "Canary" }, { back: true });
    await page.keyboard.press("Enter");
    await waitForView(page, drawn);
    // shop has no splits: the picker offers every namespace's.
    drawn = await viewsDrawn(page);
    await tabTo(page, { tag: "a", text: "all namespaces" });
    await page.keyboard.press("Enter");
    await waitForView(page, drawn);
    drawn = await viewsDrawn(page);
    await tabTo(page, { tag: "a", text: "store/web" });
    await page.keyboard.press("Enter");
    await waitForView(page, drawn);
    expect((await tableRows(page)).map((r) => r[0])).toEqual(["web-primary", "web-canary"]);
  });
});
