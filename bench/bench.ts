/**
 * `npm run bench`: how close the API comes to the cost of Prometheus itself.
 *
 * For a generated Linkerd namespace at 10, 100, 1,000, 2,000 and 10,000 pods (plus a hub workload
 * with 200 peers for edges) in a real Prometheus, it times, in the same run and on the same instants:
 * - ours: the API over the local server (the bundled Lambda handler behind the Node adapter), asked
 *   with `Accept-Encoding: gzip` as a real client asks, its body read to the end;
 * - floor: exactly the PromQL our code sends for the request (recorded from it), POSTed to
 *   Prometheus together as ours does, bodies read to the end but not parsed: no API can do less;
 * - the floor without one histogram form's part of the latency query (`no-native` over classic
 *   buckets: the query before native histograms were read; `no-classic` over native ones);
 * - direct: the same numbers with the minimal queries (three `histogram_quantile`s), in parallel;
 * - smi-metrics: the predecessor's way, its queries one after another with `irate` latencies.
 * It prints medians and the ratios of ours to each, Prometheus round trips per request (counted by
 * Prometheus itself; the zero cases add the one diagnosis query a zero answer spends), the server's
 * peak RSS; then the bytes of Prometheus' answers per request and the latency query alone (over
 * native histograms, beside fetching the histograms whole); a 50-request concurrency burst, and
 * bundle sizes with import-plus-init time. At 10,000 pods it adds the cost of compressing the list
 * at each level and of reading it page by page. Ratios, not absolute times, are what to read: these
 * machines are shared and noisy.
 *
 * `--mesh` writes the namespace as another mesh's series and runs the API with that MESH (direct
 * and smi-metrics are Linkerd's PromQL, so they are left out then); `--cases` runs only the cases
 * named; `--histograms native` stores latency as native histograms (`native-namespace.ts`);
 * `--range` times a day's range answers instead (`range-run.ts`). `npm run bench -- --help` says so.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { bundleLambda, bundleServer } from "../test/support/server-bundle";
import { benchArgs } from "./args";
import { median } from "./measure";
import { benchRange } from "./range-run";
import { benchSize } from "./size-run";

const run = promisify(execFile);

async function coldStart(dir: string) {
  console.log("== cold start (bundles as serverless.yml builds them)");
  for (const fn of ["api", "report"]) {
    const outfile = await bundleLambda(fn, dir);
    const size = (await stat(outfile)).size;
    const times: number[] = [];
    // Three untimed runs first, so the file and Node itself are in the page cache like a warm host's.
    for (let i = 0; i < 13; i++) {
      const { stdout } = await run("node", [
        "-e",
        `const t = performance.now(); require(${JSON.stringify(outfile)}); console.log(performance.now() - t);`,
      ]);
      if (i >= 3) times.push(Number(stdout.trim()));
    }
    const hasLambdaClient = (await readFile(outfile, "utf8")).includes("2015-03-31/functions");
    console.log(
      `${fn.padEnd(7)} bundle ${(size / 1024).toFixed(0)} KB, import+init median of 10: ${median(times).toFixed(1)} ms, @aws-sdk/client-lambda inside: ${hasLambdaClient ? "yes" : "no"}`,
    );
  }
}

async function main() {
  const args = benchArgs();
  const dir = await mkdtemp(join(tmpdir(), "smi-bench-"));
  try {
    // Cold start first, while no Prometheus is loading or being torn down beside it.
    await coldStart(dir);
    const serverBundle = await bundleServer(dir);
    if (args.range) await benchRange(serverBundle, args);
    else for (const pods of args.sizes) await benchSize(pods, serverBundle, args);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
