/**
 * The two histogram forms of our latency query, taken apart as text, so the floor can be timed
 * without one of them and against the design not chosen. The latency query is `native or classic`
 * (`src/metrics/query-plan.ts`): native terms are `histogram_quantile`s over summed native rates,
 * each marked with its quantile, and the classic term is the bucket rates by `le`.
 */

/**
 * Calls `at` with each index of `text` outside quoted strings and the bracket depth there (a closing
 * bracket counts as outside the brackets it closes), until `at` returns true; returns that index,
 * or -1.
 */
function walk(text: string, at: (i: number, depth: number) => boolean): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote !== undefined) {
      if (c === "\\") i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'" || c === "`") quote = c;
    else if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    if (at(i, depth)) return i;
  }
  return -1;
}

/** The terms of `query` between its top-level ` or `s. */
function orTerms(query: string): string[] {
  const terms: string[] = [];
  let from = 0;
  walk(query, (i, depth) => {
    if (depth === 0 && i >= from && query.startsWith(" or ", i)) {
      terms.push(query.slice(from, i));
      from = i + " or ".length;
    }
    return false;
  });
  terms.push(query.slice(from));
  return terms;
}

const QUANTILE_CALL = "histogram_quantile(";
const hasNative = (text: string) => text.includes(QUANTILE_CALL);
const hasClassic = (text: string) => /_bucket[{[]/.test(text);
/** A term of one form alone: the native quantiles, or the classic bucket rates. */
const isNative = (term: string) => hasNative(term) && !hasClassic(term);
const isClassic = (term: string) => hasClassic(term) && !hasNative(term);

/**
 * `query` with the terms of the `or` that joins the two forms changed by `change`: found at the top
 * level, or inside the first argument of the call (or the parentheses) a term holding both forms
 * opens, as a resource's one query wraps its latency part in a `label_replace`.
 */
function rewrite(query: string, change: (terms: string[]) => string[]): string {
  const terms = orTerms(query);
  if (terms.some((t) => isNative(t) || isClassic(t))) return change(terms).join(" or ");
  return terms
    .map((term) => {
      if (!hasNative(term) || !hasClassic(term)) return term;
      const open = term.indexOf("(") + 1;
      const inside = term.slice(open);
      const comma = walk(inside, (i, depth) => depth === 0 && inside[i] === ",");
      const end = comma >= 0 ? comma : walk(inside, (_, depth) => depth < 0);
      return `${term.slice(0, open)}${rewrite(inside.slice(0, end), change)}${inside.slice(end)}`;
    })
    .join(" or ");
}

/** `query` without its native terms: the classic bucket rates alone, the query before the native form. */
export const withoutNative = (query: string): string =>
  rewrite(query, (terms) => terms.filter((t) => !isNative(t)));

/** `query` without its classic term: the native quantiles alone. */
export const withoutClassic = (query: string): string =>
  rewrite(query, (terms) => terms.filter((t) => !isClassic(t)));

/** The second argument of the first `histogram_quantile(q, summed)` in `term`: the summed rates. */
function summedRates(term: string): string {
  const inside = term.slice(term.indexOf(QUANTILE_CALL) + QUANTILE_CALL.length);
  const comma = walk(inside, (i, depth) => depth === 0 && inside[i] === ",");
  const close = walk(inside, (_, depth) => depth < 0);
  return inside.slice(comma + 1, close).trim();
}

/**
 * The design not chosen: each object's summed native histogram fetched as it is (`histogram` JSON,
 * every bucket), to be interpolated by us, instead of three quantiles computed by Prometheus. The
 * native terms are replaced by their summed rates, in the same query; with several sides (several
 * sums), each is told apart by an `smi_alt` label. Undefined for a query without native terms.
 */
export function histogramFetch(query: string): string | undefined {
  if (!hasNative(query)) return undefined;
  return rewrite(query, (terms) => {
    const sums = [...new Set(terms.filter(isNative).map(summedRates))];
    const fetched =
      sums.length === 1 ? sums : sums.map((sum, i) => `label_replace(${sum}, "smi_alt", "${i}", "", "")`);
    return [...fetched, ...terms.filter((t) => !isNative(t))];
  });
}

/** Whether `query` holds a latency part: native terms, whatever else it has. */
export const isLatency = hasNative;
