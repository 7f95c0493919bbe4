/**
 * What a large list costs beyond its queries: compressing the answer at each level, and reading it
 * page by page from a warm container and from a fresh one.
 */
import { type Coding, compress, LEVELS } from "../src/http/encoding";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Levels compared: ours, and dearer ones of each coding. */
const COMPARED: readonly { coding: Coding; level: number }[] = [
  { coding: "gzip", level: 1 },
  { coding: "gzip", level: 3 },
  { coding: "gzip", level: 6 },
  { coding: "gzip", level: 9 },
  { coding: "br", level: 1 },
  { coding: "br", level: 2 },
  { coding: "br", level: 5 },
  { coding: "br", level: 9 },
];

/**
 * Times each level on the real answer, in this process (the same zlib calls the handler makes),
 * median of five; prints bytes as sent and as Lambda carries them (base64).
 */
export function printCompressionCosts(json: Buffer): void {
  console.log(
    `compression of the list answer (${json.length.toLocaleString("en")} bytes of JSON), median of 5 in the bench process:`,
  );
  for (const { coding, level } of COMPARED) {
    const times: number[] = [];
    let size = 0;
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      size = compress(json, coding, level).length;
      times.push(performance.now() - t);
    }
    const chosen = LEVELS[coding] === level ? "  <- ours" : "";
    console.log(
      `  ${`${coding} ${level}`.padEnd(7)} ${median(times).toFixed(1).padStart(7)} ms ${(size / 1024).toFixed(0).padStart(6)} KB (${(Math.ceil(size / 3) * 4).toLocaleString("en")} bytes base64)${chosen}`,
    );
  }
}

/** One request as the bench times it: its status, the body, the time and the round trips it cost. */
export type Ask = (
  base: string,
  pathAndQuery: string,
) => Promise<{ ms: number; trips: number; status: number; body: Buffer }>;

/**
 * A `limit` first page at an instant not asked before (the whole list measured), its next page
 * from the same warm server (the list kept there), and that next page from another server process,
 * a container that never saw the list (measured again, checked against the token's digest).
 */
export async function printPageCosts(
  ask: Ask,
  warm: string,
  fresh: string,
  list: string,
  times: readonly number[],
  limit: number,
): Promise<void> {
  const rows = { first: [] as number[], warm: [] as number[], fresh: [] as number[] };
  const trips = { first: new Set<number>(), warm: new Set<number>(), fresh: new Set<number>() };
  for (const time of times) {
    const first = await ask(warm, `${list}?t=1m&time=${time}&limit=${limit}`);
    if (first.status !== 200) throw new Error(`first page: ${first.status} ${first.body}`);
    const token = (JSON.parse(first.body.toString("utf8")) as { metadata: { continue?: string } }).metadata
      .continue;
    if (token === undefined) throw new Error("the first page has no continue token");
    const next = `${list}?t=1m&limit=${limit}&continue=${encodeURIComponent(token)}`;
    const again = await ask(warm, next);
    const elsewhere = await ask(fresh, next);
    for (const [name, r] of [
      ["first", first],
      ["warm", again],
      ["fresh", elsewhere],
    ] as const) {
      if (r.status !== 200) throw new Error(`${name} page: ${r.status} ${r.body}`);
      rows[name].push(r.ms);
      trips[name].add(r.trips);
    }
  }
  const say = (what: string, key: keyof typeof rows) =>
    console.log(
      `  ${what.padEnd(46)} ${median(rows[key]).toFixed(0).padStart(6)} ms, ${[...trips[key]].join("/")} round trips`,
    );
  console.log(`paging with limit=${limit}, median of ${times.length}:`);
  say("first page (cold: the whole list measured)", "first");
  say("second page, same warm container", "warm");
  say("second page, fresh server process", "fresh");
}
