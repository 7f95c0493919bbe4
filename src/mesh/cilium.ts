import { ne } from "../prometheus/promql";
import type { KindName } from "../smi/kinds";
import type { EdgeView, IdentityLabels, MeshAdapter, ResourceView } from "./adapter";
import {
  type CiliumReadings,
  type CiliumSettings,
  type CiliumWorkloadKind,
  ciliumReadings,
  DESTINATION,
  type End,
  kindMatchers,
  SOURCE,
  workloadPeers,
} from "./cilium-readings";
import { ciliumExplainZero, unlabelled } from "./cilium-zero";

export type { CiliumSettings } from "./cilium-readings";

const KINDS = [
  "namespaces",
  "deployments",
  "pods",
  "statefulsets",
  "daemonsets",
  "jobs",
  "replicasets",
] as const satisfies readonly KindName[];

/**
 * Cilium service mesh, read from Hubble's L7 metrics (the `httpV2` handler) with `labelsContext`
 * workload labels. Each request is reported by the agent on the client's node (`reporter="client"`,
 * an egress L7 policy) and by the agent on the server's (`"server"`, an ingress L7 policy), by either
 * or by both; for every pair of endpoints the server's series are read when that pair has any,
 * else the client's, never both added. So a workload's own numbers, and its edges both ways, are
 * what its server saw where it has an L7 policy, and what its clients saw where only they have one.
 * Traffic with no L7 policy on either side has L4 flow metrics only: a zero then says so.
 *
 * No `splitPlans`, so the split kinds are not served: Gateway API and GAMMA traffic is reported at
 * the client side only, and Hubble names a backend's workload only when it runs on the reporting
 * agent's node (cilium/cilium#25676, #48812), so a backend's numbers would be short by whatever
 * landed elsewhere. cilium-envoy's per-backend cluster stats would do, but their names are unchecked
 * against a live scrape and share Consul's `envoy_*` families.
 *
 * The adapter is a table of the functions below, each given the families `ciliumReadings` binds
 * to the configured cluster.
 */
export function createCiliumAdapter(settings: CiliumSettings = {}): MeshAdapter {
  const readings = ciliumReadings(settings);
  return {
    name: "cilium",
    kinds: KINDS,
    resourceView: (kind) => ciliumResourceView(readings, kind),
    edgeViews: (kind) => ciliumEdgeViews(readings, kind),
    explainZero: (target, maxWindow) => ciliumExplainZero(readings, target, maxWindow),
  };
}

const workloadOf = (end: End): IdentityLabels => ({
  namespace: end.namespace,
  name: end.workload,
  missing: unlabelled(end.workload),
});
const podOf = (end: End): IdentityLabels => ({
  namespace: end.namespace,
  name: end.pod,
  missing: unlabelled(end.pod),
});
/** A workload as the other end of a pair: its name and kind (two kinds may share a name). */
const pairOf = (end: End) => [end.workload, end.kind];

function ciliumResourceView({ requests }: CiliumReadings, kind: KindName): ResourceView {
  const client = [SOURCE.namespace, ...pairOf(SOURCE)];
  switch (kind) {
    case "namespaces":
      // Only series that name the server's workload: a client's series for a server on another node
      // do not (cilium/cilium#25676), and the server's own series may count the same requests.
      return {
        family: requests([ne(DESTINATION.workload, "")], [...client, ...pairOf(DESTINATION)]),
        self: { name: DESTINATION.namespace, missing: unlabelled(DESTINATION.namespace) },
      };
    case "pods":
      return { family: requests([], [SOURCE.namespace, SOURCE.pod]), self: podOf(DESTINATION) };
    default:
      return {
        family: requests(kindMatchers(DESTINATION.kind, kind as CiliumWorkloadKind), client),
        self: workloadOf(DESTINATION),
      };
  }
}

function ciliumEdgeViews({ requests }: CiliumReadings, kind: KindName): readonly EdgeView[] {
  if (kind === "namespaces") {
    const family = requests([ne(DESTINATION.workload, "")], [...pairOf(SOURCE), ...pairOf(DESTINATION)]);
    const peer = (end: End) => ({ names: [{ label: end.namespace, kind }] });
    return [
      { direction: "to", family, self: { name: SOURCE.namespace }, peer: peer(DESTINATION) },
      { direction: "from", family, self: { name: DESTINATION.namespace }, peer: peer(SOURCE) },
    ];
  }
  // The asked object fixes one end and each peer is an object of the grouping: the pair is theirs.
  if (kind === "pods") {
    const peer = (end: End) => ({ namespace: end.namespace, names: [{ label: end.pod, kind }] });
    return [
      { direction: "to", family: requests([], []), self: podOf(SOURCE), peer: peer(DESTINATION) },
      { direction: "from", family: requests([], []), self: podOf(DESTINATION), peer: peer(SOURCE) },
    ];
  }
  const workload = kind as CiliumWorkloadKind;
  // Traffic from outside the cluster names no source workload: it gives no `from` edge.
  return [
    {
      direction: "to",
      family: requests(kindMatchers(SOURCE.kind, workload), []),
      self: workloadOf(SOURCE),
      peer: { namespace: DESTINATION.namespace, names: workloadPeers(DESTINATION) },
    },
    {
      direction: "from",
      family: requests(kindMatchers(DESTINATION.kind, workload), []),
      self: workloadOf(DESTINATION),
      peer: { namespace: SOURCE.namespace, names: workloadPeers(SOURCE) },
    },
  ];
}
