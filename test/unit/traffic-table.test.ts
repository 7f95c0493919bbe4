import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  backendMetrics,
  selfLinkOf,
  trafficMetrics,
  trafficMetricsList,
} from "../../src/answers/smi-objects";
import type { Measurement } from "../../src/metrics/measurement";
import type { ResourceRef } from "../../src/smi/kinds";
import { parseQuantity, trafficNumbers } from "../../src/smi/metric-values";
import { formatMilliQuantity } from "../../src/smi/quantity";
import { TrafficMetricsListSchema, TrafficMetricsSchema } from "../../src/smi/schemas";
import { trafficTable } from "../../src/smi/table";
import { TableSchema } from "../../src/smi/table-schemas";

const time = new Date("2026-11-25T20:00:00Z");
/** A resource's own numbers, measured at its own proxy (the server side). */
const OWN = { direction: "from", peer: null, side: "server" } as const;
const item = (ref: ResourceRef, m: Measurement, windowMs = 300_000) =>
  trafficMetrics({
    version: "v1alpha2",
    resource: ref,
    edge: OWN,
    time,
    windowMs,
    measurement: m,
    selfLink: selfLinkOf("v1alpha2", ref),
  });

const busy = item(
  { kind: "deployments", namespace: "shop", name: "checkout" },
  { successCount: 570, failureCount: 30, p50Ms: 148.657, p90Ms: 353.484, p99Ms: 882.626 },
);
const idle = item(
  { kind: "deployments", namespace: "shop", name: "idle" },
  { successCount: 0, failureCount: 0, p50Ms: null, p90Ms: null, p99Ms: null },
);
const list = trafficMetricsList({
  version: "v1alpha2",
  selfLink: "/apis/metrics.smi-spec.io/v1alpha2/namespaces/shop/deployments",
  resource: { kind: "Deployment", namespace: "shop" },
  items: [busy, idle],
});

describe("Quantity read-back", () => {
  it("reads every DecimalSI Quantity to the number it encodes", () => {
    const exponents = { m: -3, "": 0, k: 3, M: 6, G: 9 } as const;
    fc.assert(
      fc.property(
        fc.integer({ min: -1e9, max: 1e9 }),
        fc.constantFrom(...(Object.keys(exponents) as (keyof typeof exponents)[])),
        (mantissa, suffix) => {
          expect(parseQuantity(`${mantissa}${suffix}`)).toBe(Number(`${mantissa}e${exponents[suffix]}`));
        },
      ),
    );
  });

  it("reads back what the formatter writes for values it holds exactly", () => {
    for (const value of [0, 0.001, 1.5, 73.492, 100.5, 570, 1000, 1500, 2_000_000, -1.5]) {
      expect(parseQuantity(formatMilliQuantity(value))).toBe(value);
    }
  });

  it("refuses text that is not a canonical Quantity", () => {
    expect(() => parseQuantity("1.5")).toThrow("is not a DecimalSI Quantity");
    expect(() => parseQuantity("12Ki")).toThrow("is not a DecimalSI Quantity");
  });
});

