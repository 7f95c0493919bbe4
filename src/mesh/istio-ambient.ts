import { eq, type Matcher, renderSelector } from "../prometheus/promql";
import type { KindName } from "../smi/kinds";
import type { ZeroExplanation, ZeroTarget } from "./adapter";
import { type IstioReadings, REQUESTS } from "./istio-readings";

/** ztunnel's L4 counter: connections, never requests. */
const TCP_OPENED = "istio_tcp_connections_opened_total";

/**
 * Why an Istio zero may not mean idle: in ambient mode ztunnel reports only L4 connections, and
 * HTTP requests are reported by waypoints, per workload. A zero with ztunnel series beside it is a
 * missing waypoint, or a pod asked for behind one, not a quiet service.
 */
export function istioExplainZero(
  { pins }: IstioReadings,
  target: ZeroTarget,
  maxWindow: string,
): readonly ZeroExplanation[] {
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
