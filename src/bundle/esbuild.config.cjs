// esbuild options for the Lambda bundles: serverless.yml (custom.esbuild.config) and the benchmark
// build with the same settings.
//
// axios ships things our handlers never use and Lambda would pay for at every cold start:
// - `form-data` (with the 140 KB `mime-db`), needed only to send multipart bodies;
// - its fetch adapter, which at import time builds a `Request` to probe the platform, and a
//   module-level read of `globalThis.FormData`: either loads Node's bundled undici (20-35 ms).
//   We use the http adapter, which axios picks first in Node, and never send FormData (axios still
//   recognises one by its tag without the constructor).
// - following redirects (`follow-redirects`, with `debug`) and proxies (`proxy-from-env`,
//   `https-proxy-agent`, with `agent-base`): every axios instance of ours comes from
//   src/net/http-instance.ts, which sets `maxRedirects: 0` and `proxy: false`; those keep axios on
//   Node's own `http`/`https` (26 KB of the api bundle).
// The stubs fail loudly if a code path we do not use is ever reached, and the build fails if the
// axios source no longer has the line we rewrite, so an upgrade cannot undo this silently.
const stubs = {
  "form-data":
    "module.exports = class FormDataUnavailable { constructor() { throw new Error('multipart bodies are not supported in this bundle'); } };",
  "axios-fetch-adapter": "export const getFetch = () => false; export default false;",
  "follow-redirects":
    "const refuse = { request() { throw new Error('redirects are not followed in this bundle: set maxRedirects: 0'); } }; module.exports = { http: refuse, https: refuse };",
  "proxy-from-env":
    "exports.getProxyForUrl = () => { throw new Error('proxies are not used in this bundle: set proxy: false'); };",
  "https-proxy-agent":
    "module.exports = class HttpsProxyAgentUnavailable { constructor() { throw new Error('proxies are not used in this bundle: set proxy: false'); } };",
  // Loaded on first use only: axios touches http2 just for requests that ask for HTTP/2.
  "lazy-http2":
    "let m; module.exports = new Proxy({}, { get: (_, key) => (m ??= require('node:http2'))[key] });",
};

const trimAxios = {
  name: "trim-axios",
  setup(build) {
    build.onResolve(
      { filter: /^(form-data|follow-redirects|proxy-from-env|https-proxy-agent)$/ },
      (args) => ({
        path: args.path,
        namespace: "stub",
      }),
    );
    build.onResolve({ filter: /^http2$/ }, (args) =>
      /axios[\\/]lib/.test(args.importer) ? { path: "lazy-http2", namespace: "stub" } : undefined,
    );
    build.onResolve({ filter: /^\.\/fetch\.js$/ }, (args) =>
      /axios[\\/]lib[\\/]adapters$/.test(args.resolveDir)
        ? { path: "axios-fetch-adapter", namespace: "stub" }
        : undefined,
    );
    build.onLoad({ filter: /axios[\\/]lib[\\/]utils\.js$/ }, async (args) => {
      const source = await require("node:fs/promises").readFile(args.path, "utf8");
      const eager = "const FormDataCtor = typeof G.FormData !== 'undefined' ? G.FormData : undefined;";
      if (!source.includes(eager)) {
        return {
          errors: [
            {
              text: `trim-axios: ${args.path} no longer reads globalThis.FormData as expected; review the plugin`,
            },
          ],
        };
      }
      return { contents: source.replace(eager, "const FormDataCtor = undefined;"), loader: "js" };
    });
    build.onLoad({ filter: /.*/, namespace: "stub" }, (args) => ({
      contents: stubs[args.path],
      loader: "js",
    }));
  },
};

/**
 * The web UI (src/ui/), built when a bundle imports src/bundle/ui-assets.ts and embedded in its
 * place: the api function serves the files built at package time, with nothing to build or read at
 * run time. Bundles that do not serve the UI (the report, the CLI) never load that module, so they
 * never build it. The builder is TypeScript, loaded through tsx as the Serverless plugin is.
 */
const embedUi = {
  name: "embed-ui",
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/]bundle[\\/]ui-assets\.ts$/ }, async () => {
      const { embeddedUiModule } = require("tsx/cjs/api").require("./ui-build.ts", __filename);
      return { contents: await embeddedUiModule(), loader: "js" };
    });
  },
};

/**
 * Options shared by every handler bundle. serverless-esbuild passes `serverless`; the tests and the
 * benchmark call this with nothing.
 *
 * Format: CommonJS in a `.cjs` file. The extension, not a package.json, says how to load it, so the
 * same file loads under Lambda (whose zip has no package.json), serverless offline and plain Node
 * inside this `"type": "module"` checkout. Measured against an ES module `.mjs` bundle of the same
 * inputs: the same size, and import+init 5-10 ms faster (README, Packaging).
 *
 * No source map: Node applies one only through a `sourceMappingURL` comment, and a linked map costs
 * ~15 ms of every cold start under `--enable-source-maps`, so minified stack traces are the price.
 */
module.exports = (serverless) => ({
  bundle: true,
  minify: true,
  treeShaking: true,
  sourcemap: false,
  target: "node20",
  platform: "node",
  format: "cjs",
  // Prefer packages' ES module builds: esbuild can tree-shake them (the AWS SDK's CommonJS
  // builds drag in ~130 KB of @smithy/core otherwise).
  mainFields: ["module", "main"],
  plugins: [trimAxios, embedUi],
  // serverless-esbuild only (the tests and the benchmark strip these, see test/support/server-bundle.ts):
  // the bundle's extension; bundle everything (its default leaves out aws-sdk v2, which we do not use).
  outputFileExtension: ".cjs",
  exclude: [],
  packager: "npm",
  // `serverless package` deletes its work folder when done; `serverless offline` keeps serving from
  // its own, so packaging while offline runs (as the tests do) cannot pull its bundles away.
  outputWorkFolder: serverless?.processedInput.commands[0] === "offline" ? ".esbuild-offline" : ".esbuild",
});
