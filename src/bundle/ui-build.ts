import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import type { BuildOptions, Metafile } from "esbuild";
import type { UiAsset, UiBundle } from "../http/ui-files";

/** The checkout's root: the UI's sources are read from here whatever the working directory. */
const ROOT = join(import.meta.dirname, "../..");
const UI_DIR = join(ROOT, "src/ui");

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

/**
 * The browser bundle's options: one ES module and one stylesheet, minified, named by content hash,
 * for the browsers our tests drive (Chromium and Firefox ESR) and anything as recent. Kept in
 * memory: the Lambda bundle embeds the result, `npm start` serves it.
 */
export const UI_BUILD_OPTIONS = {
  absWorkingDir: ROOT,
  entryPoints: { app: "src/ui/main.ts" },
  tsconfig: "src/ui/tsconfig.json",
  bundle: true,
  minify: true,
  format: "esm",
  platform: "browser",
  target: ["chrome120", "firefox115", "safari17"],
  outdir: "ui-build",
  entryNames: "[name]-[hash]",
  write: false,
  metafile: true,
  // uPlot and dagre are MIT-licensed: their notices stay with the code that ships.
  legalComments: "eof",
  logLevel: "error",
} as const satisfies BuildOptions;

/** Compressed once at build time, at the highest levels: the CPU is the build's, not the Lambda's. */
function compressed(bytes: Uint8Array): Pick<UiAsset, "gzip" | "br"> {
  return {
    gzip: gzipSync(bytes, { level: 9 }),
    br: brotliCompressSync(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      },
    }),
  };
}

/** The built UI and esbuild's account of what went into it. */
export interface BuiltUi {
  readonly bundle: UiBundle;
  readonly metafile: Metafile;
}

/**
 * Builds the web UI (src/ui/) with esbuild: hashed assets compressed with gzip and brotli, and
 * index.html naming them. Run by the embed-ui plugin at package time and by `npm start` from source.
 */
export async function buildUi(options: Partial<BuildOptions> = {}): Promise<BuiltUi> {
  const { build } = await import("esbuild");
  const result = await build({ ...UI_BUILD_OPTIONS, ...options, write: false, metafile: true });
  const assets = result.outputFiles.map((file) => {
    const name = basename(file.path);
    const type = CONTENT_TYPES[name.slice(name.lastIndexOf("."))];
    if (type === undefined) throw new Error(`the UI build wrote ${name}, which the server cannot type`);
    return { name, contentType: type, ...compressed(file.contents) };
  });
  const named = (ext: string) => {
    const asset = assets.find((a) => a.name.endsWith(ext));
    if (asset === undefined) throw new Error(`the UI build wrote no ${ext} file`);
    return asset.name;
  };
  const template = await readFile(join(UI_DIR, "index.html"), "utf8");
  const indexTemplate = template.replace("{{script}}", named(".js")).replace("{{style}}", named(".css"));
  return { bundle: { assets, indexTemplate }, metafile: result.metafile };
}

/**
 * The module the embed-ui plugin puts in place of src/bundle/ui-assets.ts in a Lambda bundle: the
 * built files as base64 (compressed already; base64 of either form is the same in every bundle),
 * turned back into bytes on first use.
 */
export async function embeddedUiModule(): Promise<string> {
  const { bundle } = await buildUi();
  const assets = bundle.assets.map((a) => ({
    name: a.name,
    contentType: a.contentType,
    gzip: a.gzip.toString("base64"),
    br: a.br.toString("base64"),
  }));
  return `const assets = ${JSON.stringify(assets)};
const indexTemplate = ${JSON.stringify(bundle.indexTemplate)};
let bundle;
export const uiBundle = async () => (bundle ??= {
  indexTemplate,
  assets: assets.map((a) => ({ ...a, gzip: Buffer.from(a.gzip, "base64"), br: Buffer.from(a.br, "base64") })),
});
`;
}
