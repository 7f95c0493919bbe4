import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { UsageError } from "../cli/run-main";
import { createContext } from "../config/context";
import { processEnv } from "../config/environment";
import { type Config, loadConfig } from "../config/settings";
import { createApiHandler } from "../http/api-handler";
import { MESH_NAMES, type MeshName } from "../mesh/select";
import { withCanaries } from "./canary";
import {
  DEMO_CONSUL_TOKEN,
  DEMO_KUBERNETES_TOKEN,
  type DemoBackends,
  reportBackendVariables,
  startDemoBackends,
  stopDemoBackends,
} from "./demo-backends";
import { type DemoFacts, demoReportSpec, demoText } from "./demo-text";
import { loadConfigAndDevSettings } from "./dev-settings";
import { serveLambdas } from "./local-server";
import { runTool } from "./run-tool";
import { defaultScenario, liveFrom } from "./scenario";

const USAGE = "npm run demo [-- --mesh linkerd|istio|consul|cilium] (or MESH=istio npm run demo)";
/** How long the demo's traffic goes on after it starts. */
const DEMO_LIVE_S = 3600;

/**
 * The mesh to generate: `--mesh`, else `MESH`. Both given and different is refused rather than
 * one silently winning.
 */
function demoMesh(configured: MeshName): MeshName {
  const { values } = parseArgs({ options: { mesh: { type: "string" } } });
  const flag = values.mesh;
  if (flag === undefined) return configured;
  if (!MESH_NAMES.includes(flag as MeshName)) {
    throw new UsageError(`--mesh must be one of: ${MESH_NAMES.join(", ")}; got "${flag}". Usage: ${USAGE}`);
  }
  if (processEnv().MESH && configured !== flag) {
    throw new UsageError(`--mesh ${flag} and MESH=${configured} disagree; give one of them. Usage: ${USAGE}`);
  }
  return flag as MeshName;
}

/**
 * The demo's text: where everything listens and commands that show the data, among them the report
 * of the spec at `specPath` read from the same backends. Tokens are named, never printed.
 */
function announcement(
  backends: DemoBackends,
  config: Config,
  facts: Pick<DemoFacts, "mesh" | "apiUrl" | "time" | "workloads">,
  report: { readonly meshName: MeshName; readonly specPath: string },
): string {
  const { prometheus, consul, kubernetes } = backends;
  const { meshName, specPath } = report;
  return demoText({
    ...facts,
    prometheusUrl: prometheus.url,
    consulUrl: consul?.url,
    kubernetesUrl: kubernetes?.url,
    apiToken: config.apiAuth.mode === "none" && config.apiAuth.token !== undefined,
    webhookToken: config.webhookToken !== undefined,
    reportCommand: `${reportBackendVariables(backends)} MESH=${meshName} npm run report -- --spec ${specPath}`,
  });
}

/**
 * Ctrl-C (or a SIGTERM) closes the API first, then `stopAll`, so no Prometheus or double outlives
 * the demo; a server that fails to close does not keep the rest running.
 */
function stopOnSignals(server: { close(): Promise<void> }, stopAll: () => Promise<void>): void {
  const shutdown = async () => {
    await server.close().catch(() => {});
    await stopAll();
    process.exit(0);
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

/**
 * `npm run demo`: a real Prometheus over a generated mesh, the API in front of it (with the
 * environment's settings, tokens included, as `npm start` would use them), and commands that show
 * data. Runs until interrupted.
 */
runTool(async () => {
  // Every bad variable, the function's and the local server's, is named before anything starts.
  const { config: settings, dev } = loadConfigAndDevSettings();
  const meshName = demoMesh(settings.mesh);
  // The generated traffic reaches now and goes on for an hour, so clients that cannot give a time
  // (kubectl, /readyz, the CLI without --time) see it while the demo runs.
  const started = new Date();
  const scenario = liveFrom(withCanaries(defaultScenario()), started.getTime() / 1000, DEMO_LIVE_S);
  const backends = await startDemoBackends(meshName, scenario, dev.prometheusBin);
  const { prometheus, consul, kubernetes } = backends;
  const specDir = await mkdtemp(join(tmpdir(), "smi-demo-"));
  const stopAll = async () => {
    await rm(specDir, { recursive: true, force: true });
    await stopDemoBackends(backends);
  };
  let server: Awaited<ReturnType<typeof serveLambdas>>;
  try {
    const config = loadConfig(
      undefined,
      consul
        ? {
            MESH: meshName,
            CONSUL_HTTP_ADDR: consul.url,
            CONSUL_HTTP_TOKEN: DEMO_CONSUL_TOKEN,
            PROMETHEUS_URL: "",
          }
        : {
            MESH: meshName,
            PROMETHEUS_URL: prometheus.url,
            KUBERNETES_API_URL: kubernetes?.url ?? "",
            KUBERNETES_TOKEN: DEMO_KUBERNETES_TOKEN,
            // The demo's Istio series carry a request.host tag, so split numbers are the apex's only.
            ...(meshName === "istio" ? { ISTIO_REQUEST_HOST_LABEL: "request_host" } : {}),
          },
    );
    const context = createContext(config);
    const handler = createApiHandler(context);
    server = await serveLambdas(() => handler, dev.port, dev.host);
    stopOnSignals(server, stopAll);
    // The printed commands show the traffic as it was when the demo started, whenever they run.
    const time = new Date(Math.floor(started.getTime() / 1000 / scenario.stepS) * scenario.stepS * 1000);
    const specPath = join(specDir, "report-spec.json");
    const { mesh } = context;
    const reportKind = mesh.kinds.includes("deployments") ? "deployments" : "services";
    await writeFile(specPath, `${JSON.stringify(demoReportSpec(time, reportKind), null, 2)}\n`);
    console.log(
      announcement(
        backends,
        config,
        { mesh, apiUrl: server.url, time, workloads: scenario.workloads.length },
        { meshName, specPath },
      ),
    );
  } catch (error) {
    await stopAll();
    throw error;
  }
}, USAGE);
