import { ConsulClient, METRICS_PROXY_QUERY_PATH } from "../consul/client";
import { ConsulSplitSource } from "../consul/splitter";
import { createKubernetesSplitSource } from "../kubernetes/settings";
import type { SplitSource } from "../kubernetes/split";
import type { MeshAdapter } from "../mesh/adapter";
import { selectMesh } from "../mesh/select";
import { PrometheusClient, type QueryEngine } from "../prometheus/client";
import type { RequestSigner } from "../prometheus/sigv4";
import { API_VERSIONS, type ApiVersion, type KindName } from "../smi/kinds";
import { lazyDefaultCredentials } from "./aws-credentials";
import { ListCache } from "./list-cache";
import type { Config } from "./settings";

/**
 * Everything an answer is computed with, built once per container at start-up (by each handler at
 * module scope, by `npm start`, by the CLI): the settings, the backend clients, the mesh adapter
 * and what follows from them. Every layer takes this one object; tests build it with fakes.
 */
export interface Context {
  /** The validated settings, as read from the environment. */
  readonly config: Config;
  readonly engine: QueryEngine;
  readonly mesh: MeshAdapter;
  /** Where split objects are read: the Kubernetes API, or Consul's service-splitters; absent: none. */
  readonly splits: SplitSource | undefined;
  /** The kinds served in each API version, computed once: the mesh's, and in v1alpha2 the splits'. */
  readonly kinds: Readonly<Record<ApiVersion, readonly KindName[]>>;
  /** What the backend is, for `/healthz`, logs and Warnings: origin only, never credentials. */
  readonly backendDescription: string;
  /** Whole lists kept while a client pages through them (the warm container's). */
  readonly lists: Pick<ListCache, "get">;
}

/** Parts a test (or a tool) supplies itself instead of having them built from the settings. */
export type ContextParts = Partial<
  Pick<Context, "engine" | "mesh" | "splits" | "backendDescription" | "lists">
>;

/**
 * Builds the context a configuration describes. Parts given in `given` are used as they are
 * (a fake engine, a mesh adapter under test); the rest is built here, once.
 */
export function createContext(config: Config, given: ContextParts = {}): Context {
  const consul = consulOf(config);
  const mesh =
    given.mesh ??
    selectMesh({
      mesh: config.mesh,
      labels: config.labels,
      cluster: config.cluster,
      consulDatacenter: config.consulDatacenter,
      istioRequestHostLabel: config.istioRequestHostLabel,
      consul,
    });
  const splits = "splits" in given ? given.splits : splitSourceOf(config, consul);
  const origin = new URL(config.prometheus.url).origin;
  return {
    config,
    engine: given.engine ?? engineOf(config, consul),
    mesh,
    splits,
    kinds: servedKinds(mesh, splits),
    backendDescription:
      given.backendDescription ??
      (config.prometheus.via === "consul" ? `consul metrics proxy at ${origin}` : `prometheus at ${origin}`),
    lists: given.lists ?? new ListCache(),
  };
}

/**
 * The kinds a deployment serves in each version: what the mesh's series answer, and the split
 * kinds its split source reads (split items carry `backend`, which only v1alpha2 has) when the
 * mesh can read a split's backends at all (Cilium's Hubble series cannot).
 */
function servedKinds(
  mesh: MeshAdapter,
  splits: SplitSource | undefined,
): Readonly<Record<ApiVersion, readonly KindName[]>> {
  const splitKinds = mesh.splitPlans === undefined ? [] : (splits?.kinds ?? []);
  const of = (version: ApiVersion) => [...mesh.kinds, ...(version === "v1alpha2" ? splitKinds : [])];
  return Object.fromEntries(API_VERSIONS.map((v) => [v, of(v)])) as Record<ApiVersion, KindName[]>;
}

function consulOf(config: Config): ConsulClient | undefined {
  return config.consul === undefined
    ? undefined
    : new ConsulClient({
        address: config.consul.address,
        token: config.consul.token,
        timeoutMs: config.prometheus.timeoutMs,
        datacenter: config.consulDatacenter,
      });
}

/** Prometheus itself, or Consul's metrics proxy in front of it when Consul is configured alone. */
function engineOf(config: Config, consul: ConsulClient | undefined): QueryEngine {
  const retry = { attempts: config.prometheus.retryAttempts, baseDelayMs: 100 };
  if (config.prometheus.via === "consul" && consul !== undefined) {
    return new PrometheusClient({
      baseUrl: config.prometheus.url,
      timeoutMs: config.prometheus.timeoutMs,
      queryPath: METRICS_PROXY_QUERY_PATH,
      backendName: "Consul metrics proxy",
      credentialHint:
        "CONSUL_HTTP_TOKEN: the metrics proxy needs a token with read access (service:read on the services, or the metrics proxy's own ACL)",
      headers: consul.authHeaders,
      retry,
    });
  }
  return new PrometheusClient({
    baseUrl: config.prometheus.url,
    timeoutMs: config.prometheus.timeoutMs,
    headers: config.prometheus.headers,
    bearerToken: config.prometheus.bearerToken,
    signer:
      config.prometheus.sigv4Region === undefined ? undefined : lazySigV4(config.prometheus.sigv4Region),
    retry,
  });
}

/** SigV4 for Amazon Managed Service for Prometheus, loaded on first use. */
function lazySigV4(region: string): RequestSigner {
  let signer: Promise<RequestSigner> | undefined;
  return async (request) => {
    signer ??= import("../prometheus/sigv4").then(({ sigV4Signer }) =>
      sigV4Signer({ region, credentials: lazyDefaultCredentials() }),
    );
    return (await signer)(request);
  };
}

function splitSourceOf(config: Config, consul: ConsulClient | undefined): SplitSource | undefined {
  if (config.kubernetes !== undefined)
    return createKubernetesSplitSource(config.kubernetes, lazyDefaultCredentials());
  return consul === undefined ? undefined : new ConsulSplitSource(consul);
}
