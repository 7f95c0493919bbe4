#!/usr/bin/env node
// `npx smi-metrics ...` from the checkout. It runs dist/smi-metrics.cjs, the bundle `npm ci` builds
// (the prepare script, scripts/build-cli.mjs), which starts in plain Node, while no file it was built
// from is newer; otherwise (no bundle yet, or sources edited since) the TypeScript CLI
// (src/cli/main.ts) through tsx, which compiles it first (about 2 s more), so an edit is never
// hidden by a stale bundle. `npm run prepare` rebuilds the bundle.
import { readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const root = new URL("..", import.meta.url);
const bundle = fileURLToPath(new URL("dist/smi-metrics.cjs", root));

/** Whether the bundle exists and is newer than every file of the checkout it was built from. */
function bundleIsFresh() {
  try {
    const built = statSync(bundle).mtimeMs;
    const inputs = JSON.parse(readFileSync(new URL("dist/smi-metrics.inputs.json", root), "utf8"));
    return inputs.every((input) => statSync(new URL(input, root)).mtimeMs <= built);
  } catch {
    return false;
  }
}

if (bundleIsFresh()) {
  createRequire(import.meta.url)(bundle);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli/main.ts");
}
