import { describe, expect, it } from "vitest";
import { readKubectlQuery } from "../../src/smi/kubectl-query";
import { negotiate } from "../../src/smi/representation";

/** Accept headers kubectl v1.32.4 sent, captured with `-v=8` against a logging server. */
const KUBECTL = {
  get: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json",
  getOutputJson: "application/json",
  discovery:
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json",
  raw: "application/json, */*",
};

describe("Accept negotiation", () => {
  it("gives kubectl get a Table", () => {
    expect(negotiate(KUBECTL.get, ["json", "table"])).toBe("table");
  });

  it("gives -o json, get --raw and clients without an Accept header the plain object", () => {
    expect(negotiate(KUBECTL.getOutputJson, ["json", "table"])).toBe("json");
    expect(negotiate(KUBECTL.raw, ["json", "table"])).toBe("json");
    expect(negotiate(undefined, ["json", "table"])).toBe("json");
    expect(negotiate("", ["json", "table"])).toBe("json");
  });

  it("answers aggregated discovery requests with the legacy document kubectl falls back to", () => {
    expect(negotiate(KUBECTL.discovery, ["json"])).toBe("json");
  });

  it("gives JSON to a Table request on a route that has no Table form, when JSON is also accepted", () => {
    expect(negotiate(KUBECTL.get, ["json"])).toBe("json");
  });

  it("honours q values over the order of ranges", () => {
    expect(
      negotiate("application/json;q=0.5,application/json;as=Table;v=v1;g=meta.k8s.io", ["json", "table"]),
    ).toBe("table");
    expect(negotiate("application/json;as=Table;v=v1;g=meta.k8s.io;q=0, */*", ["json", "table"])).toBe(
      "json",
    );
  });

  it.each([
    ["only a Table version we do not serve", "application/json;as=Table;v=v1beta1;g=meta.k8s.io"],
    ["only aggregated discovery", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"],
    ["only YAML", "application/yaml"],
    ["only protobuf", "application/vnd.kubernetes.protobuf"],
  ])("finds nothing acceptable in %s", (_what, accept) => {
    expect(negotiate(accept, ["json", "table"])).toBeUndefined();
  });

  it("reads media types case-insensitively and ignores charset", () => {
    expect(negotiate("Application/JSON; charset=utf-8", ["json", "table"])).toBe("json");
  });
});

describe("kubectl's query parameters", () => {
  const read = (query: string) => readKubectlQuery(new URLSearchParams(query));

  it("puts the whole TrafficMetrics in each row unless told otherwise", () => {
    expect(read("")).toEqual({ includeObject: "Object" });
    expect(read("includeObject=Metadata&timeout=32s")).toEqual({ includeObject: "Metadata" });
    expect(read("includeObject=None&timeout=1m0s")).toEqual({ includeObject: "None" });
  });

  it.each([
    ["includeObject=Everything", "includeObject must be one of Object, Metadata, None"],
    ["timeout=soon", "timeout must be a duration such as 32s or 1m0s"],
  ])("refuses %s with a message naming what is accepted", (query, message) => {
    expect(() => read(query)).toThrow(message);
  });
});
