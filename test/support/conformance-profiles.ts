/**
 * The mesh profiles the conformance suite runs: what each mesh serves, which side it reads, how
 * it names peers and counts failures, and which Warnings a zero must carry. Expectations come
 * from the scenario's rates (ground-truth.ts), never from the code under test.
 */

import { ciliumScenario } from "../../src/dev/cilium-scenario";
import { defaultScenario, type Scenario, type Workload } from "../../src/dev/scenario";
import { ambientScenario } from "../../src/dev/scenarios";
import type { MeshName } from "../../src/mesh/select";
import type { KindName } from "../../src/smi/kinds";
import { type EdgeTruthOptions, type FailureRule, KIND_OF, servesL7 } from "./ground-truth";
import { ENGINE_TITLES, ENGINES, type EngineName } from "./harness";

export interface MeshProfile {
  /** Name of the profile: a mesh, or a mesh in a mode. */
  readonly name: string;
  readonly mesh: MeshName;
  readonly scenario: Scenario;
  readonly kinds: readonly KindName[];
  readonly unservedKind: string;
  /** Kind under which a workload's own traffic is read: its workload kind, or its service. */
  readonly resourceOf: (w: Workload) => { kind: KindName; name: string };
  /** Whether a workload-kind list holds only workloads of that kind (Linkerd) or every workload (Istio). */
  readonly listsOnlyOwnKind: boolean;
  readonly serviceSide: "client" | "server";
  readonly edges: EdgeTruthOptions;
  readonly namespaceEdges: boolean;
  readonly rule: FailureRule;
  /** Namespaces of the scenario. */
  readonly namespaces: readonly string[];
  /**
   * The selector of the mesh's own counter of requests a workload served, as the mesh documents
   * it: the reference query an engine's own `increase()` is asked, written here, not read from the
   * adapter.
   */
  readonly servedRequests: (w: Workload) => string;
}

/** The kinds Linkerd serves, as the SMI spec and our README list them (not read from the adapter). */
export const LINKERD_KINDS: readonly KindName[] = [
  "namespaces",
  "deployments",
  "pods",
  "statefulsets",
  "daemonsets",
  "jobs",
  "replicasets",
  "services",
];
const ISTIO_KINDS: readonly KindName[] = [
  "namespaces",
  "deployments",
  "statefulsets",
  "daemonsets",
  "pods",
  "services",
];

/** Cilium's: Hubble's series name no Service, and say each workload's kind (Cilium 1.15+). */
const CILIUM_KINDS: readonly KindName[] = [
  "namespaces",
  "deployments",
  "pods",
  "statefulsets",
  "daemonsets",
  "jobs",
  "replicasets",
];

const own = (w: Workload) => ({ kind: KIND_OF[w.kind] as KindName, name: w.name });

const istio = (name: string, scenario: Scenario, namespaces: readonly string[]): MeshProfile => ({
  name,
  mesh: "istio",
  scenario,
  kinds: ISTIO_KINDS,
  unservedKind: "jobs",
  resourceOf: own,
  listsOnlyOwnKind: false,
  serviceSide: "server",
  edges: { side: "istio-reporters", peerKind: "asked" },
  namespaceEdges: true,
  rule: "rule",
  namespaces,
  // A waypoint reports the requests it serves for its workloads; a sidecar, as the destination.
  servedRequests: (w) =>
    `istio_requests_total{reporter="${w.dataPlane === "waypoint" ? "waypoint" : "destination"}",destination_workload_namespace="${w.namespace}",destination_workload="${w.name}"}`,
});

