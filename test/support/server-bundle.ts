import { createRequire } from "node:module";
import { join } from "node:path";
import { build } from "esbuild";

/** The Lambda bundles' own options, as serverless.yml reads them (custom.esbuild.config). */
const lambdaBuild = createRequire(import.meta.url)("../../src/bundle/esbuild.config.cjs")();

// serverless-esbuild's own keys are not esbuild options; it turns the extension into outExtension.
const {
  exclude: _exclude,
  packager: _packager,
  outputWorkFolder: _outputWorkFolder,
  outputFileExtension,
  ...esbuildOptions
} = lambdaBuild;

/** The extension serverless-esbuild gives the handler bundles (`.cjs`). */
const lambdaExtension: string = outputFileExtension;

/** Bundles `handlers/<fn>.ts` exactly as `serverless package` does, into `dir`; returns the file. */
export async function bundleLambda(fn: string, dir: string): Promise<string> {
  const outfile = join(dir, `${fn}${lambdaExtension}`);
  await build({ ...esbuildOptions, entryPoints: [`handlers/${fn}.ts`], outfile, logLevel: "error" });
  return outfile;
}

/**
 * Bundles `npm start` (the Lambda handler behind the Node adapter) with the Lambda bundles' options
 * into one ES module (start.ts awaits at top level), so the benchmark and the load test measure
 * what Lambda would run.
 */
export async function bundleServer(dir: string): Promise<string> {
  const outfile = join(dir, "server.mjs");
  await build({
    ...esbuildOptions,
    entryPoints: ["src/dev/start.ts"],
    format: "esm",
    outfile,
    logLevel: "error",
    // Bundled CommonJS dependencies still call require() for Node built-ins.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
  });
  return outfile;
}
