import { processEnv } from "../config";
import {
  ApiStatusError,
  BackendResponseError,
  BackendTimeoutError,
  BackendUnreachableError,
  BadRequestError,
  ConfigError,
  NotFoundError,
} from "../errors";
import { ListenError } from "./local-server";
import { PrometheusMissingError, PrometheusStartError } from "./prometheus-server";

/** A start-up failure the operator fixes by changing how the tool is run. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Errors whose message already says what went wrong and what to change. */
const OWN_ERRORS = [
  ApiStatusError,
  ConfigError,
  UsageError,
  BadRequestError,
  NotFoundError,
  BackendResponseError,
  BackendTimeoutError,
  BackendUnreachableError,
  PrometheusMissingError,
  PrometheusStartError,
  ListenError,
];

/**
 * What a local tool (`npm start`, the demo, the report and CLI runners) prints when it cannot
 * start: one line that says what to change, never a stack trace. `usage` shows how to run it.
 */
function startupFailure(error: unknown, usage: string): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (OWN_ERRORS.some((type) => error instanceof type)) return (error as Error).message;
  if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) {
    // parseArgs goes on about positionals after `--`, which misleads more than it helps here.
    const [first] = (error as Error).message.split(/(?<=\.) /);
    // npm run, start and test hand a script only the options after `--`; npx (exec) and node pass all.
    const command = processEnv().npm_command;
    const npmRun = command !== undefined && command !== "exec";
    return `${first?.replace(/\.$/, "")}. Usage: ${usage}${npmRun ? " (npm passes options to a script only after --)" : ""}`;
  }
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Runs a tool's main function; a failure is one line on stderr and exit code 1. */
export function runMain(main: () => Promise<void>, usage: string): void {
  main().catch((error: unknown) => {
    console.error(startupFailure(error, usage).replace(/\s*\n\s*/g, " "));
    process.exit(1);
  });
}
