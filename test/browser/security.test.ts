/**
 * The web UI against data it does not control, and under each way the API is locked, in Chromium
 * and Firefox. Prometheus label values may hold anything: here a workload, a peer, its namespace
 * and a cluster label carry HTML and script, written into a real Prometheus as a mesh would leave
 * them. The page must show them as text, with no dialog, no request and no element they name.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkerdSeries } from "../../src/dev/linkerd-series";
import { OpenMetricsBuilder } from "../../src/dev/openmetrics";
import { type RunningPrometheus, startPrometheus } from "../../src/dev/prometheus-server";
import { defaultScenario, liveFrom, type Scenario, stream, workload } from "../../src/dev/scenario";
import {
  BROWSER_NAMES,
  focused,
  pagePerTest,
  show,
  tableRows,
  texts,
  viewsDrawn,
  waitForView,
} from "../support/browsers";
import { serveUi, type UiServer } from "../support/ui-server";

const NAME = '<script>fetch("/pwned-name")</script>';
const PEER = '<img src=x onerror=alert("peer")>';
const PEER_NAMESPACE = '"><img src=x onerror=fetch("/pwned-ns")>';
const CLUSTER = '"><svg onload=alert("cluster")><script>fetch("/pwned-cluster")</script>';
const API_TOKEN = "ui-browser-test-token-0123456789";

/** The default mesh plus a workload and a peer with hostile names, as two clusters (one hostile). */
function hostileSeries(): { scenario: Scenario; series: OpenMetricsBuilder } {
  const base = liveFrom(defaultScenario(), Date.now() / 1000, 3600);
  const [frontend, checkout] = base.workloads;
  const named = workload("shop", NAME, "deployment", 1);
  const peer = workload(PEER_NAMESPACE, PEER, "deployment", 1);
  const scenario: Scenario = {
    ...base,
    workloads: [...base.workloads, named, peer],
    streams: [
      ...base.streams,
      stream(frontend, named, { rps: 2, serverFailureShare: 0.5 }),
      stream(peer, checkout ?? named, { rps: 1 }),
    ],
  };
  const series = new OpenMetricsBuilder();
  linkerdSeries(scenario, series, { cluster: "east" });
  linkerdSeries(scenario, series, { cluster: CLUSTER });
  return { scenario, series };
}

let prometheus: RunningPrometheus;
const servers: Record<string, UiServer> = {};

beforeAll(async () => {
  const { scenario, series } = hostileSeries();
  const { startS, endS, stepS } = scenario;
  prometheus = await startPrometheus({ series, startS, endS, stepS });
  const base = { MESH: "linkerd", PROMETHEUS_URL: prometheus.url };
  const modes = {
    open: base,
    token: { ...base, API_TOKEN },
    jwt: { ...base, API_AUTH: "jwt" },
    iam: { ...base, API_AUTH: "iam" },
    // The classic mistake: the wrong mesh for this Prometheus.
    wrongMesh: { ...base, MESH: "istio" },
  };
  for (const [mode, env] of Object.entries(modes))
    servers[mode] = await serveUi({ API_AUTH: "none", ...env });
}, 120_000);
afterAll(async () => {
  await Promise.all(Object.values(servers).map((s) => s.close()));
  await prometheus?.stop();
});

const origins = () => Object.values(servers).map((s) => s.url);
const at = (mode: string, hash: string) => `${servers[mode]?.url}/ui/#${hash}`;

