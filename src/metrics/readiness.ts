import type { Context } from "../config/context";
import { counterMatchersOf, type MeshAdapter, type SeriesFamily } from "../mesh/adapter";
import { ne, renderSelector } from "../prometheus/promql";
import type { KindName } from "../smi/kinds";
import { formatDuration, formatTimestamp } from "../smi/time";
import { HISTOGRAM_SETTINGS, missingHistograms } from "./latency-warnings";
import { CHECK_LABEL, otherMeshChecks } from "./zero-checks";
import { noMeshSeries, otherMeshesFound } from "./zero-diagnosis";

/** One condition of readiness: whether it holds, and what it found or what to check. */
interface ReadinessCheck {
  readonly ok: boolean;
  readonly detail: string;
  /** Not checked, because a check it depends on failed. */
  readonly skipped?: boolean;
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
  /** The labels relabeling gives the series (`LABEL_*`) are on the series that should carry them. */
  readonly labels: ReadinessCheck;
  /** The latency histogram has series in one form or the other (classic buckets, native). */
  readonly histograms: ReadinessCheck;
}

/**
 * One relabeled label to check: `present` counts series that carry it, `evidence` counts series
 * that show it should be there (the mesh's own peer labels name objects of its kind, or the
 * kind's family simply has series).
 */
interface LabelCheck {
  readonly label: string;
  readonly setting: string;
  readonly kind: KindName;
  readonly present: string;
  readonly evidence: string;
  readonly because: string;
}

/** Label checks for every kind the mesh reads through a relabeled label, one per label. */
function labelChecks(mesh: MeshAdapter): LabelCheck[] {
  const checks = new Map<string, LabelCheck>();
  for (const kind of mesh.kinds) {
    const { family, self } = mesh.resourceView(kind);
    if (self.setting === undefined || checks.has(self.name)) continue;
    const peer = mesh.kinds
      .flatMap((k) => mesh.edgeViews(k).filter((v) => v.direction === "to"))
      .flatMap((v) =>
        v.peer.names.filter((n) => n.kind === kind).map((n) => ({ family: v.family, label: n.label })),
      )[0];
    checks.set(self.name, {
      label: self.name,
      setting: self.setting,
      kind,
      present: `count(${renderSelector(family.counter, [...counterMatchersOf(family), ne(self.name, "")])})`,
      evidence:
        peer === undefined
          ? `count(${renderSelector(family.counter, counterMatchersOf(family))})`
          : `count(${renderSelector(peer.family.counter, [...counterMatchersOf(peer.family), ne(peer.label, "")])})`,
      because:
        peer === undefined
          ? `${family.counter} has series`
          : `${peer.label} names ${kind} on ${peer.family.counter}`,
    });
  }
  return [...checks.values()];
}

/**
 * How long `/readyz` waits for its query, whatever the query timeout and the request's deadline: a
 * probe (a load balancer, a gate's pre-check) wants a prompt no, not 28 s of waiting on a Prometheus
 * that hangs. The count it asks for takes well under a second at 10,000 pods.
 */
export const READINESS_BUDGET_MS = 3_000;

/**
 * Checks readiness with one cheap query: the number of series of the mesh's request counter (the
 * family its first kind is read from, pins included), of its latency histogram in each form, of any
 * other telemetry the mesh says would explain their absence (Istio ambient without waypoints:
 * ztunnel's L4 series), and of the other meshes' counters (the wrong MESH).
 */