export const PROFILES: readonly MeshProfile[] = [
  {
    name: "linkerd",
    mesh: "linkerd",
    scenario: defaultScenario(),
    kinds: LINKERD_KINDS,
    unservedKind: "trafficsplits",
    resourceOf: own,
    listsOnlyOwnKind: true,
    serviceSide: "client",
    edges: { side: { to: "client", from: "client" }, peerKind: "own", rule: "linkerd" },
    namespaceEdges: true,
    rule: "linkerd",
    namespaces: ["shop", "payments"],
    servedRequests: (w) =>
      `response_total{direction="inbound",namespace="${w.namespace}",${w.kind}="${w.name}"}`,
  },
  istio("istio", defaultScenario(), ["shop", "payments"]),
  istio("istio-ambient", ambientScenario(), ["shop", "payments", "legacy"]),
  {
    name: "consul",
    mesh: "consul",
    scenario: defaultScenario(),
    // With Consul's HTTP API, its service-splitters are read as trafficsplits.
    kinds: ["services", "namespaces", "pods", "trafficsplits"],
    unservedKind: "deployments",
    resourceOf: (w) => ({ kind: "services", name: w.service }),
    listsOnlyOwnKind: true,
    serviceSide: "server",
    edges: {
      side: { to: "client", from: "client" },
      peerKind: "services",
      peerName: (w) => w.service,
      rule: "envoy",
    },
    namespaceEdges: false,
    rule: "envoy",
    namespaces: ["shop", "payments"],
    servedRequests: (w) =>
      `envoy_http_downstream_rq_xx{envoy_http_conn_manager_prefix="public_listener",consul_source_service="${w.service}"}`,
  },
  {
    // Hubble's httpV2 series with workload kinds and pods in labelsContext, under L7 policies that
    // differ by workload: pairs both agents report, server-only pairs, and an L4-only DaemonSet.
    name: "cilium",
    mesh: "cilium",
    scenario: ciliumScenario(),
    kinds: CILIUM_KINDS,
    unservedKind: "services",
    resourceOf: own,
    listsOnlyOwnKind: true,
    serviceSide: "server",
    edges: { side: "server-first", peerKind: "own", rule: "envoy" },
    namespaceEdges: true,
    // Hubble's `status` is the HTTP code alone: no gRPC status, as with Envoy's default stats.
    rule: "envoy",
    namespaces: ["shop", "payments"],
    // Under an ingress L7 policy the server's agent sees every request the workload answered.
    servedRequests: (w) =>
      `hubble_http_requests_total{reporter="server",status!="",destination_namespace="${w.namespace}",destination_workload="${w.name}"}`,
  },
];

/** A profile on one engine: every profile runs on every engine, over the same samples. */
export interface EngineProfile extends MeshProfile {
  readonly engine: EngineName;
  /** The engine as a test title says it. */
  readonly engineTitle: string;
}

export const ENGINE_PROFILES: readonly EngineProfile[] = ENGINES.flatMap((engine) =>
  PROFILES.map((profile) => ({ ...profile, engine, engineTitle: ENGINE_TITLES[engine] })),
);

const L4_ONLY = /only L4 \(ztunnel TCP\) telemetry exists for .*put it behind a waypoint to get HTTP metrics/;
const HUBBLE_L4_ONLY =
  /^only L4 \(Hubble flow\) telemetry exists for .*: Hubble reports HTTP requests only for traffic an L7 CiliumNetworkPolicy .*an L7 policy would give HTTP metrics$/;
const BEHIND_WAYPOINT = /are served through a waypoint, which reports requests per workload, not per pod/;

/** The L4-only Warning of the workload's mesh: a workload with an L7 policy field is Cilium's. */
const l4Only = (w: Workload | undefined) => (w?.l7Policy === undefined ? L4_ONLY : HUBBLE_L4_ONLY);

/** Warnings a workload's own answer (resource or edges) must carry: only L4 telemetry exists. */
export const workloadWarnings = (w: Workload): RegExp[] => (servesL7(w) ? [] : [l4Only(w)]);

/** Warnings a pod's answer must carry: a waypoint reports no pods, ztunnel (or no L7 policy) no requests. */
export function podWarnings(w: Workload): RegExp[] {
  if (w.dataPlane === "waypoint") return [BEHIND_WAYPOINT];
  return servesL7(w) ? [] : [l4Only(w)];
}

/** Warnings a namespace's answer must carry: a namespace of L4-only workloads has only L4. */
export function namespaceWarnings(scenario: Scenario, ns: string): RegExp[] {
  const inNs = scenario.workloads.filter((w) => w.namespace === ns);
  return inNs.some(servesL7) ? [] : [l4Only(inNs[0])];
}
