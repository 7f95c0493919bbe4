import { parseArgs } from "node:util";
import { createBackends } from "../backends";
import { loadConfig } from "../config";
import { createApiHandler } from "../http/api-handler";
import { MESH_NAMES, type MeshName } from "../mesh/select";
import { startConsulDouble } from "./consul-double";
import { consulCatalog, IDLE_CATALOG_SERVICE } from "./consul-series";
import { serveLambdas } from "./local-server";
import { PrometheusMissingError, startPrometheus } from "./prometheus-server";
import { defaultScenario, scenarioEnd } from "./scenario";
import { seriesWriter } from "./series";

/**
 * `npm run demo [-- --mesh linkerd]`: a real Prometheus over a generated mesh, the API in front of
 * it, and curl commands that show data. Runs until interrupted.
 */
const DEMO_CONSUL_TOKEN = "demo-read-token";

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
  const backends = createBackends(config);
  const handler = createApiHandler({ ...backends, window: config.window });
  const server = await serveLambdas(() => handler, config.port, config.host).catch(async (error: unknown) => {
    await consul?.close();
    await prometheus.stop();
    throw error;
  });
  const shutdown = async () => {
    await server.close().catch(() => {});
    await consul?.close();
    await prometheus.stop();
    process.exit(0);
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);

  const time = scenarioEnd(scenario).toISOString().replace(".000Z", "Z");
  const api = `${server.url}/apis/metrics.smi-spec.io/v1alpha2`;
  const q = `?t=5m&time=${time}`;
  // Examples follow what the mesh serves: workloads where its series name them, else services.
  const { mesh } = backends;
  const [kind, name] = mesh.kinds.includes("deployments")
    ? ["deployments", "api"]
    : ["services", "payments-api"];
  const examples = [
    `${api}/namespaces/payments/${kind}/${name}${q}`,
    `${api}/${kind}${q}`,
    `${api}/namespaces/payments/${kind}/${name}/edges${q}`,
    `${api}/namespaces/shop${q}`,
    ...(mesh.edgeViews("namespaces").length > 0 ? [`${api}/namespaces/shop/edges${q}`] : []),
    `${api}/`,
  ];
  console.log(`
Prometheus ${prometheus.url} holds ${meshName} traffic for ${scenario.workloads.length} workloads in namespaces shop and payments,
ending at ${time}.${consul ? ` Catalog and metrics go through a Consul API double at ${consul.url}.` : ""}
The SMI API is on ${server.url}. Try:

${examples.map((url) => `curl -s '${url}'`).join("\n")}

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
