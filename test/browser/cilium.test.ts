/**
 * The web UI over MESH=cilium, as `npm run demo -- --mesh cilium` serves it (a real Prometheus
 * backfilled with the demo's mesh as Hubble reports it): the kinds the page offers are the ones the
 * API's discovery lists, none of them a split's (Cilium serves none); the topology reads the
 * kind-wide edges; and the canary view, even from a link naming a split kind, says that no splits
 * are served, without a call.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withCanaries } from "../../src/dev/canary";
import { type DemoBackends, startDemoBackends, stopDemoBackends } from "../../src/dev/demo-backends";
import { defaultScenario, liveFrom } from "../../src/dev/scenario";
import type { TrafficMetricsList } from "../../src/smi/schemas";
import { buildTopology } from "../../src/topology/graph";
import { BROWSER_NAMES, pagePerTest, show, tableRows, texts } from "../support/browsers";
import { apiJson, serveUi, type UiServer } from "../support/ui-server";

let backends: DemoBackends;
let api: UiServer;

beforeAll(async () => {
  // The demo's scenario, canaries included: their traffic is there, but no split kind is served.
  const scenario = liveFrom(withCanaries(defaultScenario()), Date.now() / 1000, 3600);
  backends = await startDemoBackends("cilium", scenario, { binary: undefined, port: 0 });
  api = await serveUi({ MESH: "cilium", PROMETHEUS_URL: backends.prometheus.url });
}, 120_000);
afterAll(async () => {
  await api?.close();
  if (backends !== undefined) await stopDemoBackends(backends);
});

const ui = (hash: string) => `${api.url}/ui/#${hash}`;

describe.each(BROWSER_NAMES)("the web UI over MESH=cilium in %s", (name) => {
  const openPage = pagePerTest(name, async (visit) => {
    expect(visit.errors).toEqual([]);
  });

  it("offers the kinds the API serves for the mesh, and no split kind", async () => {
    const visit = await openPage();
    await show(visit, ui("view=namespace&ns=shop&range=15m"));
    const discovery = await apiJson<{ resources: { name: string }[] }>(
      api.url,
      "/apis/metrics.smi-spec.io/v1alpha2/",
    );
    // Its kinds, less subresources (`…/edges`) and the resource type itself (`trafficmetrics`).
    const served = discovery.resources
      .map((r) => r.name)
      .filter((n) => !n.includes("/") && n !== "trafficmetrics");
    const offered = (await visit.page.$$eval("#kind option", (o) =>
      o.map((e) => (e as HTMLOptionElement).value),
    )) as string[];
    expect([...offered].sort()).toEqual([...served].sort());
    expect(offered).toContain("deployments");
    expect(offered).not.toContain("httproutes");
    expect(offered).not.toContain("trafficsplits");
    expect(await visit.page.evaluate("document.getElementById('kind').value")).toBe("deployments");
    const rows = await tableRows(visit.page);
    expect(rows.map((r) => r[0])).toEqual(expect.arrayContaining(["checkout", "frontend"]));
  });

  it("draws the topology from the kind-wide edges", async () => {
    const visit = await openPage();
    await show(visit, ui("view=topology&ns=shop&kind=deployments&range=15m"));
    const calls = visit.apiCalls();
    expect(calls).toHaveLength(2);
    const [list, edges] = await Promise.all(
      [calls.find((c) => !c.includes("/-/edges")), calls.find((c) => c.includes("/-/edges"))].map((c) =>
        apiJson<TrafficMetricsList>(api.url, c as string),
      ),
    );
    const topology = buildTopology(list as TrafficMetricsList, [edges as TrafficMetricsList]);
    const ids = await visit.page.$$eval("svg.graph a.node", (a) => a.map((e) => e.getAttribute("data-id")));
    expect(ids.sort()).toEqual(topology.nodes.map((n) => n.id).sort());
    expect(topology.edges.length).toBeGreaterThan(0);
  });

  it("says no splits are served on the canary view, even from a link naming one, without a call", async () => {
    const visit = await openPage();
    await show(visit, ui("view=canary&ns=store&kind=httproutes&name=web&range=15m"));
    expect(visit.apiCalls()).toEqual([]);
    expect(await texts(visit.page, "main h2")).toEqual(["Canaries"]);
    expect(await texts(visit.page, "#view p.empty")).toEqual([
      "This deployment with MESH=cilium serves no splits (trafficsplits, httproutes).",
    ]);
  });
});
