/**
 * What crosses the wire from Prometheus per request, and what the latency query alone costs against
 * the design not chosen for native histograms: fetching each object's summed native histogram
 * (every bucket, as `histogram` JSON) to interpolate quantiles ourselves, instead of the three
 * quantiles Prometheus computes. The alternative is timed as a floor: its queries fetched and read,
 * the interpolation it would add not counted.
 */
import type { Case, HistogramForm } from "./cases";
import { answerBytes, type FloorQuery, fetchFloor, type QueryWaves } from "./floor";
import { fmt, kb, timeRounds } from "./measure";
import { histogramFetch, isLatency } from "./promql-forms";

export interface Rounds {
  /** Timed runs for a case. */
  readonly iterations: (c: Case) => number;
  /** How far round `i` moves the recorded instants, seconds: each round asks about another instant. */
  readonly shiftS: (round: number) => number;
}

const WARMUP = 2;
const col = (text: string, width: number) => text.padStart(width);

/** The latency queries of a request, and the same requests fetching native histograms instead. */
function latencyForms(waves: QueryWaves): { latency: FloorQuery[]; fetched: FloorQuery[] } {
  const latency = waves.flat().filter((q) => isLatency(q.query));
  const fetched = latency.flatMap((q) => {
    const query = histogramFetch(q.query);
    return query === undefined ? [] : [{ ...q, query }];
  });
  return { latency, fetched };
}

/**
 * Prints, per case: the bytes of every answer its request costs (gzip as received, and inflated),
 * then its latency queries alone (bytes and median ms); over native histograms, the same for the
 * histograms fetched whole, and the ratio of their times.
 */
export async function printBytes(
  prometheusUrl: string,
  cases: readonly Case[],
  recorded: ReadonlyMap<string, { waves: QueryWaves }>,
  form: HistogramForm,
  rounds: Rounds,
): Promise<void> {
  console.log(
    "bytes of Prometheus' answers per request, kB (gzip as received / inflated JSON); the latency query alone, median ms;" +
      (form === "native"
        ? " fetched = each object's summed native histogram instead of its 3 quantiles (a floor: not interpolated)"
        : " (fetched: native histograms only)"),
  );
  console.log(
    "case        request gzip       raw  latency gzip       raw  latency ms  fetched gzip       raw  fetched ms  fetched/latency",
  );
  for (const c of cases) {
    const waves = recorded.get(c.name)?.waves ?? [];
    const { latency, fetched } = latencyForms(waves);
    const all = await answerBytes(prometheusUrl, waves.flat());
    const own = await answerBytes(prometheusUrl, latency);
    const alt = form === "native" ? await answerBytes(prometheusUrl, fetched) : undefined;
    const runs = {
      latency: (i: number) => fetchFloor(prometheusUrl, [latency], rounds.shiftS(i)),
      ...(alt === undefined
        ? {}
        : { fetched: (i: number) => fetchFloor(prometheusUrl, [fetched], rounds.shiftS(i)) }),
    };
    const ms: { latency: number; fetched?: number } = await timeRounds(runs, rounds.iterations(c), WARMUP);
    const fetchedMs = ms.fetched ?? Number.NaN;
    console.log(
      `${c.name.padEnd(10)}${col(kb(all.gzip), 14)}${col(kb(all.raw), 10)}${col(kb(own.gzip), 14)}${col(kb(own.raw), 10)}${fmt(ms.latency).padStart(12)}${col(kb(alt?.gzip ?? Number.NaN), 14)}${col(kb(alt?.raw ?? Number.NaN), 10)}${fmt(fetchedMs).padStart(12)}${fmt(fetchedMs / ms.latency, 2).padStart(17)}`,
    );
  }
}
