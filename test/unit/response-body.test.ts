import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ResponseBody } from "../../src/http/response-body";

const json = JSON.stringify({
  items: Array.from({ length: 2000 }, (_, i) => ({ name: `pod-${i}`, é: "→" })),
});

describe("ResponseBody", () => {
  it("compresses each coding once, for every copy of an answer that shares it", () => {
    const body = ResponseBody.of(json);
    const copies = [{ body }, { ...{ body } }];
    const gzip = copies.map((c) => c.body.encoded("gzip"));
    const br = copies.map((c) => c.body.encoded("br"));
    expect(gzip[0]).toBe(gzip[1]);
    expect(br[0]).toBe(br[1]);
    expect(gunzipSync(gzip[0] as Buffer).toString("utf8")).toBe(json);
    expect(brotliDecompressSync(br[0] as Buffer).toString("utf8")).toBe(json);
  });

  it("packs to its gzip form alone, and inflates the same text again when asked", () => {
    const body = ResponseBody.of(json);
    const packed = body.packed();
    expect(packed.heldBytes).toBe(body.encoded("gzip").length);
    expect(packed.encoded("gzip")).toBe(body.encoded("gzip"));
    expect(packed.length).toBe(json.length);
    expect(packed.json).toBe(json);
    expect(brotliDecompressSync(packed.encoded("br")).toString("utf8")).toBe(json);
  });
});
