import { LambdaClient } from "@aws-sdk/client-lambda";
import type { Context as LambdaContext } from "aws-lambda";
import { createContext } from "../src/config/context";
import { atStartup } from "../src/config/environment";
import { loadConfig } from "../src/config/settings";
import { runReport } from "../src/report/run-report";
import { ReportDeliveryError } from "../src/report/sink";
import { createSinkFactory } from "../src/report/sink-factory";

// Built once per container. AWS_LAMBDA_ENDPOINT points the client at serverless-offline locally.
const config = atStartup(loadConfig);
const context = createContext(config);
let lambda: LambdaClient | undefined;
const sinkFor = createSinkFactory({
  lambda: () => {
    lambda ??= new LambdaClient(
      config.lambdaEndpoint === undefined ? {} : { endpoint: config.lambdaEndpoint },
    );
    return lambda;
  },
  webhookSecret: config.reportWebhookSecret,
});

/**
 * Scheduled report: the schedule's `input` is the report spec. Each sink's outcome is logged; if
 * any failed, the invocation fails so Lambda's async retry and DLQ take over. The run is named by
 * the invocation's request id, which Lambda keeps across those retries, so each sink's
 * `Idempotency-Key` is the same on every retry.
 */
export const handler = async (event: unknown, invocation: Pick<LambdaContext, "awsRequestId">) => {
  try {
    const run = await runReport(context, sinkFor, event, { id: invocation.awsRequestId });
    const result = { reportId: run.report.id, rows: run.report.rows.length, outcomes: run.outcomes };
    console.log(JSON.stringify(result));
    return result;
  } catch (error) {
    if (error instanceof ReportDeliveryError) {
      console.error(JSON.stringify({ reportId: error.reportId, outcomes: error.outcomes }));
    }
    throw error;
  }
};
