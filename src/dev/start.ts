import { createContext } from "../config/context";
import { createApiHandler } from "../http/api-handler";
import { loadConfigAndDevSettings } from "./dev-settings";
import { serveLambdas } from "./local-server";
import { runTool } from "./run-tool";

/** `npm start`: the api function on a local port, configured by the same environment as in Lambda. */
runTool(async () => {
  const { config, dev } = loadConfigAndDevSettings();
  const handler = createApiHandler(createContext(config));
  const { url } = await serveLambdas(() => handler, dev.port, dev.host);
  console.log(
    `SMI metrics API (mesh ${config.mesh}) on ${url}, reading ${new URL(config.prometheus.url).origin}`,
  );
}, "PROMETHEUS_URL=http://prometheus:9090 [MESH=linkerd|istio|consul|cilium] [PORT=3000] npm start");
