import type { SplitSource } from "../kubernetes/split";
import type { MeshAdapter } from "../mesh/adapter";
import type { ApiVersion, KindName } from "../smi/kinds";

/** What decides the kinds a deployment serves: its mesh's series, and whether it can read splits. */
export interface KindSources {
  readonly mesh: MeshAdapter;
  readonly splits?: SplitSource | undefined;
}

/**
 * The kinds this deployment serves: what the mesh's series answer, and the split kinds its split
 * source reads (split items carry `backend`, which only v1alpha2 has).
 */
export function servedKinds({ mesh, splits }: KindSources, version: ApiVersion = "v1alpha2"): KindName[] {
  return [...mesh.kinds, ...(version === "v1alpha2" ? (splits?.kinds ?? []) : [])];
}
