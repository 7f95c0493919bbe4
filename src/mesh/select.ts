import type { ConsulClient } from "../consul/client";
import { renderSelector } from "../prometheus/promql";
import type { KindName } from "../smi/kinds";
import { counterMatchersOf, type MeshAdapter } from "./adapter";
import { createCiliumAdapter } from "./cilium";
import { createConsulAdapter } from "./consul";
import { createIstioAdapter } from "./istio";
import { DEFAULT_LABELS, type RelabeledLabels } from "./label-settings";
import { createLinkerdAdapter } from "./linkerd";
import type { ClusterSetting } from "./partition";

/** The meshes this build can read; config validates `MESH` against this list. */
export const MESH_NAMES = ["linkerd", "istio", "consul", "cilium"] as const;
export type MeshName = (typeof MESH_NAMES)[number];

/** Each mesh's name as its users write it, in messages that name whose series were found. */
const MESH_TITLES: Readonly<Record<MeshName, string>> = {
  linkerd: "Linkerd",
  istio: "Istio",
  consul: "Consul",
  cilium: "Cilium",
};

/** A variable only one mesh reads, and the end of the message that refuses it under another mesh. */
export interface MeshOnlySetting {
  readonly variable: string;
  /**
   * An Istio host label means nothing to another mesh, so the fix is to drop it; a Consul address
   * or datacenter may as well mean MESH is the wrong one, so either may go.
   */
  readonly fix: "unset it" | "unset one of them";
}

/**
 * The settings each mesh alone reads. Config refuses one set under another mesh instead of
 * ignoring it, so an operator who sets `CONSUL_DATACENTER` with MESH=istio learns that it pins
 * nothing. Config's rule reads this table and names no mesh; a new mesh lists its own here.
 */
export const MESH_ONLY_SETTINGS = {
  linkerd: [],
  istio: [{ variable: "ISTIO_REQUEST_HOST_LABEL", fix: "unset it" }],
  consul: [
    { variable: "CONSUL_HTTP_ADDR", fix: "unset one of them" },
    { variable: "CONSUL_DATACENTER", fix: "unset one of them" },
  ],
  cilium: [],
} as const satisfies Readonly<Record<MeshName, readonly MeshOnlySetting[]>>;

/** Every variable in `MESH_ONLY_SETTINGS`: config gives each its parsed value. */
export type MeshOnlyVariable = (typeof MESH_ONLY_SETTINGS)[MeshName][number]["variable"];

export interface MeshSettings {
  readonly mesh: MeshName;
  /** Relabeling label names; each mesh uses the ones its series carry. */
  readonly labels: RelabeledLabels;
  /** `LABEL_CLUSTER` and `CLUSTER`: which external label tells clusters apart, and which to answer for. */
  readonly cluster: ClusterSetting;
  /** `ISTIO_REQUEST_HOST_LABEL`: only read with MESH=istio. */
  readonly istioRequestHostLabel?: string | undefined;
  /** `CONSUL_DATACENTER`: only read with MESH=consul. */
  readonly consulDatacenter?: string | undefined;
  /** Consul's catalog, when `CONSUL_HTTP_ADDR` is configured. */
  readonly consul?: ConsulClient | undefined;
}

/**
 * Picks the adapter for the configured mesh: the only place that switches on a mesh name. (Config
 * refuses a setting configured for another mesh by reading `MESH_ONLY_SETTINGS`, not by naming one.)
 */
export function selectMesh(settings: MeshSettings): MeshAdapter {
  const { labels, cluster } = settings;
  switch (settings.mesh) {
    case "linkerd":
      return createLinkerdAdapter({ labels, cluster });
    case "istio":
      return createIstioAdapter({ labels, cluster, requestHostLabel: settings.istioRequestHostLabel });
    case "consul":
      return createConsulAdapter({
        labels,
        cluster,
        datacenter: settings.consulDatacenter,
        catalog: settings.consul,
      });
    case "cilium":
      return createCiliumAdapter({ cluster });
  }
}

/** The request counter whose series show that a mesh's proxies report to this Prometheus. */
export interface MeshSignature {
  readonly mesh: MeshName;
  readonly title: string;
  readonly counter: string;
  /** The counter with the matchers its first kind is read by, unpinned to any cluster. */
  readonly selector: string;
}

/**
 * Every mesh's signature but `except`'s: what a zero's diagnosis and `/readyz` look for when the
 * configured mesh has no series at all, so they can say which MESH the data is. Built from each
 * adapter with default settings, so a new mesh is recognised as soon as it is selectable.
 */
export function otherMeshSignatures(except: string): readonly MeshSignature[] {
  return MESH_NAMES.filter((mesh) => mesh !== except).map((mesh) => {
    const adapter = selectMesh({ mesh, labels: DEFAULT_LABELS, cluster: { label: "cluster" } });
    const { family } = adapter.resourceView(adapter.kinds[0] as KindName);
    const selector = renderSelector(family.counter, counterMatchersOf(family));
    return { mesh, title: MESH_TITLES[mesh], counter: family.counter, selector };
  });
}
