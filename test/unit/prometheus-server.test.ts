import { describe, expect, it } from "vitest";
import { OpenMetricsBuilder } from "../../src/dev/openmetrics";
import { PrometheusMissingError, startPrometheus } from "../../src/dev/prometheus-server";

describe("starting the demo's Prometheus", () => {
  it("names a PROMETHEUS_BIN that does not exist, not the promtool path derived from it", async () => {
    const error = await startPrometheus({
      series: new OpenMetricsBuilder(),
      startS: 0,
      endS: 60,
      stepS: 15,
      binary: "/nope",
    }).catch((e) => e);
    expect(error).toBeInstanceOf(PrometheusMissingError);
    expect(error.message).toMatch(/^could not run \/nope\. /);
    expect(error.message).not.toContain("/promtool");
  });
});
