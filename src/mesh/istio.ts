import type { Split, SplitApex } from "../kubernetes/split";
import { eq, type Matcher, ne, renderSelector } from "../prometheus/promql";
import type { KindName } from "../smi/kinds";
import type {
  BackendReading,
  EdgeView,
  IdentityLabels,
  Labels,
  MeshAdapter,
  Observers,
  ResourceView,
  SeriesFamily,
  SplitPlan,
  ZeroExplanation,
  ZeroTarget,
} from "./adapter";
import { type ClusterSetting, clusterPartition, partitioned, pinsOf } from "./partition";
import { relabeledIdentity } from "./relabeled-identity";

/** Scrape labels Prometheus' relabeling adds to Istio's proxy series (the reporting proxy's pod). */
export interface IstioLabels {
  readonly namespace: string;
  readonly pod: string;
}

export interface IstioSettings {
  readonly labels?: IstioLabels;
  readonly cluster?: ClusterSetting;
  /**
   * `ISTIO_REQUEST_HOST_LABEL`: a label the operator added to `istio_requests_total` with the
   * Telemetry API, holding `request.host`. With it a split's backend numbers are only the requests
   * addressed to the apex; without it, Istio's series name only the backend that answered.
   */
  readonly requestHostLabel?: string | undefined;
}

const KINDS = [
  "namespaces",
  "deployments",
  "statefulsets",
  "daemonsets",
  "pods",
  "services",
] as const satisfies readonly KindName[];

const REQUESTS = "istio_requests_total";
/** ztunnel's L4 counter: connections, never requests. */
const TCP_OPENED = "istio_tcp_connections_opened_total";

/** gRPC statuses whose HTTP equivalent is a 5xx: Unknown, DeadlineExceeded, Unimplemented, Internal, Unavailable, DataLoss. */
const GRPC_FAILURES = new Set(["2", "4", "12", "13", "14", "15"]);

/**
 * A failure is what the server failed to answer: a 5xx, no response at all (`0`), or a gRPC status
 * whose HTTP equivalent is a 5xx. A 4xx, and any other gRPC status (NotFound, PermissionDenied...),
 * is a success: the server answered.
 */
function isFailure(labels: Labels): boolean {
  const code = labels.response_code ?? "";
  return code === "0" || code.startsWith("5") || GRPC_FAILURES.has(labels.grpc_response_status ?? "");
}

const destinationWorkload: IdentityLabels = {
  namespace: "destination_workload_namespace",
  name: "destination_workload",
};
const sourceWorkload: IdentityLabels = { namespace: "source_workload_namespace", name: "source_workload" };

/**
 * Who may report a request a workload sent, best first. A client with a sidecar reports every
 * request it sends (`source`); a client without one (ambient) is seen only at the server's waypoint
 * or sidecar. A server has a sidecar or a waypoint, never both, so picking one reporter per pair of
 * workloads counts each request once, in sidecar, ambient and mixed meshes alike.
 */
const SENT_BY: Observers["order"] = [
  { value: "source", side: "client" },
  { value: "waypoint", side: "server" },
  { value: "destination", side: "server" },
];

/** The series families every Istio view reads, bound to the configured labels and clusters. */
interface IstioReadings {
  readonly labels: IstioLabels;
  readonly pins: readonly Matcher[];
  readonly requestHostLabel: string | undefined;
  /** Every server-side reporter: a sidecar's `destination` or a waypoint's `waypoint`. */
  readonly server: SeriesFamily;
  /** Only a pod's own sidecar: a waypoint's scrape labels are its own pod's. */
  readonly ownSidecar: SeriesFamily;
  /** Only meshed callers are peers; their traffic still counts in the resource's own numbers. */
  readonly serverFromMeshed: SeriesFamily;
  readonly sent: (pair: string[]) => SeriesFamily;
}

function istioReadings(settings: IstioSettings): IstioReadings {
  const partitions = [clusterPartition(settings.cluster ?? { label: "cluster" })];
  const familyOf = (matchers: Matcher[], observers?: Observers): SeriesFamily =>
    partitioned(
      {
        counter: REQUESTS,
        latencyBucket: "istio_request_duration_milliseconds_bucket",
        latencyUnitMs: 1,
        matchers,
        outcomeLabels: ["response_code", "grpc_response_status"],
        isFailure,
        side: observers === undefined ? "server" : "client",
        ...(observers === undefined ? {} : { observers }),
      },
      partitions,
    );
  return {
    labels: settings.labels ?? { namespace: "namespace", pod: "pod" },
    pins: pinsOf(partitions),
    requestHostLabel: settings.requestHostLabel,
    server: familyOf([ne("reporter", "source")]),
    ownSidecar: familyOf([eq("reporter", "destination")]),
    serverFromMeshed: familyOf([ne("reporter", "source"), ne("source_workload", "unknown")]),
    sent: (pair) =>
      familyOf([ne("destination_workload", "unknown")], { label: "reporter", order: SENT_BY, pair }),
  };
}

