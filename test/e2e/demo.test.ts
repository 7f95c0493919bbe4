import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProcess } from "../support/process";

let demo: ReturnType<typeof startProcess>;
beforeAll(() => {
  demo = startProcess("npm", ["run", "demo"], { PORT: "0" });
});
afterAll(() => demo?.stop());

describe("npm run demo", () => {
  it("prints curl commands that return data from the generated mesh", async () => {
    await demo.waitFor(/Ctrl-C stops/, 60_000);
    const urls = [...demo.output().matchAll(/^curl -s '([^']+)'$/gm)].map((m) => m[1] as string);
    expect(urls.length).toBeGreaterThanOrEqual(6);
    for (const url of urls) {
      const response = await fetch(url);
      expect(response.status, url).toBe(200);
      const body = (await response.json()) as {
        kind: string;
        items?: unknown[];
        metrics?: { name: string; value: string }[];
      };
      if (body.kind === "TrafficMetricsList") expect(body.items?.length, url).toBeGreaterThan(0);
      if (body.kind === "TrafficMetrics") {
        expect(body.metrics?.find((m) => m.name === "success_count")?.value, url).not.toBe("0");
      }
    }
  }, 90_000);
});
