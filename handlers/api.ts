import { uiBundle } from "../src/bundle/ui-assets";
import { createContext } from "../src/config/context";
import { atStartup } from "../src/config/environment";
import { loadConfig } from "../src/config/settings";
import { createApiHandler } from "../src/http/api-handler";

// Built once per container: a bad config fails the cold start, and the clients' connection pools
// and caches are reused by every warm invocation. The web UI's files are those embedded at package
// time (src/bundle/esbuild.config.cjs).
export const handler = atStartup(() => createApiHandler(createContext(loadConfig()), { ui: uiBundle }));
