import type { MeshAdapter } from "./adapter";
import { createLinkerdAdapter, type LinkerdLabels } from "./linkerd";

/** The meshes this build can read; config validates `MESH` against this list. */
export const MESH_NAMES = ["linkerd"] as const;
export type MeshName = (typeof MESH_NAMES)[number];

export interface MeshSettings {
  readonly mesh: MeshName;
  readonly labels: LinkerdLabels;
}

/** Picks the adapter for the configured mesh; the only place that switches on a mesh name. */
export function selectMesh(settings: MeshSettings): MeshAdapter {
  switch (settings.mesh) {
    case "linkerd":
      return createLinkerdAdapter(settings.labels);
  }
}
