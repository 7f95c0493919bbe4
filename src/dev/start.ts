import { uiBundle } from "../bundle/ui-assets";
import { createContext } from "../config/context";
import { createApiHandler } from "../http/api-handler";
import { checkReadiness, notReadyDetails } from "../metrics/readiness";
import { loadConfigAndDevSettings } from "./dev-settings";
import { serveLambdas } from "./local-server";
import { runTool } from "./run-tool";

/**
 * `npm start`: the api function on a local port, configured by the same environment as in Lambda.
 * Once it listens it asks `/readyz`'s question once and says what is wrong (the wrong MESH, a label
 * the relabeling does not give, no histogram), so a misconfiguration shows before the first zero.
 */
runTool(async () => {
  const { config, dev } = loadConfigAndDevSettings();
  const context = createContext(config);
  const handler = createApiHandler(context, { ui: uiBundle });
  const { url } = await serveLambdas(() => handler, dev.port, dev.host);
  console.log(
    `SMI metrics API (mesh ${config.mesh}) on ${url}, reading ${new URL(config.prometheus.url).origin}`,
  );
  console.log(`Web UI: ${url}/ui/`);
  // Built now rather than on the page's first request (from source it takes about a second).
  uiBundle().catch((error: unknown) => console.error(`the web UI could not be built: ${String(error)}`));
  const readiness = await checkReadiness(context);
  if (!readiness.ready) console.log(`not ready: ${notReadyDetails(readiness)}`);
}, "PROMETHEUS_URL=http://prometheus:9090 [MESH=linkerd|istio|consul|cilium] [PORT=3000] npm start");
