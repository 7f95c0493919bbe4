/** How an answer is written: the plain SMI object, or a `meta.k8s.io/v1` `Table` of it. */
export type Representation = "json" | "table";

/** The media type of a Table answer, as the Kubernetes API server labels one. */
export const TABLE_CONTENT_TYPE = "application/json;as=Table;v=v1;g=meta.k8s.io";

interface MediaRange {
  readonly type: string;
  readonly params: ReadonlyMap<string, string>;
  readonly q: number;
}

function parseMediaRange(text: string): MediaRange {
  const [type = "", ...rest] = text.split(";").map((part) => part.trim());
  const params = new Map<string, string>();
  for (const param of rest) {
    const eq = param.indexOf("=");
    if (eq > 0) params.set(param.slice(0, eq).trim().toLowerCase(), param.slice(eq + 1).trim());
  }
  const q = params.has("q") ? Number(params.get("q")) : 1;
  params.delete("q");
  return { type: type.toLowerCase(), params, q: Number.isFinite(q) ? q : 0 };
}

/** What one media range asks for, if it is something we can write. */
function representationOf(range: MediaRange): Representation | undefined {
  const as = range.params.get("as");
  if (range.type === "application/json") {
    if (as === undefined) return "json";
    const table = as === "Table" && range.params.get("g") === "meta.k8s.io" && range.params.get("v") === "v1";
    return table ? "table" : undefined;
  }
  if ((range.type === "*/*" || range.type === "application/*") && as === undefined) return "json";
  return undefined;
}

/**
 * Picks the representation for an `Accept` header among the ones a route offers, honouring the
 * client's order and `q` values as Kubernetes does. kubectl's aggregated-discovery ranges
 * (`as=APIGroupDiscoveryList`) and Table versions other than `meta.k8s.io/v1` are never matched, so
 * kubectl falls back to the next range it listed (plain JSON). No header means JSON; a header that
 * names nothing on offer gives `undefined`, which the caller answers with 406 Not Acceptable.
 */
export function negotiate(
  accept: string | undefined,
  offers: readonly Representation[],
): Representation | undefined {
  if (accept === undefined || accept.trim() === "") return offers.includes("json") ? "json" : offers[0];
  const ranges = accept
    .split(",")
    .filter((part) => part.trim() !== "")
    .map(parseMediaRange)
    .filter((range) => range.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const range of ranges) {
    const wanted = representationOf(range);
    if (wanted !== undefined && offers.includes(wanted)) return wanted;
  }
  return undefined;
}
