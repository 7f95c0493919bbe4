import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { LAMBDA_RESPONSE_LIMIT_BYTES, lambdaPayloadBytes } from "../http/lambda-response";

export type HttpLambda = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** Largest request body the local server reads, like API Gateway's payload limit. */
const MAX_BODY_BYTES = 6 * 1024 * 1024;

/** API Gateway HTTP APIs give an integration 30 s, whatever the function's own timeout. */
const GATEWAY_TIMEOUT_MS = 30_000;
/** The function's timeout in serverless.yml: what `getRemainingTimeInMillis` counts down from. */
const FUNCTION_TIMEOUT_MS = 29_000;

/**
 * What API Gateway answers when the function fails to give it a response: the function errors
 * (its result is over Lambda's 6 MB) or it does not answer in time. These are the platform's own
 * bodies, not our `Status`: a local run shows exactly what a deployed caller would see.
 */
const PLATFORM_ERROR = { status: 500, body: '{"message":"Internal Server Error"}' };
const GATEWAY_TIMEOUT = { status: 503, body: '{"message":"Service Unavailable"}' };
const REQUEST_TOO_LARGE = { status: 413, body: '{"message":"Request Entity Too Large"}' };

class RequestTooLargeError extends Error {
  override readonly name = "RequestTooLargeError";
}

export interface LocalServerOptions {
  /** The integration timeout; tests shorten it to see the cut-off. */
  readonly gatewayTimeoutMs?: number;
  readonly functionTimeoutMs?: number;
}

/** The local server's timeouts: the gateway's cut-off, and the deadline the function is told. */
interface Timeouts {
  readonly gatewayMs: number;
  readonly functionMs: number;
}

/**
 * Serves Lambda HTTP handlers on a local port by turning each request into the API Gateway HTTP
 * API (payload 2.0) event Lambda would receive, so `npm start` runs the deployed code path, with
 * the platform's limits: a result over 6,291,456 bytes and an answer after 30 s fail as they
 * would deployed.
 */
export async function serveLambdas(
  routes: (path: string) => HttpLambda,
  port: number,
  host = "127.0.0.1",
  options: LocalServerOptions = {},
): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  const timeouts: Timeouts = {
    gatewayMs: options.gatewayTimeoutMs ?? GATEWAY_TIMEOUT_MS,
    functionMs: options.functionTimeoutMs ?? FUNCTION_TIMEOUT_MS,
  };
  const encode = lastBodyEncoder();
  const server = createServer((req, res) => invoke(routes, req, res, timeouts, encode));
  await listen(server, port, host);
  const address = server.address() as AddressInfo;
  return {
    server,
    url: `http://${host}:${address.port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

/**
 * Coalesced requests share one answer string; encoding it once keeps a burst of identical large
 * answers from holding one copy per response.
 */
function lastBodyEncoder(): (body: string) => Buffer {
  let lastBody: string | undefined;
  let lastBytes: Buffer = Buffer.alloc(0);
  return (body) => {
    if (body !== lastBody) {
      lastBody = body;
      lastBytes = Buffer.from(body, "utf8");
    }
    return lastBytes;
  };
}

/**
 * One request as API Gateway and Lambda handle it: the function's result, or the platform's own
 * answer when the request is too large, the function throws, its result is over Lambda's limit or
 * it does not answer before the gateway's timeout.
 */
async function invoke(
  routes: (path: string) => HttpLambda,
  req: IncomingMessage,
  res: ServerResponse,
  timeouts: Timeouts,
  encode: (body: string) => Buffer,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const body = await readBody(req);
    const url = new URL(req.url ?? "/", "http://localhost");
    const event = toEvent(req, url, body);
    const invoked = routes(url.pathname)(event, lambdaContext(Date.now() + timeouts.functionMs));
    const cutOff = new Promise<undefined>((resolve) => {
      timer = setTimeout(resolve, timeouts.gatewayMs, undefined);
    });
    const result = await Promise.race([invoked, cutOff]);
    if (result === undefined) {
      logPlatformError(`no answer within ${timeouts.gatewayMs} ms: API Gateway cuts the request off`);
      return platform(res, GATEWAY_TIMEOUT);
    }
    if (exceedsLambdaLimit(result)) {
      logPlatformError("the function's result is over Lambda's 6,291,456-byte limit: the invocation fails");
      return platform(res, PLATFORM_ERROR);
    }
    res.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>);
    res.end(result.isBase64Encoded ? Buffer.from(result.body ?? "", "base64") : encode(result.body ?? ""));
  } catch (error) {
    if (error instanceof RequestTooLargeError) return platform(res, REQUEST_TOO_LARGE);
    // An exception thrown out of the handler is a failed invocation: the platform's 500.
    console.error(error);
    platform(res, PLATFORM_ERROR);
  } finally {
    clearTimeout(timer);
  }
}

/** The platform's own answer, in place of the function's. */
function platform(res: ServerResponse, answer: { status: number; body: string }): void {
  res.writeHead(answer.status, { "content-type": "application/json" });
  res.end(answer.body);
}

/** Why the platform answered instead of the function, logged as the server's other errors are. */
function logPlatformError(error: string): void {
  console.error(JSON.stringify({ level: "error", error }));
}

/** Listens; a busy port is an 'error' event, not a throw: it becomes a rejection the caller reports. */
function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once("error", (error) => reject(new ListenError(host, port, error)));
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** The local server could not listen: a busy port, an address not of this machine, no such host. */
export class ListenError extends Error {
  override readonly name = "ListenError";
  constructor(
    readonly host: string,
    readonly port: number,
    cause: NodeJS.ErrnoException,
  ) {
    const code = cause.code ?? "error";
    super(
      code === "ENOTFOUND" || code === "EAI_AGAIN"
        ? `cannot listen on HOST=${host} (${code}: no such address); set HOST to an address of this machine, such as 127.0.0.1 or 0.0.0.0`
        : `cannot listen on ${host}:${port} (${code}); set PORT to a free port (PORT=0 picks one) or HOST to an address of this machine`,
      { cause },
    );
  }
}

/** Lambda's 6 MB applies to the result as Lambda serializes it; small ones cannot reach it. */
function exceedsLambdaLimit(result: APIGatewayProxyStructuredResultV2): boolean {
  return (
    (result.body?.length ?? 0) >= LAMBDA_RESPONSE_LIMIT_BYTES / 2 &&
    lambdaPayloadBytes(result) > LAMBDA_RESPONSE_LIMIT_BYTES
  );
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new RequestTooLargeError(`request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function toEvent(req: IncomingMessage, url: URL, body: string): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  const now = new Date();
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    requestContext: {
      accountId: "offline",
      apiId: "local",
      domainName: headers.host ?? "localhost",
      domainPrefix: "local",
      http: {
        method: req.method ?? "GET",
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: randomUUID(),
      routeKey: "$default",
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body === "" ? {} : { body }),
    isBase64Encoded: false,
  };
}

function lambdaContext(deadline: number): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: "local",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:local:000000000000:function:local",
    memoryLimitInMB: "1024",
    awsRequestId: randomUUID(),
    logGroupName: "local",
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
