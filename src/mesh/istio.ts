import type { Split, SplitApex } from "../kubernetes/split";
import { eq } from "../prometheus/promql";
import type { KindName } from "../smi/kinds";
import type {
  BackendReading,
  EdgeView,
  IdentityLabels,
  MeshAdapter,
  ResourceView,
  SeriesFamily,
  SplitPlan,
} from "./adapter";
import { istioExplainZero } from "./istio-ambient";
import {
  destinationWorkload,
  type IstioReadings,
  type IstioSettings,
  istioReadings,
  sourceWorkload,
} from "./istio-readings";
import { relabeledIdentity } from "./relabeled-identity";

export type { IstioSettings } from "./istio-readings";

const KINDS = [
  "namespaces",
  "deployments",
  "statefulsets",
  "daemonsets",
  "pods",
  "services",
] as const satisfies readonly KindName[];

/**
 * Istio's standard metrics (Envoy-native since 1.5; never the Mixer-era `istio_smi_*`), with
 * sidecars, ambient waypoints, or both. What a resource served is read from every server-side
 * reporter (`reporter!="source"`: its sidecar's `destination` or its waypoint's `waypoint`); pods
 * only from their own sidecar, since a waypoint's scrape labels are its own pod's. Workload kinds
 * all read the workload labels, which do not say which kind a workload is. ztunnel's `istio_tcp_*`
 * series are connections, never requests: they only explain a zero (`istio-ambient.ts`).
 *
 * The adapter is a table of the functions below, each given the families `istioReadings` binds
 * to the configured labels and cluster.
 */
export function createIstioAdapter(settings: IstioSettings = {}): MeshAdapter {
  const readings = istioReadings(settings);
  return {
    name: "istio",
    kinds: KINDS,
    resourceView: (kind) => istioResourceView(readings, kind),
    edgeViews: (kind) => istioEdgeViews(readings, kind),
    splitPlans: (split) => istioSplitPlans(readings, split),
    explainZero: (target, maxWindow) => istioExplainZero(readings, target, maxWindow),
  };
}

function istioResourceView({ server, ownSidecar, labels }: IstioReadings, kind: KindName): ResourceView {
  switch (kind) {
    case "namespaces":
      return { family: server, self: { name: destinationWorkload.namespace as string } };
    case "pods":
      return {
        family: ownSidecar,
        self: relabeledIdentity(labels.namespace, "pod", labels.pod),
      };
    case "services":
      return {
        family: server,
        self: { namespace: "destination_service_namespace", name: "destination_service_name" },
      };
    default:
      return { family: server, self: destinationWorkload };
  }
}

function istioEdgeViews({ sent, serverFromMeshed }: IstioReadings, kind: KindName): readonly EdgeView[] {
  if (kind === "namespaces") {
    const src = { name: sourceWorkload.namespace as string };
    const dst = { name: destinationWorkload.namespace as string };
    return [
      {
        direction: "to",
        // The reporter is chosen per pair of workloads: a namespace may hold sidecar and ambient clients.
        family: sent([sourceWorkload.name, destinationWorkload.name]),
        self: src,
        peer: { names: [{ label: dst.name, kind }] },
      },
      {
        direction: "from",
        family: serverFromMeshed,
        self: dst,
        peer: { names: [{ label: src.name, kind }] },
      },
    ];
  }
  // Istio's series name no destination pod and no client service, so those kinds have no peers.
  if (kind === "pods" || kind === "services") return [];
  const peer = (identity: IdentityLabels) => ({
    namespace: identity.namespace as string,
    names: [{ label: identity.name, kind }],
  });
  return [
    { direction: "to", family: sent([]), self: sourceWorkload, peer: peer(destinationWorkload) },
    { direction: "from", family: serverFromMeshed, self: destinationWorkload, peer: peer(sourceWorkload) },
  ];
}

function istioSplitPlans(readings: IstioReadings, split: Split): SplitPlan[] {
  const { apex } = split;
  const host = readings.requestHostLabel;
  const sentTo = (keep?: SeriesFamily["keep"]): SeriesFamily => ({
    ...readings.sent([sourceWorkload.name, sourceWorkload.namespace as string]),
    ...(keep === undefined ? {} : { keep }),
  });
  const byService: BackendReading = {
    family: sentTo(
      host === undefined ? undefined : { labels: [host], test: (l) => addressesApex(l[host] ?? "", apex) },
    ),
    scope: [],
    backend: { namespace: "destination_service_namespace", name: "destination_service_name" },
    nameOf: (b) => b.name,
  };
  // Subsets of the apex Service itself (DestinationRule subsets) show only as its version.
  const bySubset: BackendReading = {
    family: sentTo(),
    scope: [eq("destination_service_namespace", apex.namespace), eq("destination_service_name", apex.name)],
    backend: { name: "destination_version" },
    nameOf: (b) => b.subset ?? b.name,
  };
  return [
    {
      readings: [byService],
      ...(host === undefined
        ? {
            caveat: `Istio's series name the Service that answered, not the apex ${apex.namespace}/${apex.name} the request was sent to, so each backend's numbers are all traffic to it; set ISTIO_REQUEST_HOST_LABEL to a Telemetry API tag holding request.host to count only the apex's requests`,
          }
        : {}),
    },
    { readings: [bySubset] },
  ];
}

/**
 * Whether a request host names the apex: its Service name, qualified with the namespace, `svc` and
 * any cluster domain, with or without a port (which must be the apex's when the split names one).
 */
function addressesApex(hostWithPort: string, apex: SplitApex): boolean {
  const colon = hostWithPort.lastIndexOf(":");
  const host = colon < 0 ? hostWithPort : hostWithPort.slice(0, colon);
  const port = colon < 0 ? undefined : hostWithPort.slice(colon + 1);
  if (apex.port !== undefined && port !== undefined && port !== String(apex.port)) return false;
  const qualified = `${apex.name}.${apex.namespace}`;
  return (
    host === apex.name ||
    host === qualified ||
    host === `${qualified}.svc` ||
    host.startsWith(`${qualified}.svc.`)
  );
}