/**
 * Istio's standard metrics (Envoy-native since 1.5; never the Mixer-era `istio_smi_*`), with
 * sidecars, ambient waypoints, or both. What a resource served is read from every server-side
 * reporter (`reporter!="source"`: its sidecar's `destination` or its waypoint's `waypoint`); pods
 * only from their own sidecar, since a waypoint's scrape labels are its own pod's. Workload kinds
 * all read the workload labels, which do not say which kind a workload is. ztunnel's `istio_tcp_*`
 * series are connections, never requests: they only explain a zero.
 */
export function createIstioAdapter(settings: IstioSettings = {}): MeshAdapter {
  const readings = istioReadings(settings);
  return {
    name: "istio",
    kinds: KINDS,
    splitPlans: (split) => splitPlans(readings, split),
    resourceView: (kind) => resourceView(readings, kind),
    edgeViews: (kind) => edgeViews(readings, kind),
    explainZero: (target, maxWindow) => explainZero(readings, target, maxWindow),
  };
}

function splitPlans(readings: IstioReadings, split: Split): SplitPlan[] {
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

function resourceView(readings: IstioReadings, kind: KindName): ResourceView {
  const { server, ownSidecar, labels } = readings;
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

function edgeViews(readings: IstioReadings, kind: KindName): readonly EdgeView[] {
  const { sent, serverFromMeshed } = readings;
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

function explainZero(
  readings: IstioReadings,
  target: ZeroTarget,
  maxWindow: string,
): readonly ZeroExplanation[] {
  const { pins } = readings;
  const tcp = (matchers: Matcher[]) =>
    renderSelector(TCP_OPENED, [eq("reporter", "destination"), ...matchers, ...pins]);
  const l4Only = (what: string) =>
    `only L4 (ztunnel TCP) telemetry exists for ${what}: in ambient mode HTTP requests are reported by a waypoint, and none reports for it; put it behind a waypoint to get HTTP metrics`;
  const mesh: ZeroExplanation = {
    when: "mesh",
    expr: renderSelector(TCP_OPENED, pins),
    warning: `Prometheus has ztunnel's L4 series (${TCP_OPENED}) but no ${REQUESTS}: an ambient mesh reports HTTP requests only at waypoints, and none reports; add waypoints to get HTTP metrics`,
  };
  const { kind, namespace, name } = target;
  const inNamespace = namespace === undefined ? [] : [eq("destination_workload_namespace", namespace)];
  if (kind === "pods") {
    const waypoint = renderSelector(REQUESTS, [eq("reporter", "waypoint"), ...inNamespace, ...pins]);
    const where = namespace === undefined ? "these pods" : `pods in namespace ${namespace}`;
    return [
      mesh,
      {
        when: "object",
        expr: waypoint,
        warning: `${where} are served through a waypoint, which reports requests per workload, not per pod: ask for the pod's workload instead`,
      },
      { when: "object", expr: tcp(inNamespace), warning: l4Only(where) },
    ];
  }
  const what =
    name === undefined
      ? `${kind}${namespace === undefined ? "" : ` in namespace ${namespace}`}`
      : `${kind} ${namespace === undefined ? "" : `${namespace}/`}${name}`;
  const identity = zeroIdentity(kind, namespace, name);
  // One named object is narrow enough to look back over MAX_WINDOW; a whole namespace is not.
  const expr =
    kind === "namespaces" || name === undefined
      ? tcp(identity)
      : `present_over_time(${tcp(identity)}[${maxWindow}])`;
  return [mesh, { when: "object", expr, warning: l4Only(what) }];
}

/** The destination matchers naming a zero's target in ztunnel's series. */
function zeroIdentity(kind: KindName, namespace: string | undefined, name: string | undefined): Matcher[] {
  const optional = (label: string, value: string | undefined) =>
    value === undefined ? [] : [eq(label, value)];
  if (kind === "services") {
    return [
      ...optional("destination_service_namespace", namespace),
      ...optional("destination_service_name", name),
    ];
  }
  if (kind === "namespaces") return optional("destination_workload_namespace", name);
  return [
    ...optional("destination_workload_namespace", namespace),
    ...optional("destination_workload", name),
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
