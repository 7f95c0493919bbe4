import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import { type RenderedReport, type ReportSink, SinkError } from "./sink";

/** Lambda's limit for an asynchronous invocation's payload. */
const MAX_EVENT_PAYLOAD_BYTES = 256 * 1024;

/**
 * Sends the report to another Lambda function as an asynchronous (`Event`) invocation: Lambda
 * queues it and retries the target itself, so a slow consumer never holds the report function.
 * The client is passed in, so local runs can point it at serverless-offline. An asynchronous
 * invocation carries no headers, so the consumer drops duplicates by the report's `id`, which is
 * the same on every retry of one scheduled run.
 */
export class LambdaSink implements ReportSink {
  readonly description: string;

  constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
  ) {
    this.description = `lambda ${functionName}`;
  }

  async deliver({ json }: RenderedReport) {
    const payload = Buffer.from(json, "utf8");
    if (payload.length > MAX_EVENT_PAYLOAD_BYTES) {
      throw new SinkError(
        `${this.description}: the report is ${payload.length} bytes, over Lambda's ${MAX_EVENT_PAYLOAD_BYTES}-byte limit for asynchronous invocations; narrow the spec's namespaces or kinds, or give its trend fewer intervals`,
        0,
        undefined,
      );
    }
    try {
      const result = await this.client.send(
        new InvokeCommand({ FunctionName: this.functionName, InvocationType: "Event", Payload: payload }),
      );
      const attempts = attemptsOf(result);
      if (result.StatusCode !== 202 || result.FunctionError) {
        throw new SinkError(
          `${this.description} was not queued: status ${result.StatusCode}${result.FunctionError ? `, ${result.FunctionError}` : ""}`,
          attempts,
          result.StatusCode,
        );
      }
      return { attempts, status: result.StatusCode };
    } catch (error) {
      if (error instanceof SinkError) throw error;
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      throw new SinkError(
        `${this.description} failed: ${(error as Error).name}: ${(error as Error).message}`,
        attemptsOf(error),
        status,
        {
          cause: error,
        },
      );
    }
  }
}

/** The SDK retries on its own and counts its attempts in `$metadata` (answers and errors alike). */
function attemptsOf(answer: unknown): number {
  const attempts = (answer as { $metadata?: { attempts?: unknown } } | null)?.$metadata?.attempts;
  return typeof attempts === "number" && attempts > 0 ? attempts : 1;
}
