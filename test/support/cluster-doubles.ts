/**
 * The doubles of the APIs the api reads splits from, as the suites over the canary scenario start
 * them: a Kubernetes API (TrafficSplits, HTTPRoutes) and Consul's HTTP API (catalog, splitters and
 * its metrics proxy). Each comes with the variables that let a deployment of the api read it, so a
 * suite cannot give the api a token the double does not know.
 */
import { CANARY_CATALOG, CANARY_SPLITTERS, canaryKubernetesObjects } from "../../src/dev/canary";
import { type ConsulDouble, startConsulDouble } from "../../src/dev/consul-double";
import { consulCatalog } from "../../src/dev/consul-series";
import {
  type KubernetesDouble,
  type KubernetesObject,
  startKubernetesDouble,
} from "../../src/dev/kubernetes-double";
import type { Scenario } from "../../src/dev/scenario";

const KUBERNETES_TOKEN = "kubernetes-reader-token";
const CONSUL_TOKEN = "canary-read";

/** A Kubernetes API double serving `objects`, TrafficSplits at `trafficSplitVersion`, to the api's service account. */
export function kubernetesDouble(
  objects: KubernetesObject[],
  trafficSplitVersion: string,
): Promise<KubernetesDouble> {
  return startKubernetesDouble({
    tokens: { [KUBERNETES_TOKEN]: { user: "system:serviceaccount:smi:metrics-api" } },
    trafficSplitVersions: [trafficSplitVersion],
    objects,
  });
}

/** The canaries' splits and routes, TrafficSplits at v1alpha1: a version every mesh's adapter reads. */
export const canaryKubernetes = () => kubernetesDouble(canaryKubernetesObjects("v1alpha1"), "v1alpha1");

/** What a deployment of the api is given to read `kubernetes`. */
export const kubernetesEnv = (kubernetes: KubernetesDouble) => ({
  KUBERNETES_API_URL: kubernetes.url,
  KUBERNETES_TOKEN,
});

/**
 * Consul as its users run it in front of the Prometheus at `prometheusUrl`: the scenario's catalog
 * with the canaries' services and their splitters, PromQL through its metrics proxy.
 */
export function canaryConsul(scenario: Scenario, prometheusUrl: string): Promise<ConsulDouble> {
  return startConsulDouble({
    catalog: consulCatalog(scenario, CANARY_CATALOG),
    splitters: CANARY_SPLITTERS,
    metricsProxyBaseUrl: prometheusUrl,
    tokens: { [CONSUL_TOKEN]: { wildcardRead: true } },
  });
}

/** What a deployment of the api for MESH=consul is given to read `consul`. */
export const consulEnv = (consul: ConsulDouble) => ({
  MESH: "consul",
  CONSUL_HTTP_ADDR: consul.url,
  CONSUL_HTTP_TOKEN: CONSUL_TOKEN,
});
