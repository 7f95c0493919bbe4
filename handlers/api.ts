import { atStartup, loadConfig } from "../src/config/settings";
import { apiFromConfig } from "../src/http/api-from-config";

// Built once per container: a bad config fails the cold start, and the clients' connection pools
// and caches are reused by every warm invocation.
export const handler = atStartup(() => apiFromConfig(loadConfig()));
