/** `npm run bench`'s command line: what it runs, and `--help`. */
import { parseArgs } from "node:util";
import { MESH_NAMES, type MeshName } from "../src/mesh/select";
import { CASE_NAMES, type HistogramForm } from "./cases";

const FORMS: readonly HistogramForm[] = ["classic", "native"];

const USAGE = `npm run bench [-- SIZES] [--mesh ${MESH_NAMES.join("|")}] [--cases ${CASE_NAMES.join(",")}] [--histograms ${FORMS.join("|")}]
npm run bench -- --range [--workloads N] [--mesh ...]

SIZES        pods in namespace bench, comma-separated (default 10,100,1000,2000,10000)
--mesh       whose series to generate and which MESH the API reads (default linkerd); the direct and
             smi-metrics columns are Linkerd's PromQL, so only linkerd prints them
--cases      the cases to time (default all); the 50-request burst runs for list and resource
--histograms how latency is stored (default classic): classic backfills _bucket counters with
             promtool; native serves the same namespace as native histograms to a scraping
             Prometheus 2.42, every sample stamped with the instant the backfill would give it
--range      instead of the sizes: a 24 h range at a 5 min step for one deployment and for the list
             of a namespace of --workloads deployments (default 500), 60 s samples written through
             remote write; the server runs with SCRAPE_INTERVAL=60s

A 2,000-pod list on Cilium and on Linkerd, round trips counted by Prometheus itself:
  npm run bench -- 2000 --mesh cilium --cases list
  npm run bench -- 2000 --mesh linkerd --cases list
Native histograms beside classic ones, at 2,000 and 10,000 pods:
  npm run bench -- 2000,10000 --histograms native`;

export type BenchArgs =
  | {
      readonly range: false;
      readonly mesh: MeshName;
      readonly cases: readonly string[];
      readonly form: HistogramForm;
      readonly sizes: readonly number[];
    }
  | { readonly range: true; readonly mesh: MeshName; readonly workloads: number };

/** Reads the command line; `--help` or a wrong value prints the usage and exits. */
export function benchArgs(): BenchArgs {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      mesh: { type: "string", default: "linkerd" },
      cases: { type: "string", default: CASE_NAMES.join(",") },
      histograms: { type: "string", default: "classic" },
      range: { type: "boolean", default: false },
      workloads: { type: "string", default: "500" },
      help: { type: "boolean", default: false },
    },
  });
  const refuse = (message: string): never => {
    console.error(`${message}\n\n${USAGE}`);
    process.exit(2);
  };
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (!(MESH_NAMES as readonly string[]).includes(values.mesh))
    refuse(`--mesh must be one of ${MESH_NAMES.join(", ")}`);
  if (!(FORMS as readonly string[]).includes(values.histograms))
    refuse(`--histograms must be one of ${FORMS.join(", ")}`);
  const mesh = values.mesh as MeshName;
  if (values.range) return { range: true, mesh, workloads: Number(values.workloads) };
  return {
    range: false,
    mesh,
    cases: values.cases.split(","),
    form: values.histograms as HistogramForm,
    sizes: (positionals[0] ?? "10,100,1000,2000,10000").split(",").map(Number),
  };
}
