// `npm run prepare` (which `npm ci` and `npm install` run): bundles the smi-metrics CLI
// (src/cli/main.ts) into dist/smi-metrics.cjs with the Lambda bundles' esbuild options, so
// `npx smi-metrics` starts in plain Node instead of compiling TypeScript through tsx first
// (README, CLI). Beside it, dist/smi-metrics.inputs.json lists the checkout's files the bundle was
// built from: bin/smi-metrics.mjs runs the bundle only while none of them is newer.
// Plain JavaScript, so it needs nothing but esbuild; an install without dev dependencies skips it.
import { mkdir, rename, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const require = createRequire(import.meta.url);

let build;
try {
  ({ build } = await import("esbuild"));
} catch {
  console.error("smi-metrics: esbuild is not installed (no dev dependencies); the CLI runs through tsx");
  process.exit(0);
}

// serverless-esbuild's own keys are not esbuild options (see test/support/server-bundle.ts).
const {
  exclude: _exclude,
  packager: _packager,
  outputWorkFolder: _outputWorkFolder,
  outputFileExtension: _outputFileExtension,
  ...options
} = require("../src/bundle/esbuild.config.cjs")();

/** Replaces a file whole, so a CLI starting meanwhile reads the old bundle or the new one, never half. */
async function replace(path, contents) {
  const partial = `${path}.${process.pid}.partial`;
  await writeFile(partial, contents);
  await rename(partial, path);
}

await mkdir(`${root}dist`, { recursive: true });
const { metafile, outputFiles } = await build({
  ...options,
  absWorkingDir: root,
  entryPoints: ["src/cli/main.ts"],
  outfile: "dist/smi-metrics.cjs",
  metafile: true,
  write: false,
  logLevel: "error",
});
for (const file of outputFiles) await replace(file.path, file.contents);
// The checkout's own files: not dependencies (npm ci rebuilds after changing them), nor the esbuild
// plugin's stubs (`stub:form-data`).
const inputs = Object.keys(metafile.inputs).filter(
  (input) => !input.includes("node_modules/") && !input.includes(":"),
);
await replace(`${root}dist/smi-metrics.inputs.json`, `${JSON.stringify(inputs, null, 1)}\n`);