describe("TrafficMetrics as a Table", () => {
  it("builds objects the wire schemas accept", () => {
    expect(TrafficMetricsSchema.parse(busy)).toEqual(busy);
    expect(TrafficMetricsListSchema.parse(list)).toEqual(list);
  });

  it("prints success rate, requests per second and latencies, with counts and window for -o wide", () => {
    const table = TableSchema.parse(trafficTable(list, "Object"));
    expect(table.columnDefinitions.map((c) => [c.name, c.priority])).toEqual([
      ["Name", 0],
      ["Side", 0],
      ["Success", 0],
      ["RPS", 0],
      ["Latency_P50", 0],
      ["Latency_P90", 0],
      ["Latency_P99", 0],
      ["Success_Count", 1],
      ["Failure_Count", 1],
      ["Window", 1],
    ]);
    // 600 requests over 5 minutes: 2 per second; 570 of 600 succeeded.
    expect(table.rows[0]?.cells).toEqual([
      "checkout",
      "server",
      "95.00%",
      "2.00rps",
      "149ms",
      "353ms",
      "883ms",
      "570",
      "30",
      "5m",
    ]);
    expect(table.rows[0]?.object).toEqual(busy);
  });

  it("shows - for an idle resource's rates and latencies instead of 0%", () => {
    const table = trafficTable(list, "Object");
    expect(table.rows[1]?.cells).toEqual(["idle", "server", "-", "-", "-", "-", "-", "0", "0", "5m"]);
  });

  it("rounds a success rate to the nearest hundredth, as reports and the gate print it", () => {
    const rate = item(
      { kind: "pods", namespace: "shop", name: "p" },
      { successCount: 870, failureCount: 30, p50Ms: 1, p90Ms: 2, p99Ms: 3 },
    );
    expect(trafficTable(rate, "Object").rows[0]?.cells[2]).toBe("96.67%");
  });

  it("never rounds a rate with failures up to 100.00%", () => {
    const nearlyAll = item(
      { kind: "pods", namespace: "shop", name: "p" },
      { successCount: 99_999, failureCount: 1, p50Ms: 0.75, p90Ms: 9.5, p99Ms: 49.96 },
    );
    const [row] = trafficTable(nearlyAll, "Object").rows;
    expect(row?.cells.slice(0, 7)).toEqual([
      "p",
      "server",
      "99.99%",
      "333.33rps",
      "0.75ms",
      "9.50ms",
      "50.0ms",
    ]);
  });

  it("puts PartialObjectMetadata in rows when asked for metadata, and nothing for None", () => {
    const metadata = TableSchema.parse(trafficTable(busy, "Metadata"));
    expect(metadata.rows[0]?.object).toEqual({
      kind: "PartialObjectMetadata",
      apiVersion: "meta.k8s.io/v1",
      metadata: busy.metadata,
    });
    expect(trafficTable(busy, "None").rows[0]?.object).toBeNull();
  });

  it("lists edges with their direction, peer and measuring side", () => {
    const ref: ResourceRef = { kind: "deployments", namespace: "shop", name: "web" };
    const edges = trafficMetricsList({
      version: "v1alpha2",
      selfLink: selfLinkOf("v1alpha2", ref, "/edges"),
      resource: { kind: "Deployment", namespace: "shop", name: "web" },
      items: [
        trafficMetrics({
          version: "v1alpha2",
          resource: ref,
          edge: {
            direction: "to",
            peer: { kind: "deployments", namespace: "payments", name: "api" },
            side: "client",
          },
          time,
          windowMs: 60_000,
          measurement: { successCount: 59, failureCount: 1, p50Ms: 5, p90Ms: 9, p99Ms: 10 },
          selfLink: selfLinkOf("v1alpha2", ref, "/edges"),
        }),
      ],
    });
    const table = TableSchema.parse(trafficTable(edges, "Object"));
    expect(table.columnDefinitions.slice(0, 4).map((c) => c.name)).toEqual([
      "Name",
      "Direction",
      "Peer",
      "Side",
    ]);
    expect(table.rows[0]?.cells.slice(0, 6)).toEqual([
      "web",
      "to",
      "payments/api",
      "client",
      "98.33%",
      "1.00rps",
    ]);
  });

  it("says which side measured a resource's own numbers, in the object (v1alpha2) and the Table", () => {
    expect(busy.edge).toEqual({ direction: "from", resource: null, side: "server" });
    const client = item(
      { kind: "services", namespace: "shop", name: "web" },
      { successCount: 114, failureCount: 16, p50Ms: 1, p90Ms: 2, p99Ms: 3 },
    );
    const sided = trafficTable({ ...client, edge: { ...client.edge, side: "client" } }, "Object");
    expect(sided.rows[0]?.cells.slice(0, 3)).toEqual(["web", "client", "87.69%"]);
  });

  it("shows the side in a v1alpha1 Table too, though a v1alpha1 object has no side field", () => {
    const ref: ResourceRef = { kind: "deployments", namespace: "shop", name: "checkout" };
    const old = trafficMetrics({
      version: "v1alpha1",
      resource: ref,
      edge: OWN,
      time,
      windowMs: 300_000,
      measurement: { successCount: 570, failureCount: 30, p50Ms: 1, p90Ms: 2, p99Ms: 3 },
      selfLink: selfLinkOf("v1alpha1", ref),
    });
    const table = TableSchema.parse(trafficTable(old, "Object"));
    expect(table.rows[0]?.cells.slice(0, 3)).toEqual(["checkout", "server", "95.00%"]);
    const object = table.rows[0]?.object as { edge: unknown } | undefined;
    expect(object?.edge).toEqual({ direction: "from", resource: null });
  });

  it("lists a split's backends with the side that measured each, before its success rate", () => {
    const ref: ResourceRef = { kind: "httproutes", namespace: "store", name: "web" };
    const backend = backendMetrics({
      version: "v1alpha2",
      resource: ref,
      time,
      windowMs: 300_000,
      measurement: { successCount: 342, failureCount: 48, p50Ms: 30, p90Ms: 90, p99Ms: 900 },
      selfLink: selfLinkOf("v1alpha2", ref),
      backend: { apex: "web", name: "web-canary", weight: 10, share: 0.126, side: "client" },
    });
    const table = TableSchema.parse(trafficTable(backend, "Object"));
    expect(table.columnDefinitions.slice(0, 6).map((c) => c.name)).toEqual([
      "Name",
      "Backend",
      "Weight",
      "Share",
      "Side",
      "Success",
    ]);
    expect(table.rows[0]?.cells.slice(0, 6)).toEqual([
      "web",
      "web-canary",
      "10",
      "12.60%",
      "client",
      "87.69%",
    ]);
  });

  it("reads the numbers back from the object it serves", () => {
    expect(trafficNumbers(busy)).toEqual({
      successCount: 570,
      failureCount: 30,
      requests: 600,
      successRate: 0.95,
      requestsPerSecond: 2,
      p50Ms: 148.657,
      p90Ms: 353.484,
      p99Ms: 882.626,
    });
  });
});
