import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkerdSeries } from "../../src/dev/linkerd-series";
import type { RunningPrometheus } from "../../src/dev/prometheus-server";
import { defaultScenario, scenarioEnd } from "../../src/dev/scenario";
import { createLinkerdAdapter } from "../../src/mesh/linkerd";
import { PrometheusClient } from "../../src/prometheus/client";
import { renderAscii } from "../../src/topology/ascii";
import { coreSource } from "../../src/topology/core-source";
import { renderDot } from "../../src/topology/dot";
import type { Topology } from "../../src/topology/graph";
import { renderMermaid } from "../../src/topology/mermaid";
import { collectTopology } from "../../src/topology/source";
import { type Truth, workloadEdgesTruth } from "../support/ground-truth";
import { scenarioPrometheus, testContext } from "../support/harness";
import { parseMermaid } from "../support/mermaid";

const scenario = defaultScenario();
const WINDOW_S = 300;
let prometheus: RunningPrometheus;
let topology: Topology;

/** Every edge between deployments, from the scenario: sender → receiver, measured at the client. */
function expectedEdges(): Map<string, Truth> {
  const edges = new Map<string, Truth>();
  for (const w of scenario.workloads.filter((x) => x.kind === "deployment")) {
    const truths = workloadEdgesTruth(scenario, w, WINDOW_S, {
      side: { to: "client", from: "client" },
      peerKind: "own",
      rule: "linkerd",
    });
    for (const edge of truths.filter((e) => e.direction === "to"))
      edges.set(`${w.namespace}/${w.name}->${edge.peer}`, edge.truth);
  }
  return edges;
}

/** `2.50rps 76.00%` checked against the truth: both rounded to 2 decimals. */
function expectLabel(label: string, truth: Truth, what: string) {
  const match = /^(\d+\.\d{2})rps (\d+\.\d{2})%$/.exec(label);
  expect(match, `${what}: label "${label}"`).not.toBeNull();
  const requests = truth.success + truth.failure;
  expect(Math.abs(Number(match?.[1]) - requests / WINDOW_S), `${what} rps`).toBeLessThanOrEqual(0.005 + 1e-9);
  const rate = (100 * truth.success) / requests;
  const expected = truth.failure > 0 && rate >= 99.995 ? 99.99 : Math.round(rate * 100) / 100;
  expect(Number(match?.[2]), `${what} success`).toBeCloseTo(expected, 6);
}

const decode = (text: string) =>
  text
    .replace(/&#(\d+);/g, (_, code) => String.fromCharCode(Number(code)))
    .replaceAll("&gt;", ">")
    .replaceAll("&lt;", "<")
    .replaceAll("&amp;", "&");

beforeAll(async () => {
  prometheus = await scenarioPrometheus(scenario, linkerdSeries);
  const deps = testContext({
    engine: new PrometheusClient({ baseUrl: prometheus.url, timeoutMs: 10_000 }),
    mesh: createLinkerdAdapter(),
    backendDescription: prometheus.url,
  });
  topology = await collectTopology(
    coreSource(deps, { windowMs: WINDOW_S * 1000, time: scenarioEnd(scenario) }),
    "deployments",
    undefined,
  );
}, 60_000);
afterAll(async () => {
  await prometheus?.stop();
});

describe("topology of deployments over a real Prometheus", () => {
  it("renders DOT that Graphviz draws with exactly the true edges, labelled and coloured by their traffic", () => {
    const svg = execFileSync("dot", ["-Tsvg"], { input: renderDot(topology), encoding: "utf8" });
    const drawn = [
      ...svg.matchAll(/<g id="edge\d+" class="edge">\s*<title>(.*?)<\/title>([\s\S]*?)<\/g>/g),
    ].map((m) => ({
      ends: decode(m[1] as string),
      stroke: /<path[^>]*stroke="([^"]+)"/.exec(m[2] as string)?.[1],
      label: decode(/<text[^>]*>(.*?)<\/text>/.exec(m[2] as string)?.[1] ?? ""),
    }));
    const expected = expectedEdges();
    expect(drawn.map((e) => e.ends).sort()).toEqual([...expected.keys()].sort());
    for (const edge of drawn) {
      const truth = expected.get(edge.ends) as Truth;
      expectLabel(edge.label, truth, edge.ends);
      expect(edge.stroke, `${edge.ends} colour`).toBe(truth.failure > 0 ? "red" : "black");
    }
    const nodes = [...svg.matchAll(/<g id="node\d+" class="node">\s*<title>(.*?)<\/title>/g)].map((m) =>
      decode(m[1] as string),
    );
    // Every deployment, and every peer of another kind one of them calls.
    const deployments = scenario.workloads
      .filter((w) => w.kind === "deployment")
      .map((w) => `${w.namespace}/${w.name}`);
    const peers = [...expected.keys()].map((ends) => ends.split("->")[1] as string);
    expect(nodes.sort()).toEqual([...new Set([...deployments, ...peers])].sort());
  });

  it("writes a Mermaid flowchart that Mermaid's parser reads back to the true edges, failing ones red", async () => {
    const { type, edges } = await parseMermaid(renderMermaid(topology));
    expect(type).toBe("flowchart-v2");
    const expected = expectedEdges();
    // Labels are "name<br/>namespace".
    const id = (label: string) =>
      label
        .split(/<br\s*\/?>/)
        .reverse()
        .join("/");
    expect(edges.map((e) => `${id(e.from)}->${id(e.to)}`).sort()).toEqual([...expected.keys()].sort());
    for (const edge of edges) {
      const ends = `${id(edge.from)}->${id(edge.to)}`;
      const truth = expected.get(ends) as Truth;
      expectLabel(edge.label, truth, ends);
      expect(edge.style.includes("stroke:red"), `${ends} red`).toBe(truth.failure > 0);
    }
  });

  it("marks exactly the failing edges with ! in ASCII", () => {
    const expected = expectedEdges();
    const text = renderAscii(topology);
    let sender = "";
    const seen: string[] = [];
    for (const line of text.trimEnd().split("\n")) {
      const edge = /^ {2}[├└]──▶ (\S+)\s+(\S+ \S+)( {2}!)?$/.exec(line);
      if (edge === null) {
        sender = line.split(" ")[0] as string;
        continue;
      }
      const ends = `${sender}->${edge[1]}`;
      const truth = expected.get(ends) as Truth;
      expect(truth, `${ends} is a true edge`).toBeDefined();
      expectLabel(edge[2] as string, truth, ends);
      expect(edge[3] !== undefined, `${ends} marked`).toBe(truth.failure > 0);
      seen.push(ends);
    }
    expect(seen.sort()).toEqual([...expected.keys()].sort());
  });
});
