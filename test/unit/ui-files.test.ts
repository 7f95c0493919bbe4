import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from "node:zlib";
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { type BuiltUi, buildUi } from "../../src/bundle/ui-build";
import { LAMBDA_RESPONSE_LIMIT_BYTES, lambdaPayloadBytes } from "../../src/http/lambda-response";
import { UI_CSP, type UiBundle } from "../../src/http/ui-files";
import { apiFor, httpEvent, plainBody } from "../support/harness";

const JS = "console.log('the page');";
/** A bundle as the build leaves it, small enough to read in a test. */
const FAKE: UiBundle = {
  assets: [
    {
      name: "app-ABC123.js",
      contentType: "text/javascript; charset=utf-8",
      gzip: gzipSync(JS),
      br: brotliCompressSync(JS),
    },
  ],
  indexTemplate:
    '<meta name="smi-auth" content="{{auth}}"><meta name="smi-mesh" content="{{mesh}}"><meta name="smi-kinds" content="{{kinds}}"><meta name="smi-window" content="{{window}}"><script type="module" src="/ui/assets/app-ABC123.js"></script>',
};
const fake = async () => FAKE;

const get = (env: Record<string, string>, path: string, headers: Record<string, string> = {}) =>
  apiFor({ API_AUTH: "none", ...env }, { ui: fake, log: () => {} })(httpEvent("GET", path, { headers }));

const header = (r: APIGatewayProxyStructuredResultV2, name: string) =>
  r.headers?.[name] as string | undefined;

describe("GET /ui/", () => {
  it.each([
    ["open", { API_AUTH: "none" }],
    ["token", { API_AUTH: "none", API_TOKEN: "ui-test-token-0123456789" }],
    ["jwt", { API_AUTH: "jwt" }],
    ["iam", { API_AUTH: "iam" }],
  ])("is open and tells the page how the API is locked: %s", async (auth, env) => {
    for (const path of ["/ui", "/ui/", "/ui/index.html"]) {
      const page = await get(env, path);
      expect(page.statusCode, path).toBe(200);
      expect(plainBody(page)).toContain(`<meta name="smi-auth" content="${auth}">`);
    }
    const page = plainBody(await get(env, "/ui/"));
    expect(page).toContain('<meta name="smi-mesh" content="linkerd">');
    expect(page).toContain('<meta name="smi-window" content="10,86400">');
    expect(page).toMatch(/<meta name="smi-kinds" content="namespaces,deployments,[a-z,]+">/);
  });

  it("sends the page with a strict CSP, nosniff, no framing, and no-cache", async () => {
    const page = await get({}, "/ui/");
    expect(header(page, "content-type")).toBe("text/html; charset=utf-8");
    expect(header(page, "cache-control")).toBe("no-cache");
    expect(header(page, "x-content-type-options")).toBe("nosniff");
    expect(header(page, "content-security-policy")).toBe(UI_CSP);
    const directives = new Map(
      UI_CSP.split("; ").map((d) => [d.split(" ")[0], d.split(" ").slice(1).join(" ")]),
    );
    expect(Object.fromEntries(directives)).toMatchObject({
      "default-src": "'none'",
      "script-src": "'self'",
      "style-src": "'self'",
      "connect-src": "'self'",
      "frame-ancestors": "'none'",
      "base-uri": "'none'",
      "form-action": "'none'",
      "require-trusted-types-for": "'script'",
      "trusted-types": "'none'",
    });
    // No inline script or eval anywhere: no 'unsafe-*' source at all.
    expect(UI_CSP).not.toMatch(/unsafe|https?:|\*/);
  });

  it("sends hashed files for a year, immutable, in the best coding the browser takes", async () => {
    const path = "/ui/assets/app-ABC123.js";
    const br = await get({}, path, { "accept-encoding": "gzip, deflate, br" });
    expect(header(br, "cache-control")).toBe("public, max-age=31536000, immutable");
    expect(header(br, "content-encoding")).toBe("br");
    expect(brotliDecompressSync(Buffer.from(br.body ?? "", "base64")).toString()).toBe(JS);
    const gzip = await get({}, path, { "accept-encoding": "gzip" });
    expect(header(gzip, "content-encoding")).toBe("gzip");
    expect(gunzipSync(Buffer.from(gzip.body ?? "", "base64")).toString()).toBe(JS);
    const plain = await get({}, path);
    expect(header(plain, "content-encoding")).toBeUndefined();
    expect(plainBody(plain)).toBe(JS);
    expect(header(plain, "content-security-policy")).toBe(UI_CSP);
  });

  it("answers 304 to a browser that holds the file, and a 404 Status for a file it does not have", async () => {
    const first = await get({}, "/ui/");
    const again = await get({}, "/ui/", { "if-none-match": header(first, "etag") ?? "" });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe("");
    const missing = await get({}, "/ui/assets/app-OLD.js");
    expect(missing.statusCode).toBe(404);
    expect(JSON.parse(missing.body ?? "")).toMatchObject({ kind: "Status", code: 404 });
  });

  it("is a 404 from a handler started without the UI", async () => {
    const response = await apiFor({}, { log: () => {} })(httpEvent("GET", "/ui/"));
    expect(response.statusCode).toBe(404);
  });
});

