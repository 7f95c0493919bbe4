/**
 * What the bench asks for each size: the API path, and for Linkerd the same numbers as the minimal
 * PromQL would fetch them (`direct`) and as the predecessor smi-metrics did (`smi`).
 */

export const CASE_NAMES = ["list", "resource", "edges", "zero-list", "zero-name"] as const;

/** How latency is stored: classic `_bucket` counters, or native histograms. */
export type HistogramForm = "classic" | "native";

export interface Case {
  readonly name: string;
  readonly path: string;
  /** Minimal PromQL for the same numbers: counts by outcome and three quantiles. */
  readonly direct: readonly string[];
  /**
   * smi-metrics: success, failure, then three irate quantiles, per direction. Empty over native
   * histograms, which it never read.
   */
  readonly smi: readonly string[];
}

/** The window every instant case asks for. */
export const WINDOW = "1m";

/** One quantile's PromQL over either form; smi-metrics' `irate` over the classic one. */
function quantile(form: HistogramForm, by: string, selector: string, fn: "rate" | "irate", q: number) {
  return form === "native"
    ? `histogram_quantile(${q}, sum by (${by}) (${fn}(response_latency_ms{${selector}}[${WINDOW}])))`
    : `histogram_quantile(${q}, sum by (${by}, le) (${fn}(response_latency_ms_bucket{${selector}}[${WINDOW}])))`;
}

/** The cases named in `names`, in the bench's order, with their PromQL for `form`. */
export function selectedCases(names: readonly string[], form: HistogramForm): Case[] {
  const minimal = (by: string, selector: string) => [
    `sum by (${by}, classification) (increase(response_total{${selector}}[${WINDOW}]))`,
    ...[0.5, 0.9, 0.99].map((q) => quantile(form, by, selector, "rate", q)),
  ];
  const smi = (by: string, selector: string) =>
    form === "native"
      ? []
      : [
          `sum by (${by}) (increase(response_total{${selector}, classification="success"}[${WINDOW}]))`,
          `sum by (${by}) (increase(response_total{${selector}, classification="failure"}[${WINDOW}]))`,
          ...[0.5, 0.9, 0.99].map((q) => quantile(form, by, selector, "irate", q)),
        ];
  const both = (by: string, selector: string) => ({ direct: minimal(by, selector), smi: smi(by, selector) });
  const list = 'direction="inbound", namespace="bench"';
  const one = 'direction="inbound", namespace="bench", deployment="app-0"';
  const to = 'direction="outbound", namespace="edges", deployment="hub"';
  const from = 'direction="outbound", dst_namespace="edges", dst_deployment="hub"';
  const typo = 'direction="inbound", namespace="bench", deployment="app-typo"';
  const [inbound, outbound] = [
    both("dst_namespace, dst_deployment", to),
    both("namespace, deployment", from),
  ];
  const all: Case[] = [
    { name: "list", path: "/namespaces/bench/pods", ...both("namespace, pod", list) },
    { name: "resource", path: "/namespaces/bench/deployments/app-0", ...both("namespace, deployment", one) },
    {
      name: "edges",
      path: "/namespaces/edges/deployments/hub/edges",
      direct: [...inbound.direct, ...outbound.direct],
      smi: [...inbound.smi, ...outbound.smi],
    },
    // Zero answers: the same queries find nothing, and ours spends one diagnosis query on saying why.
    {
      name: "zero-list",
      path: "/namespaces/empty/pods",
      ...both("namespace, pod", 'direction="inbound", namespace="empty"'),
    },
    // A never-seen name in the big namespace: the diagnosis counts that namespace's series.
    {
      name: "zero-name",
      path: "/namespaces/bench/deployments/app-typo",
      ...both("namespace, deployment", typo),
    },
  ];
  return all.filter((c) => names.includes(c.name));
}
