/**
 * The Cilium adapter's queries and how their answers fold, over an engine that answers as a
 * Prometheus would: one reporter per pair, failures by status, seconds to milliseconds for both
 * histogram forms, and the series of the deprecated v1 handler left out.
 */
import { describe, expect, it } from "vitest";
import { createCiliumAdapter } from "../../src/mesh/cilium";
import { measure } from "../../src/metrics/measure";
import { buildQueries, type MeasureSpec } from "../../src/metrics/query-plan";
import { grouping, identityMatchers } from "../../src/metrics/resource-ref";
import type { QueryEngine, QueryOptions, QueryResult } from "../../src/prometheus/client";
import type { VectorSample } from "../../src/prometheus/envelope";

/** An engine that answers each query with the samples `answer` gives it, streamed as the client does. */
class Answering implements QueryEngine {
  readonly queries: string[] = [];
  constructor(private readonly answer: (query: string) => VectorSample[]) {}
  async instantQuery(query: string, _time: Date, options: QueryOptions = {}): Promise<QueryResult> {
    this.queries.push(query);
    const samples = this.answer(query);
    for (const s of samples) options.onSample?.(s);
    return { samples: options.onSample === undefined ? samples : [], warnings: [] };
  }
  async rangeQuery(): Promise<QueryResult> {
    throw new Error("these tests ask for instant answers only");
  }
}

const mesh = createCiliumAdapter();
const ref = { kind: "deployments" as const, namespace: "shop", name: "checkout" };
const specOf = (kind: "deployments" | "statefulsets", sides?: "together"): MeasureSpec => {
  const view = mesh.resourceView(kind);
  return {
    family: view.family,
    scope: identityMatchers(view.self, ref),
    groupBy: grouping(view.self),
    windowMs: 300_000,
    time: new Date(0),
    ...(sides === undefined ? {} : { sides }),
  };
};
const sample = (metric: Record<string, string>, value: number): VectorSample => ({
  metric,
  value: [0, value],
});
const pair = (source: string, reporter: string) => ({
  destination_workload: "checkout",
  source_namespace: "shop",
  source_workload: source,
  reporter,
});

describe("Cilium's resource queries", () => {
  it("select httpV2's counter only (status is never empty there), the kind, and each pair's reporter", () => {
    const { counts, latency } = buildQueries(specOf("statefulsets", "together"));
    expect(counts).toContain(
      'hubble_http_requests_total{destination_workload_kind="StatefulSet", status!=""',
    );
    expect(counts).toContain(
      "sum by (destination_workload, reporter, source_namespace, source_workload, source_workload_kind, status, cluster)",
    );
    // The histogram has no status label: the counter's own matcher stays off it.
    expect(latency).not.toContain('status!=""');
    // Natively, the server's histogram per pair, else the client's, summed whatever the side.
    expect(latency).toContain(
      'rate(hubble_http_request_duration_seconds{destination_workload_kind="StatefulSet", destination_workload="checkout", destination_namespace="shop", reporter="server"}[5m]) or on(destination_workload, source_namespace, source_workload, source_workload_kind) rate(hubble_http_request_duration_seconds{destination_workload_kind="StatefulSet", destination_workload="checkout", destination_namespace="shop", reporter="client"}[5m])',
    );
    expect(latency).toContain("histogram_quantile(0.5, sum by (destination_workload) (");
  });

  it("reads a deployment as any workload no other kind claims, or one without a kind label", () => {
    const { counts } = buildQueries(specOf("deployments"));
    expect(counts).toContain(
      'destination_workload_kind!="StatefulSet", destination_workload_kind!="DaemonSet", destination_workload_kind!="Job", destination_workload_kind!="ReplicaSet", destination_workload_kind!="CronJob"',
    );
  });
});

describe("Cilium's answers, folded", () => {
  it("keeps the server's series of a pair both agents report, the client's where only it reports, and adds the pairs", async () => {
    const engine = new Answering((q) =>
      q.includes("increase(")
        ? [
            sample({ ...pair("frontend", "server"), status: "200" }, 100),
            sample({ ...pair("frontend", "server"), status: "503" }, 5),
            sample({ ...pair("frontend", "client"), status: "200" }, 100),
            sample({ ...pair("frontend", "client"), status: "503" }, 9),
            sample({ ...pair("cart", "client"), status: "404" }, 20),
            sample({ ...pair("cart", "client"), status: "0" }, 2),
            sample({ ...pair("cart", "unknown"), status: "200" }, 1000),
          ]
        : [],
    );
    const { objects } = await measure(engine, specOf("deployments", "together"));
    expect(objects).toHaveLength(1);
    expect(objects[0]?.measurement).toMatchObject({ successCount: 120, failureCount: 7 });
  });

  it("turns native quantiles in seconds into milliseconds", async () => {
    const engine = new Answering((q) =>
      q.includes("increase(")
        ? [sample({ ...pair("frontend", "server"), status: "200" }, 10)]
        : [
            sample({ destination_workload: "checkout", smi_q: "0.5" }, 0.0125),
            sample({ destination_workload: "checkout", smi_q: "0.9" }, 0.2),
            sample({ destination_workload: "checkout", smi_q: "0.99" }, 2.5),
          ],
    );
    const { objects } = await measure(engine, specOf("deployments", "together"));
    expect(objects[0]?.measurement).toMatchObject({ p50Ms: 12.5, p90Ms: 200, p99Ms: 2500 });
  });

  it("names no object from histogram series alone: the v1 handler's share httpV2's name", async () => {
    const engine = new Answering((q) =>
      q.includes("increase(") ? [] : [sample({ ...pair("frontend", "server"), le: "0.005" }, 3)],
    );
    const { objects } = await measure(engine, specOf("deployments", "together"));
    expect(objects).toEqual([]);
  });
});
