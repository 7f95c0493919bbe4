/** A label matcher. Only exact equality and inequality: values never reach a regex. */
export interface Matcher {
  readonly label: string;
  readonly op: "=" | "!=";
  readonly value: string;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Metric names may also hold colons, which recording rules use (`job:response_total:rate5m`). */
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** Equality matcher helper; keeps adapter tables short. */
export const eq = (label: string, value: string): Matcher => ({ label, op: "=", value });
/** Inequality matcher helper. */
export const ne = (label: string, value: string): Matcher => ({ label, op: "!=", value });

/** Whether a result series' labels meet a matcher, as Prometheus reads it: an absent label is "". */
export const meets = (labels: Readonly<Record<string, string>>, { label, op, value }: Matcher): boolean =>
  ((labels[label] ?? "") === value) === (op === "=");

/**
 * Quotes a label value as a PromQL double-quoted string. PromQL strings follow Go's escaping, so
 * backslash, quote and line breaks are the characters that could end or bend the literal.
 */
export function quoteLabelValue(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\r/g, "\\r")}"`;
}

/**
 * Renders `{a="x", b!="y"}`. Label names are asserted here because they come from config and
 * adapter tables, never from requests; a bad one is a programming or config error.
 */
export function renderSelector(metric: string, matchers: readonly Matcher[]): string {
  if (!METRIC_NAME.test(metric)) throw new Error(`invalid metric name in a query: ${JSON.stringify(metric)}`);
  for (const { label } of matchers) {
    if (!LABEL_NAME.test(label)) throw new Error(`invalid label name in a query: ${JSON.stringify(label)}`);
  }
  const body = matchers.map((m) => `${m.label}${m.op}${quoteLabelValue(m.value)}`).join(", ");
  return `${metric}{${body}}`;
}

/** Checks a label name from configuration. */
export function isLabelName(name: string): boolean {
  return LABEL_NAME.test(name);
}
