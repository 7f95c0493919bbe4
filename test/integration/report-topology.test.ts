import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkerdSeries } from "../../src/dev/linkerd-series";
import type { RunningPrometheus } from "../../src/dev/prometheus-server";
import { defaultScenario } from "../../src/dev/scenario";
import { createLinkerdAdapter } from "../../src/mesh/linkerd";
import type { InstantVector, QueryEngine } from "../../src/prometheus/client";
import { PrometheusClient } from "../../src/prometheus/client";
import { renderMarkdown } from "../../src/report/markdown";
import { runReport } from "../../src/report/run-report";
import { workloadEdgesTruth } from "../support/ground-truth";
import { scenarioPrometheus, WINDOW } from "../support/harness";
import { parseMermaid } from "../support/mermaid";

const scenario = defaultScenario();
let prometheus: RunningPrometheus;

beforeAll(async () => {
  prometheus = await scenarioPrometheus(scenario, linkerdSeries);
}, 60_000);
afterAll(async () => {
  await prometheus?.stop();
});

/** Counts the queries a report sends, passing them on to the real Prometheus. */
class CountingEngine implements QueryEngine {
  queries = 0;
  constructor(private readonly inner: QueryEngine) {}
  instantQuery(...args: Parameters<QueryEngine["instantQuery"]>): Promise<InstantVector> {
    this.queries += 1;
    return this.inner.instantQuery(...args);
  }
}

const reportOf = async (spec: object) => {
  const engine = new CountingEngine(new PrometheusClient({ baseUrl: prometheus.url, timeoutMs: 10_000 }));
  const { report } = await runReport(
    {
      engine,
      mesh: createLinkerdAdapter(),
      window: WINDOW,
      sinkFor: () => {
        throw new Error("no sinks in these specs");
      },
      now: () => new Date("2026-11-25T09:00:00Z"),
    },
    spec,
  );
  return { report, queries: engine.queries };
};

describe("the Markdown report draws each scope's traffic", () => {
  it("as a Mermaid graph that Mermaid's parser reads back to the true edges between deployments", async () => {
    const { report, queries } = await reportOf({
      namespaces: ["shop"],
      kinds: ["deployments"],
      window: "5m",
      time: String(scenario.endS),
    });
    const markdown = renderMarkdown(report);
    const blocks = [...markdown.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1] as string);
    expect(markdown).toContain("## Traffic between deployments in shop");
    expect(blocks).toHaveLength(1);
    const { type, edges } = await parseMermaid(blocks[0] as string);
    expect(type).toBe("flowchart-v2");
    const id = (label: string) =>
      label
        .split(/<br\s*\/?>/)
        .reverse()
        .join("/");
    const deployments = scenario.workloads.filter((w) => w.kind === "deployment" && w.namespace === "shop");
    const expected = deployments.flatMap((w) =>
      workloadEdgesTruth(scenario, w, 300, { side: { to: "client", from: "client" }, sameKindPeers: true })
        .filter((e) => e.direction === "to")
        .map((e) => ({ ends: `${w.namespace}/${w.name}->${e.peer}`, failing: e.truth.failure > 0 })),
    );
    expect(edges.map((e) => `${id(e.from)}->${id(e.to)}`).sort()).toEqual(expected.map((e) => e.ends).sort());
    for (const edge of edges) {
      const ends = `${id(edge.from)}->${id(edge.to)}`;
      expect(edge.style.includes("stroke:red"), ends).toBe(expected.find((e) => e.ends === ends)?.failing);
    }
    // The list's two queries, then each of the 3 deployments' edges: two directions, two queries each.
    expect(queries).toBe(2 + deployments.length * 4);
  });

  it("says so when a scope has no traffic between its resources, and draws nothing for kinds without edges", async () => {
    const { report } = await reportOf({
      namespaces: ["payments"],
      kinds: ["daemonsets", "services"],
      window: "5m",
      time: String(scenario.endS),
    });
    const markdown = renderMarkdown(report);
    expect(markdown).toContain(
      "## Traffic between daemonsets in payments\n\nNo traffic between them in the window.",
    );
    expect(markdown).not.toContain("Traffic between services");
  });
});
