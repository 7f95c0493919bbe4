import * as z from "zod";
import { InstantSchema } from "../metrics/time-range";
import { KIND_NAMES, type KindName, servedKind } from "../smi/kinds";
import { parseDurationMs } from "../smi/time";
import { UsageError } from "./run-main";
import type { SourceOptions } from "./source-options";

/** How often `history` takes a point when not told: a minute reads well over an hour. */
const DEFAULT_STEP = "1m";
/** How far back `history` looks when given neither `--since` nor `--start`. */
const DEFAULT_SINCE_MS = 3_600_000;

/** `smi-metrics history KIND/NAME`: one resource's numbers at every step of a range. */
export interface HistoryCommand {
  readonly type: "history";
  readonly kind: KindName;
  /** Undefined for namespaces, which are the resource themselves. */
  readonly namespace: string | undefined;
  readonly name: string;
  /** Each point's window: the step unless told, so that the points tile the range. */
  readonly window: string;
  /** Whether `--window` was given, or the window is the step's. */
  readonly windowGiven: boolean;
  readonly step: string;
  readonly stepMs: number;
  /** The last `sinceMs` up to `end` (by default now), or from `start` to `end`. */
  readonly span:
    | { readonly sinceMs: number; readonly end?: Date }
    | { readonly start: Date; readonly end?: Date };
  readonly output: "table" | "json";
  /** Sparklines under the table: when not told, on a terminal only. */
  readonly sparklines?: boolean;
  readonly source: SourceOptions;
}

const duration = (example: string) =>
  z.string().refine((text) => (parseDurationMs(text) ?? 0) > 0, {
    message: `a duration such as ${example}`,
  });

/** The flags `history` reads, checked where they enter; names as the user typed them in errors. */
const HistoryFlagsSchema = z.object({
  since: duration("30m or 1h").optional(),
  start: InstantSchema.optional(),
  end: InstantSchema.optional(),
  step: duration("1m or 5m").default(DEFAULT_STEP),
  window: z.string().optional(),
  output: z
    .enum(["json"], { message: "history prints a table, or with -o json the API's answer as it came" })
    .optional(),
  sparklines: z.boolean().optional(),
});

/** The options of the other commands, each refused with what it belongs to. */
const NOT_HISTORY: readonly [readonly string[], string][] = [
  [["time"], "history runs from --start (or over --since) to --end: give --end instead of --time"],
  [["all-namespaces"], "history reads one resource: give -n NAMESPACE, not -A"],
  [["sort", "watch", "green", "amber"], "--sort, --watch, --green and --amber go with top and topology"],
];

/** Reads `history KIND/NAME [-n NS] [--since D | --start T [--end T]] [--step D] ...`. */
export function parseHistory(
  target: string,
  values: Readonly<Record<string, string | boolean | undefined>>,
  source: SourceOptions,
): HistoryCommand {
  for (const [names, message] of NOT_HISTORY)
    if (names.some((name) => values[name] !== undefined)) throw new UsageError(message);
  const slash = target.indexOf("/");
  if (slash <= 0 || slash === target.length - 1)
    throw new UsageError(`history needs KIND/NAME, such as deployments/checkout; got "${target}"`);
  const kind = servedKind(target.slice(0, slash), KIND_NAMES, (message) => new UsageError(message));
  const parsed = HistoryFlagsSchema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = issue?.path[0] === "output" ? "-o" : `--${String(issue?.path[0])}`;
    throw new UsageError(`${flag}: ${issue?.message}`);
  }
  const { since, start, end, step, window, output, sparklines } = parsed.data;
  if (since !== undefined && start !== undefined) throw new UsageError("give --since or --start, not both");
  const stepMs = parseDurationMs(step) as number;
  const sinceMs = since === undefined ? DEFAULT_SINCE_MS : (parseDurationMs(since) as number);
  if (start === undefined && sinceMs < stepMs)
    throw new UsageError(
      `--since ${since ?? "1h (the default)"} is shorter than --step ${step}: it would hold no point`,
    );
  const namespace = values.namespace;
  return {
    type: "history",
    kind,
    namespace: kind === "namespaces" ? undefined : typeof namespace === "string" ? namespace : "default",
    name: target.slice(slash + 1),
    window: window ?? step,
    windowGiven: window !== undefined,
    step,
    stepMs,
    span:
      start === undefined
        ? { sinceMs, ...(end === undefined ? {} : { end }) }
        : { start, ...(end === undefined ? {} : { end }) },
    output: output === "json" ? "json" : "table",
    ...(sparklines === undefined ? {} : { sparklines }),
    source,
  };
}
