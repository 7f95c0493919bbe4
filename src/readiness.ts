import { renderSelector } from "./prometheus/promql";
import { formatDuration } from "./smi/duration";
import type { DiagnosisDeps } from "./zero-answer";

/** One condition of readiness: whether it holds, and what it found or what to check. */
export interface ReadinessCheck {
  readonly ok: boolean;
  readonly detail: string;
}

/**
 * Whether this deployment can answer with numbers that mean something: the backend answers a
 * query, and the mesh's request counter has at least one series there. Liveness (`/healthz`) asks
 * neither; a canary gate should not trust zeros from a deployment that is not ready.
 */
export interface Readiness {
  readonly ready: boolean;
  readonly backend: ReadinessCheck;
  readonly meshSeries: ReadinessCheck;
}

/** Result label that tells the counter's count from a mesh explanation's in the one query. */
const CHECK_LABEL = "smi_check";

/**
 * Checks readiness with one cheap query: the number of series of the mesh's request counter (the
 * family its first kind is read from, pins included), and of any other telemetry the mesh says
 * would explain their absence (Istio ambient without waypoints: ztunnel's L4 series).
 */
export async function checkReadiness(
  deps: DiagnosisDeps,
  time: Date = new Date(),
  deadline?: number,
): Promise<Readiness> {
  const kind = deps.mesh.kinds[0];
  if (kind === undefined) throw new Error(`mesh ${deps.mesh.name} serves no kinds`);
  const { family } = deps.mesh.resourceView(kind);
  const selector = renderSelector(family.counter, family.matchers);
  const explanations = (deps.mesh.explainZero?.({ kind }, formatDuration(deps.window.maxMs)) ?? []).filter(
    (e) => e.when === "mesh",
  );
  const query = [
    `label_replace(count(${selector}), "${CHECK_LABEL}", "counter", "", "")`,
    ...explanations.map((e, i) => `label_replace(count(${e.expr}), "${CHECK_LABEL}", "explain${i}", "", "")`),
  ].join(" or ");
  let counts: Map<string, number>;
  try {
    const result = await deps.engine.instantQuery(query, time, deadline === undefined ? {} : { deadline });
    counts = new Map(result.samples.map((s) => [s.metric[CHECK_LABEL] ?? "", s.value[1]]));
  } catch (error) {
    return {
      ready: false,
      backend: {
        ok: false,
        detail: `${deps.backendDescription} did not answer a query: ${(error as Error).message}; check PROMETHEUS_URL (or CONSUL_HTTP_ADDR), its credentials, and that it is reachable from here`,
      },
      meshSeries: { ok: false, detail: "not checked: the backend did not answer" },
    };
  }
  const backend = { ok: true, detail: `${deps.backendDescription} answers queries` };
  const series = counts.get("counter") ?? 0;
  if (series > 0) {
    return {
      ready: true,
      backend,
      meshSeries: { ok: true, detail: `${series} series of ${selector} (MESH=${deps.mesh.name})` },
    };
  }
  const explained = explanations.find((_, i) => (counts.get(`explain${i}`) ?? 0) > 0)?.warning;
  return {
    ready: false,
    backend,
    meshSeries: {
      ok: false,
      detail:
        explained ??
        `${deps.backendDescription} has no series of ${selector} (MESH=${deps.mesh.name}): check MESH, PROMETHEUS_URL, and that Prometheus scrapes the mesh's proxies`,
    },
  };
}
