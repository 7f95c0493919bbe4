import { processEnv } from "../config/environment";
import { formatDuration } from "../smi/time";
import { renderAscii } from "../topology/ascii";
import { renderDot } from "../topology/dot";
import { renderMermaid } from "../topology/mermaid";
import { collectTopology, warnOnce } from "../topology/source";
import { type Command, parseCommand } from "./args";
import { HELP, USAGE } from "./help";
import { renderHistory } from "./history";
import type { HistoryCommand } from "./history-args";
import { fetchHistory } from "./history-source";
import { runMain } from "./run-main";
import { sourceFor } from "./source";
import { renderTop } from "./top";

const RENDERERS = { ascii: renderAscii, dot: renderDot, mermaid: renderMermaid } as const;

/** Warnings go to stderr as kubectl prints them, once each: a zero may not mean idle. */
const warn = warnOnce((warning) => process.stderr.write(`Warning: ${warning}\n`));

async function top(command: Extract<Command, { type: "top" }>, now = new Date()): Promise<string> {
  const list = await sourceFor(command, now, warn).list(command.kind, command.namespace);
  return renderTop(list, {
    allNamespaces: command.namespace === undefined && command.kind !== "namespaces",
    ...(command.sort === undefined ? {} : { sort: command.sort }),
  });
}

/**
 * `--watch`: the table again every interval, over the previous one on a terminal, until Ctrl-C,
 * each frame under the time its numbers were fetched.
 */
async function watch(command: Extract<Command, { type: "top" }>, everyMs: number): Promise<never> {
  const clear = process.stdout.isTTY ? "\x1b[2J\x1b[H" : "";
  for (;;) {
    const now = new Date();
    const text = await top(command, now);
    const stamp = `Every ${formatDuration(everyMs)}, updated ${now.toISOString().slice(0, 19)}Z\n\n`;
    process.stdout.write(`${clear}${stamp}${text}${clear === "" ? "\n" : ""}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** `history`: the API's answer as it came (`-o json`), or a table with sparklines on a terminal. */
async function history(command: HistoryCommand): Promise<string> {
  const answer = await fetchHistory(command, new Date(), warn);
  if (command.output === "json") return `${JSON.stringify(answer, null, 2)}\n`;
  return renderHistory(answer, { sparklines: command.sparklines ?? process.stdout.isTTY === true });
}

async function main(argv: readonly string[]): Promise<void> {
  const command = parseCommand(argv, processEnv().PROMETHEUS_URL !== undefined);
  if (command.type === "help") {
    process.stdout.write(HELP);
    return;
  }
  if (command.type === "history") {
    process.stdout.write(await history(command));
    return;
  }
  if (command.type === "top") {
    if (command.watchMs !== undefined) await watch(command, command.watchMs);
    process.stdout.write(await top(command));
    return;
  }
  const topology = await collectTopology(
    sourceFor(command, new Date(), warn),
    command.kind,
    command.namespace,
    command.thresholds,
  );
  process.stdout.write(RENDERERS[command.output](topology));
}

runMain(() => main(process.argv.slice(2)), USAGE);
