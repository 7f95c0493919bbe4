import { createRequire } from "node:module";
import { join } from "node:path";
import { build } from "esbuild";

/** The Lambda bundles' own esbuild options (serverless.yml reads the same file). */
export const lambdaBuild = createRequire(import.meta.url)("../../src/bundle/esbuild.config.cjs")();

/**
 * Bundles `npm start` (the Lambda handler behind the Node adapter) with the Lambda bundles'
 * plugins into one ES module, so the benchmark and the load test measure what Lambda would run.
 */
export async function bundleServer(dir: string): Promise<string> {
  const outfile = join(dir, "server.mjs");
  await build({
    entryPoints: ["src/dev/start.ts"],
    bundle: true,
    minify: true,
    platform: "node",
    target: "node20",
    format: "esm",
    outfile,
    plugins: lambdaBuild.plugins,
    logLevel: "error",
    // Bundled CommonJS dependencies still call require() for Node built-ins.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
  });
  return outfile;
}
