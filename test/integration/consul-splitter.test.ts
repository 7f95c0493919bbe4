import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConsulClient } from "../../src/consul/client";
import { ConsulSplitSource } from "../../src/consul/splitter";
import { type ConsulDouble, startConsulDouble } from "../../src/dev/consul-double";
import { BackendResponseError } from "../../src/errors/backend-errors";
import { NotFoundError } from "../../src/errors/request-errors";

const READER = "reader-token";
const NOBODY = "no-read-token";

describe("Consul service-splitter reads", () => {
  let consul: ConsulDouble;
  beforeAll(async () => {
    consul = await startConsulDouble({
      catalog: [
        { name: "web", meta: { "k8s-namespace": "shop" }, instances: 2 },
        { name: "web-canary", meta: { "k8s-namespace": "shop" }, instances: 1 },
        { name: "ledger", meta: { "k8s-namespace": "billing" }, instances: 1 },
      ],
      splitters: [
        {
          name: "web",
          splits: [
            { weight: 90, service: "web" },
            { weight: 10, service: "web-canary" },
          ],
        },
        {
          name: "ledger",
          splits: [
            { weight: 50, serviceSubset: "v1" },
            { weight: 50, serviceSubset: "v2" },
          ],
        },
        { name: "orphan", splits: [{ weight: 100, service: "elsewhere" }] },
      ],
      tokens: { [READER]: { wildcardRead: true }, [NOBODY]: { wildcardRead: false } },
    });
  });
  afterAll(() => consul.close());

  const client = (token = READER) => new ConsulClient({ address: consul.url, token, timeoutMs: 5000 });

  it("reads the entry Consul stores, field for field", async () => {
    expect(await client().serviceSplitter("web")).toEqual({
      Kind: "service-splitter",
      Name: "web",
      Splits: [
        { Weight: 90, Service: "web" },
        { Weight: 10, Service: "web-canary" },
      ],
      CreateIndex: 42,
      ModifyIndex: 42,
    });
    expect(consul.requests.at(-1)).toMatchObject({ path: "/v1/config/service-splitter/web", token: READER });
  });

  it("reads the catalog and the config entries of CONSUL_DATACENTER when it is set, as the metrics are pinned", async () => {
    const before = consul.requests.length;
    const dc2 = new ConsulClient({ address: consul.url, token: READER, timeoutMs: 5000, datacenter: "dc2" });
    await dc2.services();
    await dc2.serviceSplitter("search");
    const asked = consul.requests.slice(before).filter((r) => r.path.startsWith("/v1/"));
    expect(asked.length).toBeGreaterThan(1);
    expect(asked.every((r) => r.query === "?dc=dc2")).toBe(true);
    const before2 = consul.requests.length;
    await client().serviceSplitter("search");
    expect(consul.requests.slice(before2).map((r) => r.query)).toEqual([""]);
  });

  it("answers undefined for a service without a splitter (Consul's 404)", async () => {
    expect(await client().serviceSplitter("checkout")).toBeUndefined();
  });

  it("serves a splitter as a split in the namespace its apex is registered in", async () => {
    const source = new ConsulSplitSource(client());
    expect(await source.get("trafficsplits", "shop", "web")).toEqual([
      {
        kind: "trafficsplits",
        namespace: "shop",
        name: "web",
        source: "consul service-splitter",
        apex: { namespace: "shop", name: "web" },
        backends: [
          { namespace: "shop", name: "web", weight: 90 },
          { namespace: "shop", name: "web-canary", weight: 10 },
        ],
      },
    ]);
    const [ledger] = await source.list("trafficsplits", "billing");
    expect(ledger?.backends).toEqual([
      { namespace: "billing", name: "ledger", weight: 50, subset: "v1" },
      { namespace: "billing", name: "ledger", weight: 50, subset: "v2" },
    ]);
    expect((await source.list("trafficsplits", undefined)).map((s) => s.name)).toEqual(["web", "ledger"]);
  });

  it("says why a get finds no split: no splitter, or the apex is in another namespace or none", async () => {
    const source = new ConsulSplitSource(client());
    await expect(source.get("trafficsplits", "shop", "checkout")).rejects.toThrow(
      new NotFoundError("Consul has no service-splitter config entry for service checkout"),
    );
    await expect(source.get("trafficsplits", "shop", "ledger")).rejects.toThrow(
      "which consul-k8s registered in namespace billing, not shop",
    );
    await expect(source.get("trafficsplits", "shop", "orphan")).rejects.toThrow(
      "in no Kubernetes namespace (no k8s-namespace meta in the catalog)",
    );
    await expect(source.get("httproutes", "shop", "web")).rejects.toThrow(NotFoundError);
  });

  it("reports a token without service:read as Consul refusing, with its 403", async () => {
    const error = await client(NOBODY)
      .serviceSplitter("web")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendResponseError);
    expect((error as BackendResponseError).status).toBe(403);
    expect((error as Error).message).toContain(
      "Consul refused the request (HTTP 403): Permission denied: token lacks permission 'service:read' on \"web\"",
    );
  });
});
