import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkerdSeries } from "../../src/dev/linkerd-series";
import type { RunningPrometheus } from "../../src/dev/prometheus-server";
import { defaultScenario, scenarioEnd } from "../../src/dev/scenario";
import { createLinkerdAdapter } from "../../src/mesh/linkerd";
import { PrometheusClient, type QueryEngine } from "../../src/prometheus/client";
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
let context: ReturnType<typeof testContext>;
/** Queries the topology sent to Prometheus, counted as they leave. */
let queriesSent = 0;

/** An engine that counts the queries it passes on. */
function counting(engine: QueryEngine): QueryEngine {
  return {
    instantQuery: (...args) => {
      queriesSent++;
      return engine.instantQuery(...args);
    },
    rangeQuery: (...args) => {
      queriesSent++;
      return engine.rangeQuery(...args);
    },
  };
}

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

/** The palette levels are drawn in: Okabe and Ito's, told apart with every common colour blindness. */
const COLOURS = { green: "#009E73", amber: "#E69F00", red: "#D55E00", grey: "#999999" } as const;
type Level = keyof typeof COLOURS;
const DEFAULTS = { green: 99.9, amber: 99 };

/** An edge's level under thresholds in percent; equality falls on the better side. */
function levelOf(truth: Truth, thresholds = DEFAULTS): Level {
  const requests = truth.success + truth.failure;
  if (requests === 0) return "grey";
  const rate = Number(((100 * truth.success) / requests).toPrecision(9));
  return rate >= thresholds.green ? "green" : rate >= thresholds.amber ? "amber" : "red";
}

/** `2.50rps 76.00% red` checked against the truth: both numbers rounded to 2 decimals, and the level. */
function expectLabel(label: string, truth: Truth, what: string, thresholds = DEFAULTS) {
  const match = /^(\d+\.\d{2})rps (\d+\.\d{2})% (\w+)$/.exec(label);
  expect(match, `${what}: label "${label}"`).not.toBeNull();
  const requests = truth.success + truth.failure;
  expect(Math.abs(Number(match?.[1]) - requests / WINDOW_S), `${what} rps`).toBeLessThanOrEqual(0.005 + 1e-9);
  const rate = (100 * truth.success) / requests;
  const expected = truth.failure > 0 && rate >= 99.995 ? 99.99 : Math.round(rate * 100) / 100;
  expect(Number(match?.[2]), `${what} success`).toBeCloseTo(expected, 6);
  expect(match?.[3], `${what} level`).toBe(levelOf(truth, thresholds));
}

