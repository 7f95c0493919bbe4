// Loads a handler from a task root and invokes it once, the way AWS Lambda's Node.js runtime does.
// The loading is Lambda's own: UserFunction.js from AWS's runtime interface client, which
// serverless-offline vendors, resolves "handlers/api.handler" by trying the extensionless file,
// .js (as CommonJS unless a package.json above says "type": "module"), .mjs and .cjs, in that order.
// What stands in for the runtime is only the invoke: one event, a context with the Lambda fields
// our handlers read, and the result printed as JSON on the last line of stdout.
//
// Usage: node lambda-invoke.cjs <task root> <handler> <event JSON>
const { dirname, join } = require("node:path");

const [taskRoot, handlerName, eventJson] = process.argv.slice(2);
const ric = join(
  dirname(require.resolve("serverless-offline")),
  "lambda/handler-runner/in-process-runner/aws-lambda-ric/UserFunction.js",
);

(async () => {
  const handler = await require(ric).load(taskRoot, handlerName);
  const deadline = Date.now() + 29_000;
  const context = {
    awsRequestId: "lambda-invoke-test",
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
  const result = await handler(JSON.parse(eventJson), context);
  process.stdout.write(`\n${JSON.stringify(result)}\n`);
})();
