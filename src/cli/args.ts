import { parseArgs } from "node:util";
import { PERCENT_TEXT, percentProblem } from "../answers/percent";
import { MESH_NAMES } from "../mesh/select";
import { KIND_NAMES, type KindName, servedKind } from "../smi/kinds";
import { parseDurationMs } from "../smi/time";
import { DEFAULT_THRESHOLDS, type Thresholds, thresholdsProblem } from "../topology/levels";
import { type HistoryCommand, parseHistory } from "./history-args";
import { UsageError } from "./run-main";
import type { SourceOptions } from "./source-options";

const SORT_KEYS = ["success", "rps", "p99"] as const;
export type SortKey = (typeof SORT_KEYS)[number];
const TOPOLOGY_FORMATS = ["ascii", "dot", "mermaid"] as const;
type TopologyFormat = (typeof TOPOLOGY_FORMATS)[number];

interface Common {
  readonly kind: KindName;
  /** A namespace, or undefined for all namespaces (`-A`, and always for `namespaces`). */
  readonly namespace: string | undefined;
  readonly window?: string;
  readonly time?: string;
  readonly source: SourceOptions;
}

export type Command =
  | { readonly type: "help" }
  | (Common & { readonly type: "top"; readonly sort?: SortKey; readonly watchMs?: number })
  | (Common & {
      readonly type: "topology";
      readonly output: TopologyFormat;
      readonly thresholds: Thresholds;
    })
  | HistoryCommand;

const OPTIONS = {
  namespace: { type: "string", short: "n" },
  "all-namespaces": { type: "boolean", short: "A" },
  window: { type: "string" },
  time: { type: "string" },
  sort: { type: "string" },
  watch: { type: "string" },
  output: { type: "string", short: "o" },
  api: { type: "string" },
  token: { type: "string" },
  prometheus: { type: "string" },
  mesh: { type: "string" },
  green: { type: "string" },
  amber: { type: "string" },
  since: { type: "string" },
  start: { type: "string" },
  end: { type: "string" },
  step: { type: "string" },
  sparklines: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** What `parseArgs` read: each option's value, or undefined when not given. */
type Values = {
  [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]["type"] extends "boolean" ? boolean : string;
};

function oneOf<T extends string>(
  what: string,
  value: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined || allowed.includes(value as T)) return value as T | undefined;
  throw new UsageError(`${what} must be one of ${allowed.join(", ")}; got "${value}"`);
}

function sourceOf(values: Values, envPrometheus: boolean): SourceOptions {
  const { api, prometheus } = values;
  if (api !== undefined && (prometheus !== undefined || values.mesh !== undefined)) {
    throw new UsageError(
      "--api reads a running API; --prometheus and --mesh read Prometheus directly: give one",
    );
  }
  if (api !== undefined) {
    const { token } = values;
    return { type: "api", url: api, ...(token === undefined ? {} : { token }) };
  }
  if (values.token !== undefined) throw new UsageError("--token goes with --api");
  if (prometheus === undefined && !envPrometheus) {
    throw new UsageError(
      "say where the numbers come from: --api URL (a running API) or --prometheus URL --mesh M",
    );
  }
  const mesh = oneOf("--mesh", values.mesh, MESH_NAMES);
  return {
    type: "prometheus",
    ...(prometheus === undefined ? {} : { url: prometheus }),
    ...(mesh === undefined ? {} : { mesh }),
  };
}

/** A percent flag (`--green 99.9`), refused as the API refuses a percent field. */
function percentFlag(name: keyof Thresholds, text: string | undefined): number {
  if (text === undefined) return DEFAULT_THRESHOLDS[name];
  const problem = PERCENT_TEXT.test(text)
    ? percentProblem(Number(text))
    : `a percentage from 0 to 100, such as ${DEFAULT_THRESHOLDS[name]}; got "${text}"`;
  if (problem !== undefined) throw new UsageError(`--${name}: ${problem}`);
  return Number(text);
}