describe.each(BROWSER_NAMES)("the web UI in %s", (name) => {
  const openPage = pagePerTest(name, async (visit) => {
    expect(visit.dialogs).toEqual([]);
    // The payloads' own requests; the page's calls carry the names percent-encoded in their paths.
    const pwned = visit.requests.filter(
      (r) => !r.url.startsWith("data:") && new URL(r.url).pathname.startsWith("/pwned"),
    );
    expect(pwned).toEqual([]);
    for (const r of visit.requests) {
      if (!r.url.startsWith("data:")) expect(origins(), r.url).toContain(new URL(r.url).origin);
    }
    // Only the page's own elements: its one script, and no image at all.
    expect(await visit.page.$$eval("img", (e) => e.length)).toBe(0);
    expect(await visit.page.$$eval("script", (e) => e.length)).toBe(1);
  });

  it("shows hostile workload, peer, namespace and Warning text from a real Prometheus as text", async () => {
    const visit = await openPage();
    const { page } = visit;
    await show(visit, at("open", "view=namespace&all=1&kind=deployments&range=15m"));
    const rows = await tableRows(page);
    // The peer only sends, so it is no row of the list: the workload view's edges show it.
    expect(rows.map((r) => [r[0], r[1]])).toEqual(expect.arrayContaining([["shop", NAME]]));
    const warnings = await texts(page, ".warnings li");
    expect(warnings).toEqual([expect.stringContaining(CLUSTER)]);
    expect(warnings[0]).toMatch(/^Warning: this answer sums series from 2 clusters/);
    // Its edges: the hostile peer, in its hostile namespace, as `kubectl get` prints a peer.
    await show(visit, at("open", "view=workload&ns=shop&kind=deployments&name=checkout&range=15m"));
    expect((await tableRows(page)).map((r) => r[1])).toEqual(
      expect.arrayContaining([`${PEER_NAMESPACE}/${PEER}`]),
    );
    // A hostile name is no Kubernetes name: the API refuses it, and the page says so, as text.
    const drawn = await viewsDrawn(page);
    await page.evaluate(
      `location.hash = ${JSON.stringify(`view=workload&ns=shop&kind=deployments&name=${encodeURIComponent(NAME)}`)}`,
    );
    await waitForView(page, drawn);
    expect(await texts(page, "#view .error")).toEqual([
      expect.stringMatching(/^The API answered 400 BadRequest: name .*fetch/),
    ]);
    expect(await texts(page, "main h2")).toEqual([`deployments shop/${NAME}`]);
    expect(visit.errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
  });

  it("shows hostile node names as text in the topology (GET .../namespaces/{ns}/{kind}/-/edges)", async () => {
    const visit = await openPage();
    await show(visit, at("open", "view=topology&ns=shop&kind=deployments&range=15m"));
    const nodes = await texts(visit.page, "svg.graph a.node text.name");
    expect(nodes).toEqual(expect.arrayContaining([NAME, PEER]));
    expect(await texts(visit.page, "svg.graph a.node.peer text.where")).toEqual(
      expect.arrayContaining([`peer · ${PEER_NAMESPACE}`]),
    );
    expect(visit.errors).toEqual([]);
  });

  it("asks once for the API token under apiAuth none with API_TOKEN, keeps it out of URLs and logs", async () => {
    const visit = await openPage();
    const { page } = visit;
    const server = servers.token as UiServer;
    await show(visit, at("token", "view=namespace&all=1&kind=deployments&range=15m"));
    expect(await texts(page, "form.token h2")).toEqual(["This API wants its API token"]);
    expect(visit.apiCalls()).toEqual([]);
    // The field has the focus: a keyboard user types straight away.
    expect(await focused(page)).toEqual({ tag: "input", text: "" });
    let drawn = await viewsDrawn(page);
    await page.keyboard.type("not-the-token");
    await page.keyboard.press("Enter");
    await waitForView(page, drawn);
    expect(await texts(page, "form.token .error")).toEqual([
      expect.stringMatching(/^The API refused the token \(401/),
    ]);
    drawn = await viewsDrawn(page);
    await page.keyboard.type(API_TOKEN);
    await page.keyboard.press("Enter");
    await waitForView(page, drawn);
    expect((await tableRows(page)).map((r) => r[1])).toEqual(expect.arrayContaining(["checkout", NAME]));
    const sent = visit.requests.filter((r) => new URL(r.url).pathname.startsWith("/apis/"));
    expect(sent.at(-1)?.headers.authorization).toBe(`Bearer ${API_TOKEN}`);
    for (const r of visit.requests) expect(r.url).not.toContain(API_TOKEN);
    expect(page.url()).not.toContain(API_TOKEN);
    expect(JSON.stringify(server.logs)).not.toContain(API_TOKEN);
    expect(await page.evaluate("sessionStorage.getItem('smi-metrics-token')")).toBe(API_TOKEN);
    expect(await page.evaluate("localStorage.length + document.cookie.length")).toBe(0);
    // Asked once: a reload in the same tab goes straight to the data.
    await page.reload({ waitUntil: "load" });
    await waitForView(page);
    expect(await texts(page, "form.token")).toEqual([]);
    expect(visit.errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
  });

  it("asks for a bearer token under apiAuth jwt, and says why it cannot work under iam", async () => {
    const visit = await openPage();
    await show(visit, at("jwt", "view=namespace&all=1&kind=deployments"));
    expect(await texts(visit.page, "form.token h2")).toEqual(["This API wants a JWT"]);
    await show(visit, at("iam", "view=namespace&all=1&kind=deployments"));
    expect(await texts(visit.page, ".notice h2")).toEqual(["This API takes AWS SigV4-signed requests only"]);
    expect(await visit.page.$$eval(".notice a", (a) => a.map((e) => e.getAttribute("href")))).toEqual([
      "/openapi.json",
    ]);
    expect(visit.apiCalls()).toEqual([]);
    expect(visit.errors).toEqual([]);
  });

  it("shows a misconfigured MESH's Warning on the view that asked", async () => {
    const visit = await openPage();
    await show(visit, at("wrongMesh", "view=namespace&ns=shop&kind=deployments&range=15m"));
    const warnings = await texts(visit.page, ".warnings li");
    expect(warnings).toEqual([expect.stringMatching(/^Warning: .*MESH=istio.*set MESH=linkerd/)]);
    expect(await texts(visit.page, ".warnings h3")).toEqual(["The API sent a warning"]);
    expect(visit.errors).toEqual([]);
  });
});
