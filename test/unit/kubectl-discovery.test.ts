import { describe, expect, it } from "vitest";
import { version as packageVersion } from "../../package.json";
import { createLinkerdAdapter } from "../../src/mesh/linkerd";
import { apiOver, httpEvent } from "../support/harness";
import { RecordingEngine } from "../support/recording-engine";

/** Accept headers kubectl v1.32.4 sends, captured with `-v=8`. */
const AGGREGATED =
  "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
const GET_TABLE =
  "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

const setup = () => {
  const engine = new RecordingEngine();
  return { engine, api: apiOver(engine, createLinkerdAdapter()) };
};

async function get(api: ReturnType<typeof setup>["api"], path: string, accept?: string) {
  const response = await api(httpEvent("GET", path, { headers: accept === undefined ? {} : { accept } }));
  return {
    status: response.statusCode,
    type: response.headers?.["content-type"],
    body: JSON.parse(response.body ?? "null"),
  };
}

describe("what kubectl reads first", () => {
  it("answers its aggregated-discovery requests with the legacy documents, as plain JSON, without a query", async () => {
    const { api, engine } = setup();
    const core = await get(api, "/api?timeout=32s", AGGREGATED);
    expect(core).toEqual({
      status: 200,
      type: "application/json",
      body: { kind: "APIVersions", versions: [], serverAddressByClientCIDRs: [] },
    });
    const groups = await get(api, "/apis?timeout=32s", AGGREGATED);
    expect(groups.type).toBe("application/json");
    expect(groups.body).toEqual({
      kind: "APIGroupList",
      apiVersion: "v1",
      groups: [
        {
          name: "metrics.smi-spec.io",
          versions: [
            { groupVersion: "metrics.smi-spec.io/v1alpha2", version: "v1alpha2" },
            { groupVersion: "metrics.smi-spec.io/v1alpha1", version: "v1alpha1" },
          ],
          preferredVersion: { groupVersion: "metrics.smi-spec.io/v1alpha2", version: "v1alpha2" },
        },
      ],
    });
    const resources = await get(
      api,
      "/apis/metrics.smi-spec.io/v1alpha2?timeout=32s",
      "application/json, */*",
    );
    expect(resources.body.resources).toContainEqual({
      name: "deployments",
      singularName: "deployment",
      namespaced: true,
      kind: "DeploymentTrafficMetrics",
      verbs: ["get", "list"],
    });
    expect(engine.queries).toEqual([]);
  });

  it("reports this server's own version from package.json", async () => {
    const { body } = await get(setup().api, "/version?timeout=5s", "application/json, */*");
    const [major, minor] = packageVersion.split(".");
    expect(body).toMatchObject({ major, minor, gitVersion: `v${packageVersion}` });
  });

  it("answers kubectl get with a Table whose rows carry the object, or its metadata when asked", async () => {
    const { api } = setup();
    const path = "/apis/metrics.smi-spec.io/v1alpha2/namespaces/shop/deployments/web";
    const table = await get(api, `${path}?timeout=10s`, GET_TABLE);
    expect(table.type).toBe("application/json;as=Table;v=v1;g=meta.k8s.io");
    expect(table.body.kind).toBe("Table");
    expect(table.body.rows[0].cells.slice(0, 4)).toEqual(["web", "server", "-", "-"]);
    expect(table.body.rows[0].object.kind).toBe("TrafficMetrics");
    const partial = await get(api, `${path}?includeObject=Metadata`, GET_TABLE);
    expect(partial.body.rows[0].object).toMatchObject({
      kind: "PartialObjectMetadata",
      metadata: { name: "web" },
    });
  });

  it("leaves get --raw, -o json and curl with the plain object", async () => {
    const { api } = setup();
    const path = "/apis/metrics.smi-spec.io/v1alpha2/namespaces/shop/deployments/web";
    for (const accept of ["application/json, */*", "application/json", undefined]) {
      const answer = await get(api, path, accept);
      expect(answer.type).toBe("application/json");
      expect(answer.body.kind).toBe("TrafficMetrics");
    }
  });

  it("answers a request that accepts nothing it writes with 406 and says what it can write", async () => {
    const { status, body } = await get(
      setup().api,
      "/apis/metrics.smi-spec.io/v1alpha2/deployments",
      "application/yaml",
    );
    expect(status).toBe(406);
    expect(body.message).toBe(
      "cannot answer Accept: application/yaml; this path answers application/json or application/json;as=Table;v=v1;g=meta.k8s.io",
    );
  });

  it.each([
    ["labelSelector=app%3Dx", 'unknown query parameter "labelSelector"'],
    ["includeObject=All", "includeObject must be one of Object, Metadata, None"],
  ])("refuses kubectl options it does not serve (%s) with a 400 that says so", async (query, message) => {
    const { status, body } = await get(
      setup().api,
      `/apis/metrics.smi-spec.io/v1alpha2/deployments?${query}`,
      GET_TABLE,
    );
    expect(status).toBe(400);
    expect(body.message).toContain(message);
  });

  it.each([
    ["namespaces/shop/deployments?watch=true", "deployments -n shop"],
    ["deployments?watch=1", "deployments -A"],
    ["namespaces/shop/pods?allowWatchBookmarks=true&resourceVersion=&watch=true", "pods -n shop"],
    ["namespaces/shop/deployments/checkout?watch=true", "deployments -n shop"],
  ])("answers kubectl get -w (%s) with a 400 that points to smi-metrics top --watch", async (path, args) => {
    const { api, engine } = setup();
    const { status, body } = await get(api, `/apis/metrics.smi-spec.io/v1alpha2/${path}`, GET_TABLE);
    expect(status).toBe(400);
    expect(body.message).toBe(
      `watching is not served: these numbers are measured when asked, never streamed. For a table that refreshes, use smi-metrics top --watch: npx smi-metrics top ${args} --watch 5s --api <this API's URL>`,
    );
    expect(engine.queries).toEqual([]);
  });
});
