import { createBackends } from "../backends";
import type { Config } from "../config";
import { AnswerCache } from "./answer-cache";
import { type ApiDeps, type ApiHandler, createApiHandler } from "./api-handler";

/**
 * The api function as a configuration describes it: its backends, its locks and its cache. Both
 * the Lambda entry point and `npm start` build it here, so the local server runs the deployed path.
 */
export function apiFromConfig(config: Config, extra: Pick<ApiDeps, "log" | "now"> = {}): ApiHandler {
  return createApiHandler({
    ...createBackends(config),
    window: config.window,
    apiAuth: config.apiAuth,
    webhookToken: config.webhookToken,
    cache: new AnswerCache(config.cache),
    ...extra,
  });
}
