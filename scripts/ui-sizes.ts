/**
 * `npm run ui:sizes`: what the web UI weighs as browsers receive it, and what each dependency
 * costs. A dependency's cost is what the bundle loses when it is left out (marked external),
 * compressed: compression works across the whole file, so that is the honest figure, not its
 * share of the minified bytes. docs/ui.md quotes this table.
 */
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { buildUi } from "../src/bundle/ui-build";

const DEPENDENCIES: Readonly<Record<string, readonly string[]>> = {
  "uplot (charts)": ["uplot", "uplot/*"],
  "@dagrejs/dagre + @dagrejs/graphlib (graph layout)": ["@dagrejs/dagre"],
};

interface Sizes {
  readonly raw: number;
  readonly gzip: number;
  readonly br: number;
}

/** The script and stylesheet together, raw and compressed as the server sends them. */
async function sizes(external: readonly string[] = []): Promise<Sizes> {
  const { bundle } = await buildUi({ external: [...external] });
  let raw = 0;
  for (const a of bundle.assets) raw += gunzipLength(a.gzip);
  const gzip = bundle.assets.reduce((sum, a) => sum + a.gzip.length, 0);
  const br = bundle.assets.reduce((sum, a) => sum + a.br.length, 0);
  return { raw, gzip, br };
}

const gunzipLength = (gz: Buffer) => gz.readUInt32LE(gz.length - 4);
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

const { bundle, metafile } = await buildUi();
const all = await sizes();
console.log("| file | raw | gzip | brotli |\n| --- | --- | --- | --- |");
for (const a of bundle.assets) {
  console.log(`| ${a.name} | ${kb(gunzipLength(a.gzip))} | ${kb(a.gzip.length)} | ${kb(a.br.length)} |`);
}
const html = Buffer.from(bundle.indexTemplate);
const htmlGzip = gzipSync(html, { level: 9 }).length;
const htmlBr = brotliCompressSync(html, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
console.log(`| index.html | ${kb(html.length)} | ${kb(htmlGzip)} | ${kb(htmlBr)} |`);
console.log(
  `| **the whole UI** | ${kb(all.raw + html.length)} | ${kb(all.gzip + htmlGzip)} | ${kb(all.br + htmlBr)} |`,
);

console.log(
  "\n| dependency | minified in the bundle | costs gzip | costs brotli |\n| --- | --- | --- | --- |",
);
const script = Object.values(metafile.outputs).find((o) => o.entryPoint !== undefined);
for (const [name, patterns] of Object.entries(DEPENDENCIES)) {
  const without = await sizes(patterns);
  const roots = patterns.map((p) => `node_modules/${p.replace("/*", "")}`);
  const minified = Object.entries(script?.inputs ?? {})
    .filter(
      ([input]) =>
        roots.some((root) => input.startsWith(root)) ||
        (name.includes("graphlib") && input.includes("@dagrejs/graphlib")),
    )
    .reduce((sum, [, input]) => sum + input.bytesInOutput, 0);
  console.log(`| ${name} | ${kb(minified)} | ${kb(all.gzip - without.gzip)} | ${kb(all.br - without.br)} |`);
}
const ours = Object.entries(script?.inputs ?? {})
  .filter(([input]) => input.startsWith("src/"))
  .reduce((sum, [, input]) => sum + input.bytesInOutput, 0);
console.log(
  `| the page's own code (src/ui, and src/smi and src/topology it shares with the CLI) | ${kb(ours)} | | |`,
);
