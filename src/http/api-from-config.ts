import { createBackends } from "../config/context";
import { ListCache } from "../config/list-cache";
import type { Config } from "../config/settings";
import { ConfigError } from "../errors/config-error";
import { AnswerCache } from "./answer-cache";
import { type ApiDeps, type ApiHandler, createApiHandler } from "./api-handler";

/**
 * The api function as a configuration describes it: its backends, its locks and its cache. Both
 * the Lambda entry point and `npm start` build it here, so the local server runs the deployed path.
 * A deployed api that nothing would lock refuses to be built.
 */
export function apiFromConfig(config: Config, extra: Pick<ApiDeps, "log" | "now"> = {}): ApiHandler {
  const deployed = config.lambdaFunctionName !== undefined;
  if (deployed && config.apiAuth.mode === "none" && config.apiAuth.token === undefined) {
    throw new ConfigError(
      "invalid configuration: API_TOKEN: refusing to serve: API_AUTH is none and API_TOKEN is unset, so nothing would lock this deployed API. Set API_TOKEN, or deploy with the iam or jwt authorizer (parameter apiAuth)",
      [],
    );
  }
  return createApiHandler({
    deployed,
    ...createBackends(config),
    window: config.window,
    apiAuth: config.apiAuth,
    webhookToken: config.webhookToken,
    cache: new AnswerCache(config.cache),
    lists: new ListCache(),
    ...extra,
  });
}
