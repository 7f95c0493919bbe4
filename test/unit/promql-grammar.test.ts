import { parser } from "@prometheus-io/lezer-promql";
import { describe, expect, it } from "vitest";
import { buildQueries, type LatencyShape, type MeasureSpec, type QueryPlan } from "../../src/measure";
import type { MeshAdapter } from "../../src/mesh/adapter";
import { createConsulAdapter } from "../../src/mesh/consul";
import { createIstioAdapter } from "../../src/mesh/istio";
import { createLinkerdAdapter } from "../../src/mesh/linkerd";
import { eq, renderSelector } from "../../src/prometheus/promql";

function parseErrors(query: string): string[] {
  const errors: string[] = [];
  parser.parse(query).iterate({
    enter(node) {
      if (node.type.isError) errors.push(`${node.from}: ${query.slice(node.from, node.to + 10)}`);
    },
  });
  return errors;
}

const labels = { namespace: "namespace", pod: "pod" };
const MESHES: [string, MeshAdapter][] = [
  ["linkerd", createLinkerdAdapter()],
  ["istio", createIstioAdapter(labels)],
  ["consul", createConsulAdapter(labels)],
];

/** Every query shape the core can send for a mesh: each kind's resource view and edge views, in every shape. */
function everyQuery(mesh: MeshAdapter): string[] {
  const queries: string[] = [];
  const shapes: [LatencyShape, QueryPlan][] = [
    ["buckets", "separate"],
    ["buckets", "joined"],
    ["quantiles", "separate"],
  ];
  for (const kind of mesh.kinds) {
    const views = [
      mesh.resourceView(kind),
      ...mesh.edgeViews(kind).map((v) => ({ family: v.family, self: v.peer })),
    ];
    for (const { family, self } of views) {
      for (const [latency, plan] of shapes) {
        const spec: MeasureSpec = {
          family,
          scope: [eq(self.name, 'we"ird\\name'), ...(self.namespace ? [eq(self.namespace, "shop")] : [])],
          groupBy: self,
          windowMs: 90_000,
          time: new Date(0),
          latency,
          plan,
        };
        const { counts, latency: latencyQuery } = buildQueries(spec);
        queries.push(counts, latencyQuery);
      }
    }
  }
  return queries;
}

describe("PromQL the adapters generate", () => {
  it.each(MESHES)("parses with the PromQL grammar for every %s kind, edge and query shape", (_name, mesh) => {
    const queries = everyQuery(mesh);
    expect(queries.length).toBeGreaterThan(10);
    for (const query of queries) expect(parseErrors(query), query).toEqual([]);
  });

  it("includes Consul's peer placement query", async () => {
    const seen: string[] = [];
    await createConsulAdapter(labels).placeNamespaces?.("services", ["web"], async (q) => {
      seen.push(q);
      return { samples: [], warnings: [] };
    });
    expect(seen).toHaveLength(1);
    expect(parseErrors(seen[0] as string)).toEqual([]);
  });
});

describe("renderSelector", () => {
  it("takes a recording rule's metric name, colons and all, and still refuses such a label name", () => {
    const query = renderSelector("namespace:response_total:rate5m", [eq("namespace", 'sh"op')]);
    expect(query).toBe('namespace:response_total:rate5m{namespace="sh\\"op"}');
    expect(parseErrors(query)).toEqual([]);
    expect(() => renderSelector("response_total", [eq("name:space", "shop")])).toThrow(/invalid label name/);
    expect(() => renderSelector("response-total", [])).toThrow(/invalid metric name/);
  });
});
