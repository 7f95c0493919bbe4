import { afterEach, describe, expect, it } from "vitest";
import { startProcess } from "../support/process";

let demo: ReturnType<typeof startProcess> | undefined;
afterEach(async () => {
  await demo?.stop();
});

describe("npm run demo", () => {
  it.each(["linkerd", "istio", "consul"])(
    "prints curl commands that return data from a generated %s mesh",
    async (mesh) => {
      demo = startProcess("npm", ["run", "demo", "--", "--mesh", mesh], { PORT: "0" });
      await demo.waitFor(/Ctrl-C stops/, 60_000);
      const urls = [...demo.output().matchAll(/^curl -s '([^']+)'$/gm)].map((m) => m[1] as string);
      expect(urls.length).toBeGreaterThanOrEqual(5);
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
    },
    90_000,
  );
});
