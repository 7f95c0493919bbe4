import { uiBundle } from "../../src/bundle/ui-assets";
import { createContext } from "../../src/config/context";
import { loadConfig } from "../../src/config/settings";
import { DEMO_KUBERNETES_TOKEN, type DemoBackends } from "../../src/dev/demo-backends";
import { serveLambdas } from "../../src/dev/local-server";
import { createApiHandler } from "../../src/http/api-handler";
import type { RequestLog } from "../../src/http/request-log";

/** The api function with the web UI, on a local port as `npm start` serves it, and its request log. */
export interface UiServer {
  readonly url: string;
  readonly logs: RequestLog[];
  close(): Promise<void>;
}

/** Serves the api (UI included) configured by `env`, its request log kept for the test to read. */
export async function serveUi(env: Record<string, string>): Promise<UiServer> {
  const logs: RequestLog[] = [];
  const config = loadConfig({}, { CACHE_TTL: "0", ...env });
  const handler = createApiHandler(createContext(config), { ui: uiBundle, log: (entry) => logs.push(entry) });
  await uiBundle();
  const server = await serveLambdas(() => handler, 0);
  return { url: server.url, logs, close: server.close };
}

/** The variables the demo's API reads its backends with (`npm run demo`, linkerd). */
export const demoEnv = ({ prometheus, kubernetes }: DemoBackends): Record<string, string> => ({
  MESH: "linkerd",
  PROMETHEUS_URL: prometheus.url,
  KUBERNETES_API_URL: kubernetes?.url ?? "",
  KUBERNETES_TOKEN: DEMO_KUBERNETES_TOKEN,
});

/** GETs an API path as the page did (its own token, if any) and parses the JSON. */
export async function apiJson<T>(base: string, path: string, token?: string): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  if (!response.ok) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}
