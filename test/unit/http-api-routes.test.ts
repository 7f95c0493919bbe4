import { describe, expect, it } from "vitest";
import { httpApiEvents } from "../../src/bundle/http-api-routes";
import { ROUTES, type RouteSpec } from "../../src/http/route-table";
import { gatewayRouteFor, localRouteFor, samplePaths } from "../support/gateway-routes";

const route = (path: string, auth: RouteSpec["auth"], params?: string[]): RouteSpec => ({
  name: path,
  method: "GET",
  path,
  auth,
  cacheable: false,
  ...(params && { params }),
});
const keysOf = (events: ReturnType<typeof httpApiEvents>) =>
  events.map((e) => `${e.httpApi.method} ${e.httpApi.path}${e.httpApi.authorizer ? " locked" : ""}`);

describe("the HTTP API events built from the route table", () => {
  it("names each * after the route's params and deploys a final ** with and without {proxy+}", () => {
    expect(keysOf(httpApiEvents("iam", [route("/g/*/**", "api", ["version"])]))).toEqual([
      "GET /g/{version} locked",
      "GET /g/{version}/{proxy+} locked",
    ]);
  });

  it("keeps the first of two routes that deploy the same key, as the local matcher picks the first", () => {
    const table = [route("/g/*", "none", ["version"]), route("/g/*/**", "api", ["v"])];
    expect(keysOf(httpApiEvents("jwt", table))).toEqual(["GET /g/{version}", "GET /g/{v}/{proxy+} locked"]);
  });

  it("locks only api routes, and with none leaves the lock to the function", () => {
    const table = [
      route("/a", "api"),
      route("/b", "none"),
      { ...route("/c", "webhook"), method: "POST" as const },
    ];
    expect(httpApiEvents("iam", table).map((e) => e.httpApi.authorizer)).toEqual([
      { type: "aws_iam" },
      undefined,
      undefined,
    ]);
    expect(httpApiEvents("jwt", table)[0]?.httpApi.authorizer).toEqual({ name: "jwt" });
    expect(httpApiEvents("none", table).every((e) => e.httpApi.authorizer === undefined)).toBe(true);
  });

  it("refuses a pattern API Gateway cannot express as the local matcher serves it", () => {
    expect(() => httpApiEvents("iam", [route("/g/*", "none")])).toThrow(/has 1 "\*" segments but names 0/);
    expect(() => httpApiEvents("iam", [route("/g/**/x", "none")])).toThrow(/"\*\*" must be last/);
  });
});

describe("the packaging test's own check", () => {
  it("fails the old template, whose GET /apis/{proxy+} locked discovery under iam", () => {
    const old = new Map([
      ["GET /apis", false],
      ["GET /apis/{proxy+}", true],
    ]);
    const wrong = samplePaths(ROUTES).filter(([method, path]) => {
      const local = localRouteFor(ROUTES, method, path);
      const key = gatewayRouteFor(old.keys(), method, path);
      return path.startsWith("/apis") && local !== undefined && old.get(key ?? "") !== (local.auth === "api");
    });
    expect(wrong).toContainEqual(["GET", "/apis/metrics.smi-spec.io/v1alpha2"]);
    expect(wrong).toContainEqual(["GET", "/apis/metrics.smi-spec.io"]);
  });

  it("picks the most specific deployed route: exact, then a path parameter, then {proxy+}", () => {
    const keys = ["GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}"];
    expect(gatewayRouteFor(keys, "GET", "/pets/dog/1")).toBe("GET /pets/dog/1");
    expect(gatewayRouteFor(keys, "GET", "/pets/dog/2")).toBe("GET /pets/dog/{id}");
    expect(gatewayRouteFor(keys, "GET", "/pets/cat/1")).toBe("GET /pets/{proxy+}");
    expect(gatewayRouteFor(keys, "GET", "/pets")).toBeUndefined();
    expect(gatewayRouteFor(keys, "POST", "/pets/dog/1")).toBeUndefined();
  });
});
