import { createBackends } from "../src/backends";
import { loadConfigAtStartup } from "../src/config";
import { AnswerCache } from "../src/http/answer-cache";
import { createApiHandler } from "../src/http/api-handler";

// Built once per container: a bad config fails the cold start, and the clients' connection pools
// and caches are reused by every warm invocation.
const config = loadConfigAtStartup();

export const handler = createApiHandler({
  ...createBackends(config),
  window: config.window,
  webhookToken: config.webhookToken,
  apiToken: config.apiAuth.token,
  cache: new AnswerCache(config.cache),
});
