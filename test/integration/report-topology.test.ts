import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkerdSeries } from "../../src/dev/linkerd-series";
import type { RunningPrometheus } from "../../src/dev/prometheus-server";
import { defaultScenario } from "../../src/dev/scenario";
import { renderMarkdown } from "../../src/report/markdown";
import { type Truth, workloadEdgesTruth } from "../support/ground-truth";
import { linkerdReportParts, runTestReport, scenarioPrometheus } from "../support/harness";
import { parseMermaid } from "../support/mermaid";

const scenario = defaultScenario();
/** The palette levels are drawn in (Okabe and Ito's), and the default thresholds in percent. */
const COLOURS = { green: "#009E73", amber: "#E69F00", red: "#D55E00", grey: "#999999" } as const;
const DEFAULTS = { green: 99.9, amber: 99 };

/** An edge's level under thresholds in percent; equality falls on the better side. */
function levelOf(truth: Truth, thresholds: { green: number; amber: number }): keyof typeof COLOURS {
  const requests = truth.success + truth.failure;
  if (requests === 0) return "grey";
  const rate = Number(((100 * truth.success) / requests).toPrecision(9));
  return rate >= thresholds.green ? "green" : rate >= thresholds.amber ? "amber" : "red";
}
let prometheus: RunningPrometheus;

beforeAll(async () => {
  prometheus = await scenarioPrometheus(scenario, linkerdSeries);
}, 60_000);
afterAll(async () => {
  await prometheus?.stop();
});

const reportOf = async (spec: object) => (await runTestReport(linkerdReportParts(prometheus), spec)).report;

describe("the Markdown report draws each scope's traffic", () => {
  it("as a Mermaid graph that Mermaid's parser reads back to the true edges between deployments", async () => {
    const report = await reportOf({
      namespaces: ["shop"],
      kinds: ["deployments"],
      window: "5m",
      time: String(scenario.endS),
    });
    const markdown = renderMarkdown(report);
    // The traffic graphs; the trend's charts (xychart-beta) follow them.
    const blocks = [...markdown.matchAll(/```mermaid\n(graph LR[\s\S]*?)```/g)].map((m) => m[1] as string);
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
        .map((e) => ({ ends: `${w.namespace}/${w.name}->${e.peer}`, truth: e.truth })),
    );
    expect(edges.map((e) => `${id(e.from)}->${id(e.to)}`).sort()).toEqual(expected.map((e) => e.ends).sort());
    for (const edge of edges) {
      const ends = `${id(edge.from)}->${id(edge.to)}`;
      const truth = expected.find((e) => e.ends === ends)?.truth as Truth;
      expect(edge.style, ends).toContain(`stroke:${COLOURS[levelOf(truth, DEFAULTS)]}`);
    }
  });

  it("colours the graph by the spec's thresholds, and says them in the legend", async () => {
    const thresholds = { green: 99, amber: 90 };
    const report = await reportOf({
      namespaces: ["payments"],
      kinds: ["deployments"],
      window: "5m",
      time: String(scenario.endS),
      topology: thresholds,
    });
    const block = /```mermaid\n([\s\S]*?)```/.exec(renderMarkdown(report))?.[1] ?? "";
    const { edges, nodes } = await parseMermaid(block);
    // api -> ledger succeeds 90% exactly: amber, equality on the better side.
    const toLedger = edges.find((e) => e.to.startsWith("ledger"));
    expect(toLedger?.label).toBe("3.00rps 90.00% amber");
    expect(toLedger?.style).toContain(`stroke:${COLOURS.amber}`);
    expect(nodes.filter((n) => n.subgraph === "Legend").map((n) => n.label)).toContain(
      "amber: success ≥ 90%, below 99%",
    );
  });

  it.each([
    [
      { green: 0.999 },
      /topology\.green: a percentage from 0 to 100, .*"0\.999" is read as 0\.999%; did you mean "99\.9"\?/,
    ],
    [{ green: 101 }, /topology\.green: a percentage from 0 to 100; got 101/],
    [{ amber: 99.95 }, /topology: amber 99\.95 is above green 99\.9/],
  ])("refuses the spec's thresholds %j, saying what is accepted", async (topology, message) => {
    const spec = { kinds: ["deployments"], window: "5m", time: String(scenario.endS), topology };
    await expect(reportOf(spec)).rejects.toThrow(message);
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
