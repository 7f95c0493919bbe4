import { parser } from "@prometheus-io/lezer-promql";
import { describe, expect, it } from "vitest";
import type { MeshAdapter } from "../../src/mesh/adapter";
import { createCiliumAdapter } from "../../src/mesh/cilium";
import { createConsulAdapter } from "../../src/mesh/consul";
import { createIstioAdapter } from "../../src/mesh/istio";
import { createLinkerdAdapter } from "../../src/mesh/linkerd";
import { buildQueries, type MeasureSpec, type QueryPlan } from "../../src/metrics/query-plan";
import { checkReadiness } from "../../src/metrics/readiness";
import { diagnoseZeros } from "../../src/metrics/zero-diagnosis";
import { eq, renderSelector } from "../../src/prometheus/promql";
import { testContext } from "../support/harness";
import { RecordingEngine } from "../support/recording-engine";

function parseErrors(query: string): string[] {
  const errors: string[] = [];
  parser.parse(query).iterate({
    enter(node) {
      if (node.type.isError) errors.push(`${node.from}: ${query.slice(node.from, node.to + 10)}`);
    },
  });
  return errors;
}

const MESHES: [string, MeshAdapter][] = [
  ["linkerd", createLinkerdAdapter()],
  ["istio", createIstioAdapter()],
  ["consul", createConsulAdapter()],
  ["cilium", createCiliumAdapter()],
];

/** Every query the core can send for a mesh: each kind's resource view and edge views, in both plans. */
function everyQuery(mesh: MeshAdapter): string[] {
  const queries: string[] = [];
  const plans: QueryPlan[] = ["separate", "joined"];
  for (const kind of mesh.kinds) {
    const { family, self } = mesh.resourceView(kind);
    const views = [
      { family, self: { namespace: self.namespace, names: [self.name] } },
      ...mesh.edgeViews(kind).map((v) => ({
        family: v.family,
        self: {
          namespace: v.peer.namespace,
          names: v.peer.names.map((n) => n.label),
          when: v.peer.names.map((n) => n.when ?? []),
        },
      })),
    ];
    for (const { family, self } of views) {
      for (const plan of plans) {
        const spec: MeasureSpec = {
          family,
          scope: [
            eq(self.names[0] as string, 'we"ird\\name'),
            ...(self.namespace ? [eq(self.namespace, "shop")] : []),
          ],
          groupBy: self,
          windowMs: 90_000,
          time: new Date(0),
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
  it.each(MESHES)("parses with the PromQL grammar for every %s kind, edge and query plan", (_name, mesh) => {
    const queries = everyQuery(mesh);
    expect(queries.length).toBeGreaterThan(10);
    for (const query of queries) expect(parseErrors(query), query).toEqual([]);
  });

  it("includes Consul's peer placement query", async () => {
    const seen: string[] = [];
    await createConsulAdapter().placeNamespaces?.("services", ["web"], async (q) => {
      seen.push(q);
      return { samples: [], warnings: [] };
    });
    expect(seen).toHaveLength(1);
    expect(parseErrors(seen[0] as string)).toEqual([]);
  });

  it.each(MESHES)(
    "parses the zero diagnosis and readiness queries for every %s kind",
    async (_name, mesh) => {
      const engine = new RecordingEngine();
      const deps = testContext({ engine, mesh, backendDescription: "test" });
      const run = (q: string) => engine.instantQuery(q, new Date(0));
      for (const kind of mesh.kinds) {
        for (const target of [
          { kind, namespace: "shop", name: 'we"ird\\name' },
          { kind, namespace: "shop" },
          { kind },
        ]) {
          await diagnoseZeros(deps, [{ target, named: ['response_total{pod="x"}'] }], new Date(0), run);
        }
        // Several objects of the kind in one query, as a split's zero backends are asked about.
        await diagnoseZeros(
          deps,
          [
            { target: { kind, namespace: "shop", name: "a" } },
            { target: { kind, namespace: "store", name: "b" }, named: ['response_total{pod="y"}'] },
          ],
          new Date(0),
          run,
        );
      }
      await checkReadiness(deps, new Date(0));
      expect(engine.queries.length).toBe(mesh.kinds.length * 4 + 1);
      for (const query of engine.queries) expect(parseErrors(query), query).toEqual([]);
    },
  );
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
