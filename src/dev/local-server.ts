import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";

export type HttpLambda = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** Largest request body the local server reads, like API Gateway's payload limit. */
const MAX_BODY_BYTES = 6 * 1024 * 1024;

/**
 * Serves Lambda HTTP handlers on a local port by turning each request into the API Gateway HTTP
 * API (payload 2.0) event Lambda would receive, so `npm start` runs the deployed code path.
 */
export async function serveLambdas(
  routes: (path: string) => HttpLambda,
  port: number,
  host = "127.0.0.1",
  timeoutMs = 29_000,
): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  // Coalesced requests share one answer string; encoding it once keeps a burst of identical
  // large answers from holding one copy per response.
  let lastBody: string | undefined;
  let lastBytes: Buffer = Buffer.alloc(0);
  const encode = (body: string): Buffer => {
    if (body !== lastBody) {
      lastBody = body;
      lastBytes = Buffer.from(body, "utf8");
    }
    return lastBytes;
  };
  const server = createServer(async (req, res) => {
    try {
      const body = await readBody(req);
      const url = new URL(req.url ?? "/", "http://localhost");
      const event = toEvent(req, url, body);
      const deadline = Date.now() + timeoutMs;
      const result = await routes(url.pathname)(event, lambdaContext(deadline));
      res.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>);
      res.end(encode(result.body ?? ""));
    } catch (error) {
      console.error(error);
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: "local server error; see its log" }));
    }
  });
  // A busy port is an 'error' event, not a throw: turn it into a rejection the caller reports.
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    url: `http://${host}:${address.port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error("request body too large");
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
