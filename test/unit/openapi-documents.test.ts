import { createHash } from "node:crypto";
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, expectTypeOf, it } from "vitest";
import type * as z from "zod";
import type { GateVerdict } from "../../src/answers/flagger-gate";
import type { Summary } from "../../src/answers/summary";
import { createContext } from "../../src/config/context";
import { loadConfig } from "../../src/config/settings";
import { createApiHandler } from "../../src/http/api-handler";
import { matchRoute } from "../../src/http/route-table";
import type { MeshAdapter } from "../../src/mesh/adapter";
import { createLinkerdAdapter } from "../../src/mesh/linkerd";
import { MESH_NAMES } from "../../src/mesh/select";
import { GateVerdictSchema, HealthSchema, SummarySchema } from "../../src/openapi/http-bodies";
import { discoveryKindOf } from "../../src/smi/discovery";
import { httpEvent, testContext } from "../support/harness";
import { RecordingEngine } from "../support/recording-engine";

/** The api over a mesh adapter, deployed with these variables (`API_AUTH`, `API_TOKEN`, ...). */
const handlerFor = (mesh: MeshAdapter, env: Record<string, string> = {}) =>
  createApiHandler(testContext({ engine: new RecordingEngine(), mesh, backendDescription: "test" }, env), {
    log: () => {},
  });

async function get(handler: ReturnType<typeof handlerFor>, path: string, accept?: string) {
  const response = await handler(httpEvent("GET", path, accept === undefined ? {} : { headers: { accept } }));
  return {
    status: response.statusCode,
    contentType: response.headers?.["content-type"],
    text: response.body ?? "",
  };
}

async function expectValidOpenApi(document: unknown, version: string) {
  const validator = new Validator();
  const result = await validator.validate(document as Record<string, unknown>);
  expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
  expect(result.valid).toBe(true);
  expect(validator.version).toBe(version);
}

const meshes = MESH_NAMES.map((mesh) => [mesh, createContext(loadConfig({}, { MESH: mesh })).mesh] as const);

describe("GET /openapi.json", () => {
  it.each(meshes)("is a valid OpenAPI 3.1 document of every route for %s", async (_name, mesh) => {
    const { status, text } = await get(handlerFor(mesh), "/openapi.json");
    expect(status).toBe(200);
    const document = JSON.parse(text);
    await expectValidOpenApi(document, "3.1");
    expect(document.components.parameters.kind.schema.enum).toEqual([...mesh.kinds]);
  });

  it("describes only paths the route table serves", async () => {
    const document = JSON.parse((await get(handlerFor(createLinkerdAdapter()), "/openapi.json")).text);
    for (const [template, item] of Object.entries(document.paths as Record<string, object>)) {
      const path = template
        .replace("{version}", "v1alpha2")
        .replace("{kind}", "deployments")
        .replace("{namespace}", "shop")
        .replace("{name}", "web");
      for (const method of Object.keys(item)) {
        expect(() => matchRoute(method.toUpperCase(), path), `${method} ${template}`).not.toThrow();
      }
    }
  });

  it.each([
    ["iam", { API_AUTH: "iam" }, "sigv4"],
    ["jwt", { API_AUTH: "jwt" }, "jwt"],
    ["none with API_TOKEN", { API_AUTH: "none", API_TOKEN: "api-token-0123456789" }, "apiToken"],
  ] as const)(
    "locks the SMI routes as the deployment does under %s, and leaves discovery open",
    async (_what, auth, scheme) => {
      const document = JSON.parse(
        (await get(handlerFor(createLinkerdAdapter(), auth), "/openapi.json")).text,
      );
      await expectValidOpenApi(document, "3.1");
      const list = document.paths["/apis/metrics.smi-spec.io/{version}/namespaces/{namespace}/{kind}"].get;
      expect(list.security).toEqual([{ [scheme]: [] }]);
      expect(list.responses["401"]).toBeDefined();
      expect(document.paths["/apis"].get.security).toEqual([]);
      expect(document.paths["/openapi.json"].get.security).toEqual([]);
    },
  );

  it("names the webhook token as a query parameter when one is set", async () => {
    const handler = handlerFor(createLinkerdAdapter(), { WEBHOOK_TOKEN: "webhook-token-0123456789" });
    const document = JSON.parse((await get(handler, "/openapi.json")).text);
    expect(document.paths["/webhooks/flagger"].post.security).toEqual([{ webhookToken: [] }]);
    expect(document.components.securitySchemes.webhookToken).toMatchObject({
      type: "apiKey",
      in: "query",
      name: "token",
    });
  });

  it("keeps the wire schemas of the summary, verdict and health equal to the types the code builds", async () => {
    // At run time: each answer the handler builds passes its strict schema unchanged.
    const handler = handlerFor(createLinkerdAdapter());
    const gate = {
      name: "web",
      namespace: "shop",
      phase: "Progressing",
      metadata: { time: "2026-11-25T11:00:00Z" },
    };
    const answers = [
      [HealthSchema, await handler(httpEvent("GET", "/healthz"))],
      [
        SummarySchema,
        await handler(httpEvent("GET", "/summary/namespaces/shop/deployments/web?time=2026-11-25T11:00:00Z")),
      ],
      [
        GateVerdictSchema,
        await handler(httpEvent("POST", "/webhooks/flagger", { body: JSON.stringify(gate) })),
      ],
    ] as const;
    for (const [schema, response] of answers) {
      const body = JSON.parse(response.body ?? "null");
      expect(schema.parse(body)).toEqual(body);
    }
    // At compile time (npm run typecheck): the schemas' types equal the code's.
    expectTypeOf<z.infer<typeof SummarySchema>>().toEqualTypeOf<{
      -readonly [K in keyof Summary]: Summary[K];
    }>();
    expectTypeOf<Omit<z.infer<typeof GateVerdictSchema>, "checks" | "summary" | "resource">>().toEqualTypeOf<
      Omit<{ -readonly [K in keyof GateVerdict]: GateVerdict[K] }, "checks" | "summary" | "resource">
    >();
    expectTypeOf<z.infer<typeof GateVerdictSchema>["resource"]>().toEqualTypeOf<GateVerdict["resource"]>();
    expectTypeOf<z.infer<typeof HealthSchema>>().toEqualTypeOf<{
      status: "ok";
      mesh: string;
      backend: string;
    }>();
  });
});

