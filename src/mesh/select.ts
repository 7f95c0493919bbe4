import type { ConsulClient } from "../consul/client";
import type { MeshAdapter } from "./adapter";
import { createConsulAdapter } from "./consul";
import { createIstioAdapter } from "./istio";
import { createLinkerdAdapter, type LinkerdLabels } from "./linkerd";

/** The meshes this build can read; config validates `MESH` against this list. */
export const MESH_NAMES = ["linkerd", "istio", "consul"] as const;
export type MeshName = (typeof MESH_NAMES)[number];

export interface MeshSettings {
  readonly mesh: MeshName;
  /** Relabeling label names; each mesh uses the ones its series carry. */
  readonly labels: LinkerdLabels;
  /** Consul's catalog, when `CONSUL_HTTP_ADDR` is configured. */
  readonly consul?: ConsulClient | undefined;
}

/**
 * Picks the adapter for the configured mesh: the only place that switches on a mesh name. (Config
 * refuses a Consul endpoint configured for another mesh.)
 */
export function selectMesh(settings: MeshSettings): MeshAdapter {
  switch (settings.mesh) {
    case "linkerd":
      return createLinkerdAdapter(settings.labels);
    case "istio":
      return createIstioAdapter(settings.labels);
    case "consul":
      return createConsulAdapter(settings.labels, settings.consul);
  }
}