/** `--green` and `--amber`: the success rates (percent) topology edges turn green and amber at. */
function thresholdsOf(values: { green?: string | undefined; amber?: string | undefined }): Thresholds {
  const thresholds = { green: percentFlag("green", values.green), amber: percentFlag("amber", values.amber) };
  const problem = thresholdsProblem(thresholds, { green: "--green", amber: "--amber" });
  if (problem !== undefined) throw new UsageError(problem);
  return thresholds;
}

/** Options only `history` takes, refused elsewhere with one sentence. */
const HISTORY_ONLY = ["since", "start", "end", "step", "sparklines"] as const;

/**
 * Reads `smi-metrics top|topology KIND [options]` and `history KIND/NAME [options]`. Every mistake
 * is a `UsageError` that names what is accepted; values the API checks (window, time, names) are
 * left to its answer. `envPrometheus` says whether `PROMETHEUS_URL` is set, which makes
 * `--prometheus` optional.
 */
export function parseCommand(argv: readonly string[], envPrometheus: boolean): Command {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: OPTIONS,
    allowPositionals: true,
    allowNegative: true,
    strict: true,
  });
  if (values.help === true || positionals.length === 0) return { type: "help" };
  const [verb, kindText, ...extra] = positionals;
  if (verb !== "top" && verb !== "topology" && verb !== "history")
    throw new UsageError(`unknown command "${verb}"; commands are top, topology and history`);
  if (kindText === undefined) {
    const what = verb === "history" ? "KIND/NAME, such as deployments/checkout" : "a kind";
    throw new UsageError(`${verb} needs ${what}: KIND is one of ${KIND_NAMES.join(", ")}`);
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (values.namespace !== undefined && values["all-namespaces"] === true)
    throw new UsageError("give -n NAMESPACE or -A, not both");
  if (verb === "history") return parseHistory(kindText, values, sourceOf(values, envPrometheus));
  if (HISTORY_ONLY.some((name) => values[name] !== undefined))
    throw new UsageError("--since, --start, --end, --step and --sparklines go with history");
  // Which of these the mesh serves is the API's (or the core's) answer to give.
  const kind = servedKind(kindText, KIND_NAMES, (message) => new UsageError(message));
  const common: Common = {
    kind,
    namespace:
      kind === "namespaces" || values["all-namespaces"] === true
        ? undefined
        : (values.namespace ?? "default"),
    ...(values.window === undefined ? {} : { window: values.window }),
    ...(values.time === undefined ? {} : { time: values.time }),
    source: sourceOf(values, envPrometheus),
  };
  return verb === "top" ? parseTop(common, values) : parseTopology(common, values);
}

function parseTop(common: Common, values: Values): Command {
  if (values.output !== undefined)
    throw new UsageError("-o goes with topology and history; top prints a table");
  if (values.green !== undefined || values.amber !== undefined)
    throw new UsageError("--green and --amber go with topology: they colour its edges");
  const sort = oneOf("--sort", values.sort, SORT_KEYS);
  const watchMs = values.watch === undefined ? undefined : parseDurationMs(values.watch);
  if (values.watch !== undefined && (watchMs === undefined || watchMs < 1000)) {
    throw new UsageError(`--watch must be a duration of at least 1s, such as 5s; got "${values.watch}"`);
  }
  return {
    type: "top",
    ...common,
    ...(sort === undefined ? {} : { sort }),
    ...(watchMs === undefined ? {} : { watchMs }),
  };
}

function parseTopology(common: Common, values: Values): Command {
  if (values.sort !== undefined || values.watch !== undefined)
    throw new UsageError("--sort and --watch go with top");
  const output = oneOf("-o", values.output, TOPOLOGY_FORMATS) ?? "ascii";
  return { type: "topology", ...common, output, thresholds: thresholdsOf(values) };
}
