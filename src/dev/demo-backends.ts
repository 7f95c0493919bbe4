import type { MeshName } from "../mesh/select";
import { CANARY_CATALOG, CANARY_SPLITTERS, canaryKubernetesObjects } from "./canary";
import { type ConsulDouble, startConsulDouble } from "./consul-double";
import { consulCatalog, IDLE_CATALOG_SERVICE } from "./consul-series";
import { type KubernetesDouble, startKubernetesDouble } from "./kubernetes-double";
import { type NativeTarget, startNativeTarget } from "./native-target";
import { freePort, PrometheusStartError, type RunningPrometheus, startPrometheus } from "./prometheus-server";
import type { Scenario } from "./scenario";
import { ScrapeSeries } from "./scrape-series";
import { startScrapingPrometheus } from "./scraping-prometheus";
import { seriesWriter, writeSeries } from "./series";

/** The tokens the demo's doubles accept; printed commands name them, so they are no secret. */
export const DEMO_CONSUL_TOKEN = "demo-read-token";
export const DEMO_KUBERNETES_TOKEN = "demo-kubernetes-reader";

/** What the demo's API reads: a real Prometheus, and the double in front of it the mesh needs. */
export interface DemoBackends {
  readonly prometheus: RunningPrometheus;
  /** The live target Prometheus scrapes; only with native histograms. */
  readonly target: NativeTarget | undefined;
  /** Consul's HTTP API (catalog, splitters, metrics proxy); only with `consul`. */
  readonly consul: ConsulDouble | undefined;
  /** The Kubernetes API the canaries' splits are read from; not with `consul` (its splitters). */
  readonly kubernetes: KubernetesDouble | undefined;
}

/** Where the demo's Prometheus comes from (`PROMETHEUS_BIN`) and listens (`PROMETHEUS_PORT`, 0: free). */
export interface DemoPrometheusSettings {
  readonly binary: string | undefined;
  readonly port: number;
}

/** `PROMETHEUS_PORT`, checked free before the backfill, so a busy one is said at once; 0 picks one. */
async function prometheusPort(port: number): Promise<number> {
  try {
    return await freePort(port);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    throw new PrometheusStartError(
      `cannot listen on 127.0.0.1:${port} for Prometheus (${code}); set PROMETHEUS_PORT to a free port, or unset it to pick one`,
      { cause: error },
    );
  }
}

/**
 * A real Prometheus with the scenario as `meshName` writes it: backfilled, or (`liveWindowS` set)
 * scraped every second from a native-histogram target until a window of that many seconds is full,
 * so commands about the moment it returns find data.
 */
async function demoPrometheus(
  meshName: MeshName,
  scenario: Scenario,
  { binary, port }: DemoPrometheusSettings,
  liveWindowS: number | undefined,
): Promise<Pick<DemoBackends, "prometheus" | "target">> {
  if (liveWindowS === undefined) {
    console.log(`Backfilling a generated ${meshName} mesh into a fresh Prometheus...`);
    const { startS, endS, stepS } = scenario;
    const series = seriesWriter(meshName)(scenario);
    return {
      prometheus: await startPrometheus({ series, startS, endS, stepS, binary, port }),
      target: undefined,
    };
  }
  console.log(
    `Serving a generated ${meshName} mesh with native histograms to a Prometheus that scrapes it; waiting ${liveWindowS} s for a full window...`,
  );
  const target = await startNativeTarget(writeSeries(meshName, scenario, new ScrapeSeries()));
  try {
    const scrapes = liveWindowS + 2;
    return {
      prometheus: await startScrapingPrometheus({ target: target.address, scrapes, binary, port }),
      target,
    };
  } catch (error) {
    await target.close();
    throw error;
  }
}

/**
 * Starts the demo's Prometheus (see {@link demoPrometheus}) and the double the mesh's splits come
 * from. The doubles stand in for binaries our package registries do not carry.
 */
export async function startDemoBackends(
  meshName: MeshName,
  scenario: Scenario,
  settings: DemoPrometheusSettings,
  liveWindowS?: number,
): Promise<DemoBackends> {
  const port = await prometheusPort(settings.port);
  const { prometheus, target } = await demoPrometheus(meshName, scenario, { ...settings, port }, liveWindowS);
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
  return { prometheus, target, consul, kubernetes };
}

/** Stops what {@link startDemoBackends} started, each before what it reads from. */
export async function stopDemoBackends({
  prometheus,
  target,
  consul,
  kubernetes,
}: DemoBackends): Promise<void> {
  await kubernetes?.close();
  await consul?.close();
  await prometheus.stop();
  await target?.close();
}

/** The backend variables `npm run report` needs to read what the demo's API reads. */
export function reportBackendVariables({ prometheus, consul }: DemoBackends): string {
  return consul
    ? `CONSUL_HTTP_ADDR=${consul.url} CONSUL_HTTP_TOKEN=${DEMO_CONSUL_TOKEN}`
    : `PROMETHEUS_URL=${prometheus.url}`;
}
