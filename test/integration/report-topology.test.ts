import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkerdSeries } from "../../src/dev/linkerd-series";
import type { RunningPrometheus } from "../../src/dev/prometheus-server";
import { defaultScenario } from "../../src/dev/scenario";
import { createLinkerdAdapter } from "../../src/mesh/linkerd";
import { PrometheusClient } from "../../src/prometheus/client";
import { renderMarkdown } from "../../src/report/markdown";
import { workloadEdgesTruth } from "../support/ground-truth";
import { runTestReport, scenarioPrometheus } from "../support/harness";
import { parseMermaid } from "../support/mermaid";

const scenario = defaultScenario();
let prometheus: RunningPrometheus;

beforeAll(async () => {
  prometheus = await scenarioPrometheus(scenario, linkerdSeries);
}, 60_000);
afterAll(async () => {
  await prometheus?.stop();
});

const reportOf = async (spec: object) => {
  const engine = new PrometheusClient({ baseUrl: prometheus.url, timeoutMs: 10_000 });
  const { report } = await runTestReport(
    {
      engine,
      mesh: createLinkerdAdapter(),
      backendDescription: prometheus.url,
      sinkFor: () => {
        throw new Error("no sinks in these specs");
      },
      now: () => new Date("2026-11-25T09:00:00Z"),
    },
    spec,
  );
  return report;
};

describe("the Markdown report draws each scope's traffic", () => {
  it("as a Mermaid graph that Mermaid's parser reads back to the true edges between deployments", async () => {
    const report = await reportOf({
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
      workloadEdgesTruth(scenario, w, 300, {
        side: { to: "client", from: "client" },
        peerKind: "own",
        rule: "linkerd",
      })
        .filter((e) => e.direction === "to")
        .map((e) => ({ ends: `${w.namespace}/${w.name}->${e.peer}`, failing: e.truth.failure > 0 })),
    );
    expect(edges.map((e) => `${id(e.from)}->${id(e.to)}`).sort()).toEqual(expected.map((e) => e.ends).sort());
    for (const edge of edges) {
      const ends = `${id(edge.from)}->${id(edge.to)}`;
      expect(edge.style.includes("stroke:red"), ends).toBe(expected.find((e) => e.ends === ends)?.failing);
    }
  });

  it("draws peers of other kinds, says when a scope had no traffic, and draws nothing for kinds without edges", async () => {
    const report = await reportOf({
      namespaces: ["payments"],
      kinds: ["daemonsets", "jobs", "services"],
      window: "5m",
      time: String(scenario.endS),
    });
    const markdown = renderMarkdown(report);
    const daemonsets = /## Traffic between daemonsets in payments\n\n```mermaid\n([\s\S]*?)```/.exec(
      markdown,
    );
    const { edges } = await parseMermaid(daemonsets?.[1] ?? "");
    // The statefulset ledger calls the daemonset audit: a peer of another kind, drawn all the same.
    expect(edges.map((e) => `${e.from}->${e.to}`)).toEqual(["ledger<br>payments->audit<br>payments"]);
    expect(markdown).toContain("## Traffic between jobs in payments\n\nNo jobs had traffic in the window.");
    expect(markdown).not.toContain("Traffic between services");
  });
});
