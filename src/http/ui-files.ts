import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import type { Context } from "../config/context";
import { NotFoundError } from "../errors/request-errors";
import { type Coding, compress, negotiateCoding } from "./encoding";
import type { RouteRequest, RouteResult } from "./route-table";

/** One content-hashed file of the web UI, compressed both ways at build time. */
export interface UiAsset {
  /** Its file name under `/ui/assets/`, hash included: `app-5MZ3KXQJ.js`. */
  readonly name: string;
  readonly contentType: string;
  readonly gzip: Buffer;
  readonly br: Buffer;
}

/**
 * The web UI as the build leaves it: the hashed assets, and index.html with their names filled in
 * and `{{auth}}`, `{{mesh}}`, `{{kinds}}` and `{{window}}` left for the deployment to fill.
 */
export interface UiBundle {
  readonly assets: readonly UiAsset[];
  readonly indexTemplate: string;
}

/** Where the UI comes from: embedded at package time, or built from source on first use. */
export type UiSource = () => Promise<UiBundle>;

/**
 * The page's policy: its own scripts, styles and API only, nothing inline, no eval, no frames, no
 * third-party origin. Trusted Types with no policy make the browser refuse any HTML sink
 * (`innerHTML` and the like) outright, so text can only ever be rendered as text.
 */
export const UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join("; ");

/** Hashed names change with their content: a year, never revalidated. */
const IMMUTABLE = "public, max-age=31536000, immutable";

/** A file ready to send: its bytes in each coding, made once per container. */
interface Prepared {
  readonly contentType: string;
  readonly cacheControl: string;
  readonly etag: string;
  readonly encoded: Record<Coding, Buffer>;
  /** The uncompressed bytes, for the rare client that takes neither coding: inflated on demand. */
  readonly identity: () => Buffer;
}

/** What the page must know of the deployment before its first call: how to authenticate. */
function authOf({ config }: Context): "iam" | "jwt" | "token" | "open" {
  const { mode, token } = config.apiAuth;
  if (mode === "none") return token === undefined ? "open" : "token";
  return mode;
}

const attribute = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * index.html for this deployment: in `<meta>` tags, its auth mode, mesh, kinds and window bounds
 * in seconds (a chart's step may not be shorter than SCRAPE_INTERVAL, a window not longer than
 * MAX_WINDOW), so the page makes no call to learn them.
 */
function renderIndex(template: string, context: Context): string {
  const { minMs, maxMs } = context.config.window;
  const values: Record<string, string> = {
    auth: authOf(context),
    mesh: context.mesh.name,
    kinds: context.kinds.v1alpha2.join(","),
    window: `${Math.ceil(minMs / 1000)},${Math.floor(maxMs / 1000)}`,
  };
  return template.replace(/\{\{(auth|mesh|kinds|window)\}\}/g, (_, key: string) =>
    attribute(values[key] ?? ""),
  );
}

const etagOf = (bytes: Buffer) => `"${createHash("sha256").update(bytes).digest("base64url").slice(0, 22)}"`;

function preparedIndex(html: string): Prepared {
  const bytes = Buffer.from(html, "utf8");
  return {
    contentType: "text/html; charset=utf-8",
    // The page names the hashed assets: a browser must ask again each time to see a new deployment.
    cacheControl: "no-cache",
    etag: etagOf(bytes),
    encoded: { gzip: compress(bytes, "gzip", 9), br: compress(bytes, "br", 11) },
    identity: () => bytes,
  };
}

function preparedAsset(asset: UiAsset): Prepared {
  let identity: Buffer | undefined;
  return {
    contentType: asset.contentType,
    cacheControl: IMMUTABLE,
    etag: etagOf(asset.br),
    encoded: { gzip: asset.gzip, br: asset.br },
    identity: () => {
      identity ??= gunzipSync(asset.gzip);
      return identity;
    },
  };
}

/** Every file of the UI by its path under `/ui`: `""` and `index.html` are the page. */
async function prepare(source: UiSource, context: Context): Promise<Map<string, Prepared>> {
  const bundle = await source();
  const index = preparedIndex(renderIndex(bundle.indexTemplate, context));
  const files = new Map<string, Prepared>([
    ["", index],
    ["index.html", index],
  ]);
  for (const asset of bundle.assets) files.set(`assets/${asset.name}`, preparedAsset(asset));
  return files;
}

/** The headers every UI answer carries, whatever its coding. */
function uiHeaders(file: Prepared): Record<string, string> {
  return {
    "content-type": file.contentType,
    "cache-control": file.cacheControl,
    etag: file.etag,
    vary: "accept-encoding",
    "content-security-policy": UI_CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
  };
}

/** One file as API Gateway's result: 304 when the browser holds it, else in the best coding it takes. */
function respond(file: Prepared, r: RouteRequest): APIGatewayProxyStructuredResultV2 {
  const headers = uiHeaders(file);
  const held = r.event.headers?.["if-none-match"];
  if (held?.split(",").some((tag) => tag.trim().replace(/^W\//, "") === file.etag)) {
    return { statusCode: 304, headers, body: "" };
  }
  const coding = negotiateCoding(r.event.headers?.["accept-encoding"]);
  if (coding === undefined) {
    const identity = file.identity();
    return { statusCode: 200, headers, body: identity.toString("base64"), isBase64Encoded: true };
  }
  return {
    statusCode: 200,
    headers: { ...headers, "content-encoding": coding },
    body: file.encoded[coding].toString("base64"),
    isBase64Encoded: true,
  };
}

/**
 * `GET /ui/...`: the web UI, from the function itself. The page holds no data and needs no
 * credentials; it calls the API as the deployment's auth mode allows. Files are prepared once per
 * container, on first request, so the UI costs no cold start of the API.
 */
export function uiRoute(context: Context, source: UiSource | undefined) {
  let files: Promise<Map<string, Prepared>> | undefined;
  return async (r: RouteRequest): Promise<RouteResult> => {
    if (source === undefined) throw new NotFoundError("this server was started without the web UI");
    files ??= prepare(source, context).catch((error: unknown) => {
      files = undefined;
      throw error;
    });
    const path = r.rest.join("/");
    const file = (await files).get(path);
    if (file === undefined) {
      throw new NotFoundError(`no such file in the web UI: /ui/${path}; the page is /ui/`);
    }
    return { body: null, warnings: [], roundTrips: 0, response: respond(file, r) };
  };
}
