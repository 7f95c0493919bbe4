import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { OpenMetricsBuilder } from "../../src/dev/openmetrics";
import { startVictoriaMetrics, VictoriaMetricsMissingError } from "../../src/dev/victoria-metrics";

describe("starting a test VictoriaMetrics", () => {
  it("names a binary that does not exist and says how to install one", async () => {
    const error = await startVictoriaMetrics({
      series: new OpenMetricsBuilder(),
      startS: 0,
      endS: 60,
      stepS: 15,
      binary: "/nope/victoria-metrics",
    }).catch((e) => e);
    expect(error).toBeInstanceOf(VictoriaMetricsMissingError);
    expect(error.message).toMatch(/^could not run \/nope\/victoria-metrics\. /);
    expect(error.message).toContain("apt-get install -y victoria-metrics");
  });
});

describe("the series VictoriaMetrics imports", () => {
  it("are the very samples promtool backfills, with millisecond timestamps", async () => {
    const om = new OpenMetricsBuilder();
    om.counter("requests_total", { pod: 'a"b', ns: "shop" }, 1 / 3);
    om.counter("requests_total", { pod: "c", ns: "shop" }, 2);
    const dir = await mkdtemp(join(tmpdir(), "smi-om-"));
    try {
      await om.write(join(dir, "series.om"), 100, 130, 15);
      const text = await readFile(join(dir, "series.om"), "utf8");
      const backfilled = text.split("\n").filter((l) => l !== "" && l !== "# EOF");
      const imported = [...om.importLines(100, 130, 15)].flatMap((line) => {
        const { metric, values, timestamps } = JSON.parse(line);
        const { __name__: name, ...labels } = metric;
        const labelText = Object.entries(labels)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(",");
        return values.map((v: number, i: number) => `${name}{${labelText}} ${v} ${timestamps[i] / 1000}`);
      });
      expect(imported).toEqual(backfilled);
      expect(backfilled).toHaveLength(6);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
