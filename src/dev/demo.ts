import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createBackends } from "../backends";
import { loadConfig, processEnv } from "../config";
import { apiFromConfig } from "../http/api-from-config";
import { MESH_NAMES, type MeshName } from "../mesh/select";
import { startConsulDouble } from "./consul-double";
import { consulCatalog, IDLE_CATALOG_SERVICE } from "./consul-series";
import { demoReportSpec, demoText } from "./demo-text";
import { loadDevSettings } from "./dev-settings";
import { serveLambdas } from "./local-server";
import { startPrometheus } from "./prometheus-server";
import { runMain, UsageError } from "./run-main";
import { defaultScenario, endingAt, scenarioEnd } from "./scenario";
import { seriesWriter } from "./series";

const USAGE = "npm run demo [-- --mesh linkerd|istio|consul] (or MESH=istio npm run demo)";
const DEMO_CONSUL_TOKEN = "demo-read-token";

/**
 * The mesh to generate: `--mesh`, else `MESH`. Both given and different is refused rather than
 * one silently winning.
 */
function demoMesh(): MeshName {
  const { values } = parseArgs({ options: { mesh: { type: "string" } } });
  const configured = loadConfig().mesh;
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
runMain(async () => {
  const meshName = demoMesh();
  const dev = loadDevSettings();
  // The generated traffic ends now, so clients that cannot give a time (kubectl, /readyz) see it.
  const scenario = endingAt(defaultScenario(), Date.now() / 1000);
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
          catalog: consulCatalog(scenario, [IDLE_CATALOG_SERVICE]),
          metricsProxyBaseUrl: prometheus.url,
          tokens: { [DEMO_CONSUL_TOKEN]: { wildcardRead: true } },
        })
      : undefined;
  const stopAll = async () => {
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
        : { MESH: meshName, PROMETHEUS_URL: prometheus.url },
    );
    const handler = apiFromConfig(config);
    server = await serveLambdas(() => handler, dev.port, dev.host);
    const shutdown = async () => {
      await server.close().catch(() => {});
      await stopAll();
      process.exit(0);
    };
    process.on("SIGINT", shutdown);
    process.on("SIGTERM", shutdown);
    const time = scenarioEnd(scenario);
    const specPath = join(await mkdtemp(join(tmpdir(), "smi-demo-")), "report-spec.json");
    await writeFile(specPath, `${JSON.stringify(demoReportSpec(time), null, 2)}\n`);
    const backend = consul
      ? `CONSUL_HTTP_ADDR=${consul.url} CONSUL_HTTP_TOKEN=${DEMO_CONSUL_TOKEN}`
      : `PROMETHEUS_URL=${prometheus.url}`;
    console.log(
      demoText({
        mesh: createBackends(config).mesh,
        apiUrl: server.url,
        prometheusUrl: prometheus.url,
        consulUrl: consul?.url,
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
