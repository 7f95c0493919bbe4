import { processEnv } from "../config/environment";
import { BackendResponseError, BackendTimeoutError, BackendUnreachableError } from "../errors/backend-errors";
import { ConfigError } from "../errors/config-error";
import { BadRequestError, NotFoundError } from "../errors/request-errors";
import { ApiStatusError } from "./api-status-error";

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
];

/**
 * What a local tool (`npm start`, the demo, the report and CLI runners) prints when it cannot
 * start: one line that says what to change, never a stack trace. `usage` shows how to run it.
 */
function startupFailure(error: unknown, usage: string, ownErrors: readonly ErrorClass[]): string {
  const code = (error as { code?: unknown } | null)?.code;
  if ([...OWN_ERRORS, ...ownErrors].some((type) => error instanceof type)) return (error as Error).message;
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

/** An error class whose instances' messages already say what to change. */
type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Runs a tool's main function; a failure is one line on stderr and exit code 1. `ownErrors` are
 * the tool's own error classes whose message is printed as it is (the dev tools' listen errors).
 */
export function runMain(
  main: () => Promise<void>,
  usage: string,
  ownErrors: readonly ErrorClass[] = [],
): void {
  main().catch((error: unknown) => {
    console.error(startupFailure(error, usage, ownErrors).replace(/\s*\n\s*/g, " "));
    process.exit(1);
  });
}
