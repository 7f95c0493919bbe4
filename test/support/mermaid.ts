import { JSDOM } from "jsdom";

/** One edge as Mermaid's own parser read it. */
export interface MermaidEdge {
  readonly from: string;
  readonly to: string;
  readonly label: string;
  readonly style: readonly string[];
}

/** One node as Mermaid's own parser read it, with the classes it was given and their styles. */
export interface MermaidNode {
  readonly label: string;
  readonly styles: readonly string[];
  /** The title of the subgraph it sits in, if any. */
  readonly subgraph?: string;
}

/**
 * Parses a Mermaid diagram with the `mermaid` package's own parser and returns the edges its
 * flowchart database holds, endpoints by node label, and its nodes with the styles their classes
 * give them. Mermaid sanitizes labels with DOMPurify, which needs a DOM: jsdom gives it one, as a
 * browser would.
 */
export async function parseMermaid(
  text: string,
): Promise<{ type: string; edges: MermaidEdge[]; nodes: MermaidNode[] }> {
  if (!("window" in globalThis)) Object.assign(globalThis, { window: new JSDOM("").window });
  const { default: mermaid } = await import("mermaid");
  const { diagramType } = await mermaid.parse(text);
  const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
  // biome-ignore lint/suspicious/noExplicitAny: the flowchart database is not in mermaid's public types
  const db = diagram.db as any;
  const labelOf = new Map<string, string>(
    [...db.getVertices().values()].map((v: { id: string; text: string }) => [v.id, v.text]),
  );
  const edges = db.getEdges().map((e: { start: string; end: string; text: string; style?: string[] }) => ({
    from: labelOf.get(e.start) ?? e.start,
    to: labelOf.get(e.end) ?? e.end,
    label: e.text,
    style: e.style ?? [],
  }));
  const classes = db.getClasses() as Map<string, { styles: string[] }>;
  const subgraphs = db.getSubGraphs() as { title: string; nodes: string[] }[];
  const nodes = [...db.getVertices().values()].map((v: { id: string; text: string; classes: string[] }) => {
    const subgraph = subgraphs.find((g) => g.nodes.includes(v.id))?.title;
    return {
      label: v.text,
      styles: v.classes.flatMap((c) => classes.get(c)?.styles ?? []),
      ...(subgraph === undefined ? {} : { subgraph }),
    };
  });
  return { type: diagramType, edges, nodes };
}

/** An `xychart-beta` as Mermaid's own parser read it: its title, axes and each plot's points. */
export interface MermaidXyChart {
  readonly title: string;
  readonly categories: readonly string[];
  readonly yAxis: { readonly title: string; readonly min: number; readonly max: number };
  readonly lines: readonly (readonly number[])[];
}

/** Parses an `xychart-beta` with the `mermaid` package's parser and reads back its database. */
export async function parseXyChart(text: string): Promise<MermaidXyChart> {
  if (!("window" in globalThis)) Object.assign(globalThis, { window: new JSDOM("").window });
  const { default: mermaid } = await import("mermaid");
  // parse() loads the diagram type's code, which getDiagramFromText expects to find loaded.
  const { diagramType } = await mermaid.parse(text);
  if (diagramType !== "xychart") throw new TypeError(`not an xychart: ${diagramType}`);
  const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
  // biome-ignore lint/suspicious/noExplicitAny: the xychart database is not in mermaid's public types
  const db = diagram.db as any;
  const data = db.getXYChartData();
  return {
    title: db.getDiagramTitle(),
    categories: data.xAxis.categories,
    yAxis: { title: data.yAxis.title, min: data.yAxis.min, max: data.yAxis.max },
    lines: data.plots
      .filter((p: { type: string }) => p.type === "line")
      .map((p: { data: [string, number][] }) => p.data.map(([, value]) => value)),
  };
}

/**
 * Renders a diagram to SVG with `mermaid.render`, as a browser would. jsdom lays nothing out, so
 * text is measured as 7 px a character: enough for Mermaid to place axes, labels and lines.
 */
export async function renderMermaidSvg(text: string, id: string): Promise<string> {
  const { window } = new JSDOM("<!doctype html><body></body>", { pretendToBeVisual: true });
  Object.assign(globalThis, { window, document: window.document, CSSStyleSheet: window.CSSStyleSheet });
  const width = (node: Element) => 7 * (node.textContent?.length ?? 0);
  Object.assign(window.SVGElement.prototype, {
    getBBox(this: Element) {
      return { x: 0, y: 0, width: width(this), height: 16 };
    },
    getComputedTextLength(this: Element) {
      return width(this);
    },
  });
  const { default: mermaid } = await import("mermaid");
  mermaid.initialize({ startOnLoad: false });
  return (await mermaid.render(id, text)).svg;
}
