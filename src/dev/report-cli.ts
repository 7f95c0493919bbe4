import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { createBackends } from "../backends";
import { loadConfig } from "../config";
import { runReport } from "../report/run-report";
import { ReportDeliveryError } from "../report/sink";
import { createSinkFactory } from "../report/sink-factory";

/**
 * `npm run report -- --spec spec.json [--json]`: runs a report by hand against the configured
 * backend. Prints it (Markdown, or JSON with --json); with sinks in the spec, delivers it and
 * prints each sink's outcome.
 */
async function main() {
  const { values } = parseArgs({
    options: { spec: { type: "string" }, json: { type: "boolean", default: false } },
  });
  if (values.spec === undefined) {
    console.error("usage: npm run report -- --spec spec.json [--json]");
    process.exit(2);
  }
  const config = loadConfig();
  const spec: unknown = JSON.parse(await readFile(values.spec, "utf8"));
  const sinkFor = createSinkFactory({
    lambda: () =>
      new LambdaClient(config.lambdaEndpoint === undefined ? {} : { endpoint: config.lambdaEndpoint }),
    webhookSecret: config.reportWebhookSecret,
  });
  const run = await runReport({ ...createBackends(config), window: config.window, sinkFor }, spec);
  if (run.outcomes.length > 0) {
    console.log(JSON.stringify({ reportId: run.report.id, outcomes: run.outcomes }, null, 2));
  } else {
    console.log(values.json ? JSON.stringify(run.report, null, 2) : run.markdown);
  }
}

main().catch((error: unknown) => {
  if (error instanceof ReportDeliveryError) {
    console.error(JSON.stringify({ reportId: error.reportId, outcomes: error.outcomes }, null, 2));
  } else {
    console.error(error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
