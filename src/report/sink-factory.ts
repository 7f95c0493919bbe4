import type { LambdaClient } from "@aws-sdk/client-lambda";
import { LambdaSink } from "./lambda-sink";
import type { ReportSink } from "./sink";
import type { SinkSpec } from "./spec";
import { WebhookSink } from "./webhook-sink";

/** Turns sink specs into sinks; the Lambda client is made only when a spec asks for one. */
export function createSinkFactory(options: {
  readonly lambda: () => LambdaClient;
  readonly webhookSecret: string | undefined;
}): (spec: SinkSpec) => ReportSink {
  return (spec) =>
    spec.type === "webhook"
      ? new WebhookSink({
          url: spec.url,
          secret: spec.secret ?? options.webhookSecret,
          format: spec.format,
          maxAttempts: spec.maxAttempts,
        })
      : new LambdaSink(options.lambda(), spec.function);
}
