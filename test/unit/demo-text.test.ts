import { describe, expect, it } from "vitest";
import { demoText } from "../../src/dev/demo-text";
import { createLinkerdAdapter } from "../../src/mesh/linkerd";

const text = (tokens: boolean, live?: { targetUrl: string; since: Date }) =>
  demoText({
    mesh: createLinkerdAdapter(),
    apiUrl: "http://127.0.0.1:3000",
    prometheusUrl: "http://127.0.0.1:9090",
    kubernetesUrl: "http://127.0.0.1:6443",
    time: new Date("2025-11-24T16:15:00Z"),
    window: "5m",
    workloads: 12,
    apiToken: tokens,
    webhookToken: tokens,
    reportCommand: "npm run report -- --spec spec.json",
    live,
  });

const historyLine = (printed: string) =>
  printed.split("\n").find((l) => l.startsWith("npx smi-metrics history"));

describe("the demo's printed commands", () => {
  it.each([false, true])(
    "print the headers (curl -i) of every answer that may carry a Warning (tokens: %s)",
    (tokens) => {
      const curls = text(tokens)
        .split("\n")
        .filter((line) => line.startsWith("curl "));
      expect(curls.length).toBeGreaterThanOrEqual(9);
      for (const line of curls) {
        // Discovery names what is served: it has no Warning to show.
        if (line.includes("/v1alpha2/'")) expect(line).toMatch(/^curl -s(?: -H "[^"]+")? '/);
        else expect(line).toMatch(/^curl -sSi /);
      }
    },
  );

  it("ask the backfilled demo's history over the 15 minutes of data before its time", () => {
    expect(historyLine(text(false))).toContain("--since 15m --end 2025-11-24T16:15:00Z");
  });

  it("ask the live-scraped demo's history up to when it is run, at the default scrape interval", () => {
    // Its data begins at the start, so a range ending at the printed time would be nearly empty.
    const line = historyLine(
      text(false, { targetUrl: "http://127.0.0.1:9100", since: new Date("2025-11-24T16:14:28Z") }),
    );
    expect(line).toContain("--since 2m --step 10s");
    expect(line).not.toContain("--end");
  });
});
