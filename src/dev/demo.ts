import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { UsageError } from "../cli/run-main";
import { createContext } from "../config/context";
import { processEnv } from "../config/environment";
import { loadConfig } from "../config/settings";
import { createApiHandler } from "../http/api-handler";
import { MESH_NAMES, type MeshName } from "../mesh/select";
import { CANARY_CATALOG, CANARY_SPLITTERS, canaryKubernetesObjects, withCanaries } from "./canary";
import { startConsulDouble } from "./consul-double";
import { consulCatalog, IDLE_CATALOG_SERVICE } from "./consul-series";
import { demoReportSpec, demoText } from "./demo-text";
import { loadConfigAndDevSettings } from "./dev-settings";
import { startKubernetesDouble } from "./kubernetes-double";
import { serveLambdas } from "./local-server";
import { startPrometheus } from "./prometheus-server";
import { runTool } from "./run-tool";
import { defaultScenario, liveFrom } from "./scenario";
import { seriesWriter } from "./series";

const USAGE = "npm run demo [-- --mesh linkerd|istio|consul] (or MESH=istio npm run demo)";
const DEMO_CONSUL_TOKEN = "demo-read-token";
const DEMO_KUBERNETES_TOKEN = "demo-kubernetes-reader";
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
  console.log(`Backfilling a generated ${meshName} mesh into a fresh Prometheus...`);
  const prometheus = await startPrometheus({
    series: seriesWriter(meshName)(scenario),
    startS: scenario.startS,
    endS: scenario.endS,
    stepS: scenario.stepS,
    binary: dev.prometheusBin,
  });
  // Consul's demo goes the way a Consul user's would: catalog and metrics through Consul's HTTP API,
  // here a double of it (no Consul binary is packaged for this machine) in front of the real Prometheus.
  const consul =
    meshName === "consul"
      ? await startConsulDouble({
          catalog: consulCatalog(scenario, [IDLE_CATALOG_SERVICE, ...CANARY_CATALOG]),
          splitters: CANARY_SPLITTERS,
          metricsProxyBaseUrl: prometheus.url,
          tokens: { [DEMO_CONSUL_TOKEN]: { wildcardRead: true } },
        })
      : undefined;
  // Splits' weights are read from a Kubernetes API; here a double of it holding the canaries.
  const kubernetes =
    meshName === "consul"
      ? undefined
      : await startKubernetesDouble({
          tokens: { [DEMO_KUBERNETES_TOKEN]: { user: "system:serviceaccount:smi:metrics-api" } },
          objects: canaryKubernetesObjects(),
        });
  const specDir = await mkdtemp(join(tmpdir(), "smi-demo-"));
  const stopAll = async () => {
    await rm(specDir, { recursive: true, force: true });
    await kubernetes?.close();
    await consul?.close();
    await prometheus.stop();
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
    const shutdown = async () => {
      await server.close().catch(() => {});
      await stopAll();
      process.exit(0);
    };
    process.on("SIGINT", shutdown);
    process.on("SIGTERM", shutdown);
    // The printed commands show the traffic as it was when the demo started, whenever they run.
    const time = new Date(Math.floor(started.getTime() / 1000 / scenario.stepS) * scenario.stepS * 1000);
    const specPath = join(specDir, "report-spec.json");
    const { mesh } = context;
    const reportKind = mesh.kinds.includes("deployments") ? "deployments" : "services";
    await writeFile(specPath, `${JSON.stringify(demoReportSpec(time, reportKind), null, 2)}\n`);
    const backend = consul
      ? `CONSUL_HTTP_ADDR=${consul.url} CONSUL_HTTP_TOKEN=${DEMO_CONSUL_TOKEN}`
      : `PROMETHEUS_URL=${prometheus.url}`;
    console.log(
      demoText({
        mesh,
        apiUrl: server.url,
        prometheusUrl: prometheus.url,
        consulUrl: consul?.url,
        kubernetesUrl: kubernetes?.url,
        time,
        workloads: scenario.workloads.length,
        apiToken: config.apiAuth.mode === "none" && config.apiAuth.token !== undefined,
        webhookToken: config.webhookToken !== undefined,
        reportCommand: `${backend} MESH=${meshName} npm run report -- --spec ${specPath}`,
      }),
    );
  } catch (error) {
    await stopAll();
    throw error;
  }
}, USAGE);
