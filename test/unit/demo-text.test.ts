import { describe, expect, it } from "vitest";
import { demoText } from "../../src/dev/demo-text";
import { createLinkerdAdapter } from "../../src/mesh/linkerd";

const text = (tokens: boolean) =>
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
  });

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
});