describe("Kubernetes OpenAPI documents", () => {
  it.each(meshes)(
    "index one valid OpenAPI 3.0 document per version, by its content hash, for %s",
    async (_n, mesh) => {
      const handler = handlerFor(mesh);
      const index = JSON.parse((await get(handler, "/openapi/v3?timeout=32s")).text);
      expect(Object.keys(index.paths)).toEqual([
        "apis/metrics.smi-spec.io/v1alpha1",
        "apis/metrics.smi-spec.io/v1alpha2",
      ]);
      for (const [key, { serverRelativeURL }] of Object.entries(
        index.paths as Record<string, { serverRelativeURL: string }>,
      )) {
        const version = key.split("/").at(-1);
        const { status, text } = await get(handler, serverRelativeURL);
        expect(status).toBe(200);
        const hash = createHash("sha512").update(text).digest("hex").toUpperCase();
        expect(serverRelativeURL).toBe(`/openapi/v3/${key}?hash=${hash}`);
        const document = JSON.parse(text);
        await expectValidOpenApi(document, "3.0");
        const schema = document.components.schemas[`io.smi-spec.metrics.${version}.TrafficMetrics`];
        expect(schema["x-kubernetes-group-version-kind"]).toContainEqual({
          group: "metrics.smi-spec.io",
          version,
          kind: "TrafficMetrics",
        });
        // kubectl explain finds the kind of a resource from the GET at its list path, then the
        // schema that names that kind.
        for (const kind of mesh.kinds) {
          const list = document.paths[`/apis/metrics.smi-spec.io/${version}/${kind}`];
          const gvk = list.get["x-kubernetes-group-version-kind"];
          expect(gvk).toEqual({ group: "metrics.smi-spec.io", version, kind: discoveryKindOf(kind) });
          expect(schema["x-kubernetes-group-version-kind"]).toContainEqual(gvk);
        }
      }
    },
  );

  it("serves every version's types as one valid Swagger 2.0 document for the aggregator", async () => {
    const { status, text } = await get(handlerFor(createLinkerdAdapter()), "/openapi/v2", "application/json");
    expect(status).toBe(200);
    const document = JSON.parse(text);
    await expectValidOpenApi(document, "2.0");
    expect(
      document.definitions["io.smi-spec.metrics.v1alpha1.TrafficMetricsList"][
        "x-kubernetes-group-version-kind"
      ],
    ).toEqual([{ group: "metrics.smi-spec.io", version: "v1alpha1", kind: "TrafficMetricsList" }]);
  });

  it("publishes structural types, as Kubernetes does: a metric's fields and an edge's peer are named, never an opaque union", async () => {
    const handler = handlerFor(createLinkerdAdapter());
    const v3 = (await get(handler, "/openapi/v3/apis/metrics.smi-spec.io/v1alpha2")).text;
    const v2 = (await get(handler, "/openapi/v2", "application/json")).text;
    for (const text of [v3, v2]) expect(text).not.toContain("anyOf");
    const schemas = JSON.parse(v3).components.schemas;
    const metric = schemas["io.smi-spec.metrics.v1alpha2.TrafficMetrics"].properties.metrics.items;
    expect(Object.keys(metric.properties)).toEqual(["name", "unit", "value"]);
    expect(metric.required).toEqual(["name", "value"]);
    expect(metric.properties.name.enum).toEqual([
      "p99_response_latency",
      "p90_response_latency",
      "p50_response_latency",
      "success_count",
      "failure_count",
      "traffic_share",
    ]);
    expect(metric.properties.value.nullable).toBe(true);
    expect(schemas["io.smi-spec.metrics.v1alpha2.Edge"].properties.resource.allOf).toEqual([
      { $ref: "#/components/schemas/io.smi-spec.metrics.v1alpha2.ObjectReference" },
    ]);
    const edge = JSON.parse(v2).definitions["io.smi-spec.metrics.v1alpha2.Edge"];
    expect(edge.properties.resource).toMatchObject({
      "x-nullable": true,
      allOf: [{ $ref: "#/definitions/io.smi-spec.metrics.v1alpha2.ObjectReference" }],
    });
  });

  it("answers a protobuf-only request for /openapi/v2 with 406, so client-go does not misread JSON as protobuf", async () => {
    const { status, text } = await get(
      handlerFor(createLinkerdAdapter()),
      "/openapi/v2",
      "application/com.github.proto-openapi.spec.v2@v1.0+protobuf",
    );
    expect(status).toBe(406);
    expect(JSON.parse(text)).toMatchObject({ kind: "Status", reason: "NotAcceptable", code: 406 });
  });

  it("refuses an unknown version's document with a 404 Status naming the served ones", async () => {
    const { status, text } = await get(
      handlerFor(createLinkerdAdapter()),
      "/openapi/v3/apis/metrics.smi-spec.io/v2",
    );
    expect(status).toBe(404);
    expect(JSON.parse(text).message).toContain("served versions are v1alpha1, v1alpha2");
  });
});