export async function checkReadiness(
  context: Context,
  time: Date = new Date(),
  deadline?: number,
): Promise<Readiness> {
  const kind = context.mesh.kinds[0];
  if (kind === undefined) throw new Error(`mesh ${context.mesh.name} serves no kinds`);
  const { family } = context.mesh.resourceView(kind);
  const explanations = (
    context.mesh.explainZero?.({ kind }, formatDuration(context.config.window.maxMs)) ?? []
  ).filter((e) => e.when === "mesh");
  const labels = labelChecks(context.mesh);
  const part = (expr: string, id: string) => `label_replace(${expr}, "${CHECK_LABEL}", "${id}", "", "")`;
  const selector = (name: string) => renderSelector(name, family.matchers);
  const counter = renderSelector(family.counter, counterMatchersOf(family));
  const query = [
    part(`count(${counter})`, "counter"),
    part(`count(${selector(`${family.latencyHistogram}_bucket`)})`, "classic"),
    part(`count(${selector(family.latencyHistogram)})`, "native"),
    ...explanations.map((e, i) => part(`count(${e.expr})`, `explain${i}`)),
    ...labels.flatMap((c, i) => [part(c.present, `present${i}`), part(c.evidence, `evidence${i}`)]),
    ...otherMeshChecks(context).map((c) => part(`count(${c.expr})`, c.id)),
  ].join(" or ");
  let counts: Map<string, number>;
  const budgetEnd = Date.now() + READINESS_BUDGET_MS;
  try {
    const result = await context.engine.instantQuery(query, time, {
      deadline: deadline === undefined ? budgetEnd : Math.min(deadline, budgetEnd),
    });
    counts = new Map(result.samples.map((s) => [s.metric[CHECK_LABEL] ?? "", s.value[1]]));
  } catch (error) {
    return unreachable(context, error as Error);
  }
  const count = (id: string) => counts.get(id) ?? 0;
  const backend = { ok: true, detail: `${context.backendDescription} answers queries` };
  if (count("counter") > 0) return withSeries(context, family, labels, count, backend);
  const explained = explanations.find((_, i) => count(`explain${i}`) > 0)?.warning;
  const at = formatTimestamp(time);
  const skipped = {
    ok: false,
    skipped: true,
    detail: "not checked: the mesh's request counter has no series",
  };
  return {
    ready: false,
    backend,
    meshSeries: {
      ok: false,
      detail: explained ?? noMeshSeries(context, counter, at, otherMeshesFound(context, count)),
    },
    labels: skipped,
    histograms: skipped,
  };
}

/** Readiness once the counter has series: the relabeled labels, and a histogram in either form. */
function withSeries(
  context: Context,
  family: SeriesFamily,
  labels: readonly LabelCheck[],
  count: (id: string) => number,
  backend: ReadinessCheck,
): Readiness {
  const labelCheck = labelVerdict(context.mesh, labels, count);
  const forms = count("classic") + count("native");
  const histograms =
    forms > 0
      ? {
          ok: true,
          detail: `${count("classic")} classic and ${count("native")} native series of ${family.latencyHistogram}`,
        }
      : {
          ok: false,
          detail: `${family.counter} has series, but ${missingHistograms(family)}: every latency would be null beside real requests; ${HISTOGRAM_SETTINGS}`,
        };
  const selector = renderSelector(family.counter, counterMatchersOf(family));
  return {
    ready: labelCheck.ok && histograms.ok,
    backend,
    meshSeries: { ok: true, detail: `${count("counter")} series of ${selector} (MESH=${context.mesh.name})` },
    labels: labelCheck,
    histograms,
  };
}

function unreachable(context: Context, error: Error): Readiness {
  const skipped = { ok: false, skipped: true, detail: "not checked: the backend did not answer" };
  return {
    ready: false,
    backend: {
      ok: false,
      detail: `${context.backendDescription} did not answer a query: ${error.message}; check PROMETHEUS_URL (or CONSUL_HTTP_ADDR), its credentials, and that it is reachable from here`,
    },
    meshSeries: skipped,
    labels: skipped,
    histograms: skipped,
  };
}

/** A label is missing when no series carries it though the mesh's own labels show some should. */
function labelVerdict(mesh: MeshAdapter, labels: readonly LabelCheck[], count: (id: string) => number) {
  const missing = labels.filter((_, i) => count(`present${i}`) === 0 && count(`evidence${i}`) > 0);
  if (missing.length === 0) {
    return {
      ok: true,
      detail: `the relabeled labels (${labels.map((c) => c.setting).join(", ")}) are on the series`,
    };
  }
  const detail = missing
    .map(
      (c) =>
        `no series of ${mesh.resourceView(c.kind).family.counter} carries the label ${c.label} (${c.setting}), though ${c.because}: set ${c.setting} to the label your relabeling gives`,
    )
    .join("; ");
  return { ok: false, detail };
}

/** What a readiness that is not ready found wrong, in one line: `/readyz` and `npm start` say this. */
export function notReadyDetails({ backend, meshSeries, labels, histograms }: Readiness): string {
  return [backend, meshSeries, labels, histograms]
    .filter((c) => !c.ok && c.skipped !== true)
    .map((c) => c.detail)
    .join("; ");
}
