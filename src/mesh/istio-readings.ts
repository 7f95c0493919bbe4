import { eq, type Matcher, ne } from "../prometheus/promql";
import type { IdentityLabels, Labels, Observers, SeriesFamily } from "./adapter";
import { type ClusterSetting, clusterPartition, partitioned, pinsOf } from "./partition";

/**
 * What every view of the Istio adapter reads: its settings, the request counter, the failure rule,
 * the workload labels and the families bound to the configured labels and clusters. A file of its
 * own so the adapter's table (`istio.ts`) and its ambient explanations (`istio-ambient.ts`) both
 * read it without importing each other.
 */

/** Scrape labels Prometheus' relabeling adds to Istio's proxy series (the reporting proxy's pod). */
interface IstioLabels {
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

export const REQUESTS = "istio_requests_total";

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

export const destinationWorkload: IdentityLabels = {
  namespace: "destination_workload_namespace",
  name: "destination_workload",
};
export const sourceWorkload: IdentityLabels = {
  namespace: "source_workload_namespace",
  name: "source_workload",
};

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
export interface IstioReadings {
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

export function istioReadings(settings: IstioSettings): IstioReadings {
  const partitions = [clusterPartition(settings.cluster ?? { label: "cluster" })];
  const familyOf = (matchers: Matcher[], observers?: Observers): SeriesFamily =>
    partitioned(
      {
        counter: REQUESTS,
        latencyHistogram: "istio_request_duration_milliseconds",
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
