import type { ConsulClient } from "../consul/client";
import type { MeshAdapter } from "./adapter";
import { createConsulAdapter } from "./consul";
import { createIstioAdapter } from "./istio";
import type { RelabeledLabels } from "./label-settings";
import { createLinkerdAdapter } from "./linkerd";
import type { ClusterSetting } from "./partition";

/** The meshes this build can read; config validates `MESH` against this list. */
export const MESH_NAMES = ["linkerd", "istio", "consul"] as const;
export type MeshName = (typeof MESH_NAMES)[number];

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
 * refuses a Consul setting configured for another mesh.)
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
  }
}
