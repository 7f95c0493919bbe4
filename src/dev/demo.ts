import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { uiBundle } from "../bundle/ui-assets";
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
import { type HttpLambda, serveLambdas } from "./local-server";
import { runTool } from "./run-tool";
import { defaultScenario, liveFrom } from "./scenario";

const USAGE =
  "npm run demo [-- --mesh linkerd|istio|consul|cilium] [--histograms classic|native] (or MESH=istio npm run demo)";
/** How long the demo's traffic goes on after it starts. */
const DEMO_LIVE_S = 3600;
/**
 * The window the printed commands ask about. A backfill holds a quarter of an hour before the
 * start; a live scrape holds data from its first scrape on, so the demo waits for one short window.
 */
const WINDOW = { classic: "5m", native: "30s" } as const;
const NATIVE_WINDOW_S = 30;
type DemoHistograms = keyof typeof WINDOW;

/**
 * The mesh to generate: `--mesh`, else `MESH`. Both given and different is refused rather than
 * one silently winning.
 */
function demoMesh(configured: MeshName, flag: string | undefined): MeshName {
  if (flag === undefined) return configured;
  if (!MESH_NAMES.includes(flag as MeshName)) {
    throw new UsageError(`--mesh must be one of: ${MESH_NAMES.join(", ")}; got "${flag}". Usage: ${USAGE}`);
  }
  if (processEnv().MESH && configured !== flag) {
    throw new UsageError(`--mesh ${flag} and MESH=${configured} disagree; give one of them. Usage: ${USAGE}`);
  }
  return flag as MeshName;
}

/** The mesh, and `--histograms`: `classic` (backfilled `_bucket` series, the default) or `native`. */
function demoArgs(configured: MeshName): { meshName: MeshName; histograms: DemoHistograms } {
  const { values } = parseArgs({ options: { mesh: { type: "string" }, histograms: { type: "string" } } });
  const histograms = values.histograms ?? "classic";
  if (!Object.hasOwn(WINDOW, histograms)) {
    throw new UsageError(`--histograms must be classic or native; got "${histograms}". Usage: ${USAGE}`);
  }
  return { meshName: demoMesh(configured, values.mesh), histograms: histograms as DemoHistograms };
}

/**
 * The demo's text: where everything listens and commands that show the data, among them the report
 * of the spec at `specPath` read from the same backends. Tokens are named, never printed.
 */
function announcement(
  backends: DemoBackends,
  config: Config,
  facts: Pick<DemoFacts, "mesh" | "apiUrl" | "time" | "window" | "workloads">,
  report: { readonly meshName: MeshName; readonly specPath: string },
): string {
  const { prometheus, target, consul, kubernetes } = backends;
  const { meshName, specPath } = report;
  return demoText({
    ...facts,
    prometheusUrl: prometheus.url,
    live: target && { targetUrl: target.url, since: target.startedAt },
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

/** The API's settings over the demo's backends: the environment's, with the backends' addresses. */
function demoConfig(meshName: MeshName, { prometheus, consul, kubernetes }: DemoBackends): Config {
  return loadConfig(
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
}

/** What the API's port answers while the backends start (it listens first, to claim PORT). */
const STARTING: HttpLambda = async () => ({
  statusCode: 503,
  headers: { "content-type": "application/json", "retry-after": "5" },
  body: JSON.stringify({ message: "the demo is still starting its Prometheus; try again in a few seconds" }),
});

/**
 * `npm run demo`: a real Prometheus over a generated mesh, the API in front of it (with the
 * environment's settings, tokens included, as `npm start` would use them), and commands that show
 * data. Runs until interrupted.
 */
runTool(async () => {
  // Every bad variable, the function's and the local server's, is named before anything starts.
  const { config: settings, dev } = loadConfigAndDevSettings();
  const { meshName, histograms } = demoArgs(settings.mesh);
  // The API listens first: a busy PORT is said at once, not after the backfill.
  let api: HttpLambda = STARTING;
  const server = await serveLambdas(() => api, dev.port, dev.host);
  // The web UI is built from source while the backfill runs, not on the page's first request.
  uiBundle().catch((error: unknown) => console.error(`the web UI could not be built: ${String(error)}`));
  // The generated traffic reaches now and goes on for an hour, so clients that cannot give a time
  // (kubectl, /readyz, the CLI without --time) see it while the demo runs.
  const started = new Date();
  const scenario = liveFrom(withCanaries(defaultScenario()), started.getTime() / 1000, DEMO_LIVE_S);
  const prometheus = { binary: dev.prometheusBin, port: dev.prometheusPort };
  const liveWindowS = histograms === "native" ? NATIVE_WINDOW_S : undefined;
  const backends = await startDemoBackends(meshName, scenario, prometheus, liveWindowS).catch(
    async (error: unknown) => {
      await server.close();
      throw error;
    },
  );
  const specDir = await mkdtemp(join(tmpdir(), "smi-demo-"));
  const stopAll = async () => {
    await rm(specDir, { recursive: true, force: true });
    await stopDemoBackends(backends);
  };
  stopOnSignals(server, stopAll);
  try {
    const config = demoConfig(meshName, backends);
    const context = createContext(config);
    api = createApiHandler(context, { ui: uiBundle });
    // The printed commands show the same data whenever they run: backfilled, the traffic as it was
    // when the demo started; scraped, the first full window, which has just ended.
    const time =
      liveWindowS === undefined
        ? new Date(Math.floor(started.getTime() / 1000 / scenario.stepS) * scenario.stepS * 1000)
        : new Date(Math.floor(Date.now() / 1000) * 1000);
    const window = WINDOW[histograms];
    const specPath = join(specDir, "report-spec.json");
    const { mesh } = context;
    const reportKind = mesh.kinds.includes("deployments") ? "deployments" : "services";
    await writeFile(specPath, `${JSON.stringify(demoReportSpec(time, reportKind, window), null, 2)}\n`);
    const facts = { mesh, apiUrl: server.url, time, window, workloads: scenario.workloads.length };
    console.log(announcement(backends, config, facts, { meshName, specPath }));
  } catch (error) {
    await server.close().catch(() => {});
    await stopAll();
    throw error;
  }
}, USAGE);
