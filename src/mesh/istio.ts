import { eq, ne } from "../prometheus/promql";
import type { KindName } from "../smi/kinds";
import type { EdgeView, IdentityLabels, Labels, MeshAdapter, ResourceView, SeriesFamily } from "./adapter";

/** Scrape labels Prometheus' relabeling adds to Istio's proxy series (the reporting proxy's pod). */
export interface IstioLabels {
  readonly namespace: string;
  readonly pod: string;
}

const KINDS = [
  "namespaces",
  "deployments",
  "statefulsets",
  "daemonsets",
  "pods",
  "services",
] as const satisfies readonly KindName[];

/**
 * A failure is what the server failed to answer: a 5xx, no response at all (`0`), or a gRPC
 * status other than OK. A 4xx is a success.
 */
function isFailure(labels: Labels): boolean {
  const code = labels.response_code ?? "";
  const grpc = labels.grpc_response_status ?? "";
  return code === "0" || code.startsWith("5") || (grpc !== "" && grpc !== "0");
}

const family = (reporter: "source" | "destination", extra: SeriesFamily["matchers"] = []): SeriesFamily => ({
  counter: "istio_requests_total",
  latencyBucket: "istio_request_duration_milliseconds_bucket",
  latencyUnitMs: 1,
  matchers: [eq("reporter", reporter), ...extra],
  outcomeLabels: ["response_code", "grpc_response_status"],
  isFailure,
  side: reporter === "source" ? "client" : "server",
});

const destinationWorkload: IdentityLabels = {
  namespace: "destination_workload_namespace",
  name: "destination_workload",
};
const sourceWorkload: IdentityLabels = { namespace: "source_workload_namespace", name: "source_workload" };

/**
 * Istio's standard metrics (Envoy-native since 1.5; never the Mixer-era `istio_smi_*`). Workload
 * kinds all read the workload labels, which do not say which kind a workload is. Resource numbers
 * come from the server's proxy; `to` edges from the client's, `from` edges from the server's,
 * since Istio reports both sides. Traffic from `unknown` (outside the mesh) has no peer.
 */
export function createIstioAdapter(labels: IstioLabels): MeshAdapter {
  const server = family("destination");
  const client = family("source", [ne("destination_workload", "unknown")]);
  // Only meshed callers are peers; their traffic still counts in the resource's own numbers.
  const serverFromMeshed = family("destination", [ne("source_workload", "unknown")]);

  return {
    name: "istio",
    kinds: KINDS,
    resourceView(kind): ResourceView {
      switch (kind) {
        case "namespaces":
          return { family: server, self: { name: destinationWorkload.namespace as string } };
        case "pods":
          return { family: server, self: { namespace: labels.namespace, name: labels.pod } };
        case "services":
          return {
            family: server,
            self: { namespace: "destination_service_namespace", name: "destination_service_name" },
          };
        default:
          return { family: server, self: destinationWorkload };
      }
    },
    edgeViews(kind): readonly EdgeView[] {
      if (kind === "namespaces") {
        const src = { name: sourceWorkload.namespace as string };
        const dst = { name: destinationWorkload.namespace as string };
        return [
          { direction: "to", family: client, self: src, peer: dst },
          { direction: "from", family: serverFromMeshed, self: dst, peer: src },
        ];
      }
      // Istio's series name no destination pod and no client service, so those kinds have no peers.
      if (kind === "pods" || kind === "services") return [];
      return [
        { direction: "to", family: client, self: sourceWorkload, peer: destinationWorkload },
        { direction: "from", family: serverFromMeshed, self: destinationWorkload, peer: sourceWorkload },
      ];
    },
  };
}
