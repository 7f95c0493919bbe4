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