const decode = (text: string) =>
  text
    .replace(/&#(\d+);/g, (_, code) => String.fromCharCode(Number(code)))
    .replaceAll("&gt;", ">")
    .replaceAll("&lt;", "<")
    .replaceAll("&amp;", "&");

beforeAll(async () => {
  prometheus = await scenarioPrometheus(scenario, linkerdSeries);
  context = testContext({
    engine: counting(new PrometheusClient({ baseUrl: prometheus.url, timeoutMs: 10_000 })),
    mesh: createLinkerdAdapter(),
    backendDescription: prometheus.url,
  });
  topology = await collectTopology(
    coreSource(context, { windowMs: WINDOW_S * 1000, time: scenarioEnd(scenario) }),
    "deployments",
    undefined,
  );
}, 60_000);
afterAll(async () => {
  await prometheus?.stop();
});

describe("topology of deployments over a real Prometheus", () => {
  it("costs one list and one kind-wide edges answer per namespace, however many deployments", () => {
    const listed = topology.nodes.filter((n) => n.listed);
    const namespaces = new Set(listed.map((n) => n.namespace));
    expect(listed.length).toBeGreaterThan(namespaces.size);
    expect(queriesSent).toBe(2 + 4 * namespaces.size);
  });

  it("renders DOT that Graphviz draws with exactly the true edges, each labelled and coloured by its level", () => {
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
      expect(edge.stroke?.toUpperCase(), `${edge.ends} colour`).toBe(COLOURS[levelOf(truth)]);
    }
    const nodes = [...svg.matchAll(/<g id="node\d+" class="node">\s*<title>(.*?)<\/title>/g)].map((m) =>
      decode(m[1] as string),
    );
    // Every deployment, and every peer of another kind one of them calls; and the legend.
    const deployments = scenario.workloads
      .filter((w) => w.kind === "deployment")
      .map((w) => `${w.namespace}/${w.name}`);
    const peers = [...expected.keys()].map((ends) => ends.split("->")[1] as string);
    expect(nodes.sort()).toEqual([...new Set([...deployments, ...peers, "legend"])].sort());
  });

  it("draws a legend in DOT: each level's colour and threshold, and what a dashed box is", () => {
    const svg = execFileSync("dot", ["-Tsvg"], { input: renderDot(topology), encoding: "utf8" });
    const legend =
      /<g id="node\d+" class="node">\s*<title>legend<\/title>([\s\S]*?)<\/g>/.exec(svg)?.[1] ?? "";
    const texts = [...legend.matchAll(/<text([^>]*)>(.*?)<\/text>/g)].map((m) => ({
      fill: /fill="([^"]+)"/.exec(m[1] as string)?.[1]?.toUpperCase(),
      text: decode(m[2] as string),
    }));
    const said = texts.map((t) => t.text).join(" | ");
    for (const [level, words] of [
      ["green", "success ≥ 99.9%"],
      ["amber", "success ≥ 99%, below 99.9%"],
      ["red", "success below 99%"],
      ["grey", "no traffic"],
    ] as const) {
      expect(texts.find((t) => t.text.includes(level))?.fill, `${level} in ${said}`).toBe(COLOURS[level]);
      expect(said).toContain(words);
    }
    expect(said).toMatch(/dashed box.*a peer of a listed resource, not listed itself/);
  });

  it("writes a Mermaid flowchart that Mermaid's parser reads back to the true edges, coloured by level, with a legend", async () => {
    const { type, edges, nodes } = await parseMermaid(renderMermaid(topology));
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
      expect(edge.style, `${ends} colour`).toContain(`stroke:${COLOURS[levelOf(truth)]}`);
    }
    const legend = nodes.filter((n) => n.subgraph === "Legend");
    for (const [level, words] of [
      ["green", "green: success ≥ 99.9%"],
      ["amber", "amber: success ≥ 99%, below 99.9%"],
      ["red", "red: success below 99%"],
      ["grey", "grey: no traffic"],
    ] as const) {
      expect(legend.find((n) => n.label === words)?.styles, words).toContain(`stroke:${COLOURS[level]}`);
    }
    // Peers outside the listed resources are dashed, and the legend says so.
    const peerOnly = new Set([...expected.keys()].map((ends) => ends.split("->")[1] as string));
    for (const deployment of scenario.workloads.filter((w) => w.kind === "deployment"))
      peerOnly.delete(`${deployment.namespace}/${deployment.name}`);
    const dashed = nodes.filter((n) => n.styles.some((s) => s.startsWith("stroke-dasharray")));
    expect(
      dashed
        .filter((n) => n.subgraph === undefined)
        .map((n) => id(n.label))
        .sort(),
    ).toEqual([...peerOnly].sort());
    expect(dashed.find((n) => n.subgraph === "Legend")?.label).toMatch(
      /^dashed: a peer of a listed resource, not listed itself/,
    );
  });

  it("marks every edge's level in ASCII, and says what the levels mean", () => {
    expectAsciiLevels(renderAscii(topology), DEFAULTS);
  });

  it("colours by the thresholds the user sets, equality on the better side", async () => {
    // payments/api -> payments/ledger succeeds 90% exactly: amber at an amber threshold of 90.
    const thresholds = { green: 99, amber: 90 };
    const coloured = await collectTopology(
      coreSource(context, { windowMs: WINDOW_S * 1000, time: scenarioEnd(scenario) }),
      "deployments",
      undefined,
      thresholds,
    );
    const levels = expectAsciiLevels(renderAscii(coloured), thresholds);
    expect(levels.get("payments/api->payments/ledger")).toBe("amber");
    expect(new Set(levels.values())).toEqual(new Set(["green", "amber", "red"]));
  });
});

/** Checks ASCII's edge lines and legend against the truth under `thresholds`; the levels by edge. */
function expectAsciiLevels(text: string, thresholds: { green: number; amber: number }): Map<string, string> {
  const expected = expectedEdges();
  const [graph = "", legend = ""] = text.trimEnd().split("\n\n");
  let sender = "";
  const seen = new Map<string, string>();
  for (const line of graph.split("\n")) {
    const edge = /^ {2}[├└]──▶ (\S+)\s+(\S+ \S+)\s+(\w+)$/.exec(line);
    if (edge === null) {
      sender = line.split(" ")[0] as string;
      continue;
    }
    const ends = `${sender}->${edge[1]}`;
    const truth = expected.get(ends) as Truth;
    expect(truth, `${ends} is a true edge`).toBeDefined();
    expectLabel(`${edge[2]} ${edge[3]}`, truth, ends, thresholds);
    seen.set(ends, edge[3] as string);
  }
  expect([...seen.keys()].sort()).toEqual([...expected.keys()].sort());
  expect(legend).toBe(
    `Levels: green: success ≥ ${thresholds.green}%; amber: success ≥ ${thresholds.amber}%, below ${thresholds.green}%; red: success below ${thresholds.amber}%; grey: no traffic.`,
  );
  return seen;
}
