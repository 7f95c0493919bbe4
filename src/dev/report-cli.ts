import { readFile, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { UsageError } from "../cli/run-main";
import { createContext } from "../config/context";
import { loadConfig } from "../config/settings";
import { runReport } from "../report/run-report";
import { ReportDeliveryError } from "../report/sink";
import { createSinkFactory } from "../report/sink-factory";
import { runTool } from "./run-tool";

const USAGE = "npm run report -- --spec spec.json [--json] [--out FILE]";

/** The spec file, parsed; an unreadable or non-JSON file is named in one line. */
async function readSpec(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new UsageError(
      `cannot read the report spec ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`the report spec ${path} is not JSON: ${(error as Error).message}`);
  }
}

/** Writes the report to `--out`; a path that cannot be written is named in one line. */
async function writeReport(path: string, text: string): Promise<void> {
  try {
    await writeFile(path, text);
  } catch (error) {
    throw new UsageError(
      `cannot write the report to ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
}

/**
 * `npm run report -- --spec spec.json [--json] [--out FILE]`: runs a report by hand against the
 * configured backend. Prints it (Markdown, or JSON with --json), or writes it to `--out` (without
 * the banner `npm run` prints); with sinks in the spec, delivers it and prints each sink's outcome.
 */
runTool(async () => {
  const { values } = parseArgs({
    options: {
      spec: { type: "string" },
      json: { type: "boolean", default: false },
      out: { type: "string" },
    },
  });
  if (values.spec === undefined) throw new UsageError(`--spec is required. Usage: ${USAGE}`);
  const config = loadConfig();
  const spec = await readSpec(values.spec);
  const sinkFor = createSinkFactory({
    lambda: () =>
      new LambdaClient(config.lambdaEndpoint === undefined ? {} : { endpoint: config.lambdaEndpoint }),
    webhookSecret: config.reportWebhookSecret,
  });
  try {
    const run = await runReport(createContext(config), sinkFor, spec, {
      source: values.spec,
    });
    const text = values.json ? JSON.stringify(run.report, null, 2) : run.markdown;
    if (values.out !== undefined) await writeReport(values.out, `${text}\n`);
    if (run.outcomes.length > 0) {
      console.log(JSON.stringify({ reportId: run.report.id, outcomes: run.outcomes }, null, 2));
    } else if (values.out === undefined) {
      console.log(text);
    }
  } catch (error) {
    if (!(error instanceof ReportDeliveryError)) throw error;
    console.error(JSON.stringify({ reportId: error.reportId, outcomes: error.outcomes }, null, 2));
    process.exitCode = 1;
  }
}, USAGE);
