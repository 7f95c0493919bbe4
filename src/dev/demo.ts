import { parseArgs } from "node:util";
import { loadConfig } from "../config";
import { createApiHandler } from "../http/api-handler";
import { MESH_NAMES, type MeshName, selectMesh } from "../mesh/select";
import { PrometheusClient } from "../prometheus/client";
import { serveLambdas } from "./local-server";
import { PrometheusMissingError, startPrometheus } from "./prometheus-server";
import { defaultScenario, scenarioEnd } from "./scenario";
import { seriesWriter } from "./series";

/**
 * `npm run demo [-- --mesh linkerd]`: a real Prometheus over a generated mesh, the API in front of
 * it, and curl commands that show data. Runs until interrupted.
 */
async function main() {
  const { values } = parseArgs({ options: { mesh: { type: "string", default: "linkerd" } } });
  const meshName = values.mesh as MeshName;
  if (!MESH_NAMES.includes(meshName)) {
    console.error(`--mesh must be one of: ${MESH_NAMES.join(", ")}`);
    process.exit(2);
  }
  const scenario = defaultScenario();
  const base = loadConfig(undefined, { MESH: meshName });
  console.log(`Backfilling a generated ${meshName} mesh into a fresh Prometheus...`);
  const prometheus = await startPrometheus({
    series: seriesWriter(meshName)(scenario),
    startS: scenario.startS,
    endS: scenario.endS,
    stepS: scenario.stepS,
    binary: base.prometheusBin,
  });
  const config = loadConfig(undefined, { MESH: meshName, PROMETHEUS_URL: prometheus.url });
  const handler = createApiHandler({
    engine: new PrometheusClient({ baseUrl: config.prometheus.url, timeoutMs: config.prometheus.timeoutMs }),
    mesh: selectMesh({ mesh: config.mesh, labels: config.labels }),
    window: config.window,
    backendDescription: prometheus.url,
  });
  const server = await serveLambdas(() => handler, config.port, config.host).catch(async (error: unknown) => {
    await prometheus.stop();
    throw error;
  });
  const shutdown = async () => {
    await server.close().catch(() => {});
    await prometheus.stop();
    process.exit(0);
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);

  const time = scenarioEnd(scenario).toISOString().replace(".000Z", "Z");
  const api = `${server.url}/apis/metrics.smi-spec.io/v1alpha2`;
  const q = `?t=5m&time=${time}`;
  console.log(`
Prometheus ${prometheus.url} holds ${meshName} traffic for ${scenario.workloads.length} workloads in namespaces shop and payments,
ending at ${time}. The SMI API is on ${server.url}. Try:

curl -s '${api}/namespaces/payments/deployments/api${q}'
curl -s '${api}/deployments${q}'
curl -s '${api}/namespaces/payments/deployments/api/edges${q}'
curl -s '${api}/namespaces/shop${q}'
curl -s '${api}/namespaces/shop/edges${q}'
curl -s '${server.url}/apis/metrics.smi-spec.io/v1alpha2/'

Ctrl-C stops the API and Prometheus.`);
}

main().catch((error: unknown) => {
  if (error instanceof PrometheusMissingError) {
    console.error(error.message);
  } else {
    console.error(error);
  }
  process.exit(1);
});