describe("the built UI (src/ui/ through src/bundle/ui-build.ts)", () => {
  let built: BuiltUi;
  beforeAll(async () => {
    built = await buildUi();
  }, 60_000);
  const text = (name: string) =>
    gunzipSync(built.bundle.assets.find((a) => a.name === name)?.gzip ?? Buffer.from("")).toString();

  it("is one hashed script and one hashed stylesheet, at most 250 KB gzipped in all", () => {
    const names = built.bundle.assets.map((a) => a.name);
    expect(names).toHaveLength(2);
    expect(names).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^app-[A-Z0-9]{8}\.css$/),
        expect.stringMatching(/^app-[A-Z0-9]{8}\.js$/),
      ]),
    );
    const gzipped = built.bundle.assets.reduce((sum, a) => sum + a.gzip.length, 0);
    expect(gzipped).toBeLessThan(250 * 1024);
    for (const a of built.bundle.assets) expect(a.br.length).toBeLessThan(a.gzip.length);
  });

  it("loads nothing from outside the deployment, evaluates no strings, and parses no HTML", () => {
    for (const { name } of built.bundle.assets) {
      const source = text(name);
      // The SVG namespace is a name, not a load.
      expect(source.match(/https?:\/\/[^"'`\s)]+/g) ?? [], name).toEqual(
        name.endsWith(".js") ? ["http://www.w3.org/2000/svg"] : [],
      );
      expect(source, name).not.toMatch(
        /\beval\(|\bnew Function\b|\binnerHTML\b|\bouterHTML\b|insertAdjacentHTML|document\.write/,
      );
    }
    const page = built.bundle.indexTemplate;
    expect(page.match(/<script[^>]*>/g)).toEqual([
      expect.stringMatching(/^<script type="module" src="\/ui\/assets\/app-[A-Z0-9]{8}\.js">$/),
    ]);
    expect(page).not.toMatch(/<style|\sstyle=|\son[a-z]+=|<script>/i);
  });

  it("fits every file in a Lambda response, however the browser takes it", async () => {
    const api = apiFor({}, { ui: async () => built.bundle, log: () => {} });
    for (const { name } of built.bundle.assets) {
      for (const coding of ["br", "gzip", "identity"]) {
        const response = await api(
          httpEvent("GET", `/ui/assets/${name}`, { headers: { "accept-encoding": coding } }),
        );
        expect(response.statusCode).toBe(200);
        expect(lambdaPayloadBytes(response)).toBeLessThan(LAMBDA_RESPONSE_LIMIT_BYTES / 10);
      }
    }
  });
});
