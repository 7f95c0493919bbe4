/**
 * Series whose rates change at known times: the builder's segments keep counters continuous, begin
 * a series where it is first written, and give promtool and VictoriaMetrics the very same samples.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { linkerdSeries } from "../../src/dev/linkerd-series";
import {
  changeStreams,
  finalScenario,
  MOVES,
  movingScenario,
  movingSeries,
} from "../../src/dev/moving-scenario";
import { OpenMetricsBuilder } from "../../src/dev/openmetrics";
import { defaultScenario } from "../../src/dev/scenario";

/** What promtool is given, one `name{labels} value t` line per sample. */
async function backfilled(om: OpenMetricsBuilder, startS: number, endS: number, stepS: number) {
  const dir = await mkdtemp(join(tmpdir(), "smi-om-"));
  try {
    await om.write(join(dir, "series.om"), startS, endS, stepS);
    return (await readFile(join(dir, "series.om"), "utf8")).split("\n").filter((l) => l !== "");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** What VictoriaMetrics is given, as the same lines. */
const imported = (om: OpenMetricsBuilder, startS: number, endS: number, stepS: number) =>
  [...om.importLines(startS, endS, stepS)].flatMap((line) => {
    const { metric, values, timestamps } = JSON.parse(line);
    const { __name__: name, ...labels } = metric;
    const text = Object.entries(labels)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(",");
    return values.map((v: number, i: number) => `${name}{${text}} ${v} ${timestamps[i] / 1000}`);
  });

describe("a builder with segments", () => {
  const om = new OpenMetricsBuilder();
  om.counter("requests_total", { pod: "a" }, 1);
  om.counter("requests_total", { pod: "gone" }, 2);
  om.from(130);
  om.counter("requests_total", { pod: "a" }, 3);
  om.counter("requests_total", { pod: "b" }, 0.5);
  om.from(160);
  om.counter("requests_total", { pod: "a" }, 1);
  om.counter("requests_total", { pod: "gone" }, 1);

  it("grows each counter at its segment's rate, flat where it was not written, and begins a series where it is first written", async () => {
    expect(await backfilled(om, 100, 190, 15)).toEqual([
      // 1/s to 130, 3/s to 160, then 1/s again.
      ...[0, 15, 30, 75, 120, 135].map((v, i) => `requests_total{pod="a"} ${v} ${100 + 15 * i}`),
      `requests_total{pod="a"} 150 190`,
      // 2/s to 130, nothing written from 130 to 160 (flat at 60), then 1/s.
      ...[0, 30, 60, 60, 60, 75, 90].map((v, i) => `requests_total{pod="gone"} ${v} ${100 + 15 * i}`),
      // First written at 130: no sample before, zero there.
      ...[0, 7.5, 15, 15, 15].map((v, i) => `requests_total{pod="b"} ${v} ${130 + 15 * i}`),
      "# EOF",
    ]);
  });

  it("gives VictoriaMetrics the very samples promtool backfills", async () => {
    const lines = await backfilled(om, 100, 190, 15);
    expect(imported(om, 100, 190, 15)).toEqual(lines.slice(0, -1));
  });

  it("refuses a segment that does not open after the last one", () => {
    const b = new OpenMetricsBuilder().from(200);
    expect(() => b.from(200)).toThrow(/segments open in time order: 200 is not after 200/);
  });
});

describe("the moving scenario", () => {
  const moving = movingScenario();
  const om = movingSeries(moving, (s, sink) => linkerdSeries(s, sink));

  it("opens a segment at each move, from the data's start", () => {
    expect(moving.segments.map((s) => s.fromS - moving.startS)).toEqual([0, 600, 720, 840, 960, 1140]);
    expect(finalScenario(moving).workloads.map((w) => w.name)).toContain("search");
  });

  it("has series of the new workload from its start only, and every other series from the data's start", () => {
    const lines = imported(om, moving.startS, moving.endS, moving.stepS);
    const firstSample = (selector: RegExp) =>
      Math.min(...lines.filter((l) => selector.test(l)).map((l) => Number(l.split(" ").at(-1))));
    expect(firstSample(/deployment="search"/)).toBe(moving.startS + MOVES.searchStarts);
    expect(firstSample(/deployment="checkout"/)).toBe(moving.startS);
  });

  it("writes a constant scenario's segment as the constant scenario itself", async () => {
    const s = defaultScenario();
    const still = movingSeries({ segments: [{ fromS: s.startS, scenario: s }], ...s }, (x, sink) =>
      linkerdSeries(x, sink),
    );
    expect(await backfilled(still, s.startS, s.endS, s.stepS)).toEqual(
      await backfilled(linkerdSeries(s), s.startS, s.endS, s.stepS),
    );
  });

  it("changes only the streams that match, leaving the scenario it came from as it was", () => {
    const s = defaultScenario();
    const toCart = changeStreams(
      s,
      (x) => x.to.name === "cart",
      (x) => ({ rps: x.rps * 10 }),
    );
    expect(toCart.streams.map((x) => x.rps)).toEqual(
      s.streams.map((x) => (x.to.name === "cart" ? x.rps * 10 : x.rps)),
    );
    expect(s).toEqual(defaultScenario());
  });
});
