import { gunzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import type { HttpLambda } from "../../src/dev/local-server";
import { serveLambdas } from "../../src/dev/local-server";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function serve(handler: HttpLambda, gatewayTimeoutMs?: number) {
  const server = await serveLambdas(
    () => handler,
    0,
    "127.0.0.1",
    gatewayTimeoutMs === undefined ? {} : { gatewayTimeoutMs },
  );
  closers.push(server.close);
  return server.url;
}

describe("the local server, as API Gateway and Lambda would answer", () => {
  it("fails a result over Lambda's 6,291,456 bytes with the platform's bare 500, as deployed", async () => {
    // 6,291,440 bytes of body plus the 28 of {"statusCode":200,"body":""}: 12 bytes over the limit.
    const url = await serve(async () => ({ statusCode: 200, body: "x".repeat(6_291_440) }));
    const response = await fetch(`${url}/big`);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: "Internal Server Error" });
  });

  it("counts the JSON escaping of the body in the limit, as Lambda serializes the result", async () => {
    // 3.2 MB of quotes is 6.4 MB once escaped inside the result's JSON.
    const url = await serve(async () => ({ statusCode: 200, body: '"'.repeat(3_200_000) }));
    expect((await fetch(`${url}/quotes`)).status).toBe(500);
  });

  it("sends a result of exactly the limit", async () => {
    const url = await serve(async () => ({ statusCode: 200, body: "x".repeat(6_291_428) }));
    const response = await fetch(`${url}/fits`);
    expect(response.status).toBe(200);
    expect((await response.text()).length).toBe(6_291_428);
  });

  it("cuts a request off at the gateway's timeout with its 503", async () => {
    const url = await serve(() => new Promise(() => {}), 200);
    const response = await fetch(`${url}/slow`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ message: "Service Unavailable" });
  });

  it("decodes a base64 result into the bytes a client receives", async () => {
    const { gzipSync } = await import("node:zlib");
    const body = gzipSync(Buffer.from('{"a":1}')).toString("base64");
    const url = await serve(async () => ({
      statusCode: 200,
      headers: { "content-encoding": "gzip" },
      body,
      isBase64Encoded: true,
    }));
    const raw = await fetch(`${url}/z`, { headers: { "accept-encoding": "identity" } });
    // fetch decodes gzip itself; what matters is that the body is the bytes, not their base64.
    expect(await raw.json()).toEqual({ a: 1 });
    expect(gunzipSync(Buffer.from(body, "base64")).toString()).toBe('{"a":1}');
  });
});
