import { defineConfig } from "vitest/config";

/**
 * One suite in three projects, so the fast part can run alone (`npm run test:unit`) while `vitest run`
 * (`npm test`) still runs every file. Each project inherits the options below (`extends: true`).
 * - unit: in-process code, stub HTTP servers at most; no Prometheus, no child process.
 * - integration: a real Prometheus per file, the API in process.
 * - e2e: real processes (npm scripts, the CLI, kubectl, serverless package and offline).
 * - browser: the web UI in Debian's Chromium and Firefox ESR (puppeteer-core), over a real
 *   Prometheus; run after the others, one file at a time, as two browsers fill two cores.
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Two cores: integration files each start a real Prometheus; running them two at a time keeps
    // them from starving each other.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        // Unit files share one module graph per worker: importing it afresh for each file was 40% of
        // the run's CPU. They stub no globals, environment or timers, and restore the one patched class.
        test: { name: "unit", include: ["test/unit/**/*.test.ts"], isolate: false },
      },
      { extends: true, test: { name: "integration", include: ["test/integration/**/*.test.ts"] } },
      {
        extends: true,
        test: { name: "e2e", include: ["test/e2e/**/*.test.ts", "test/packaging.test.ts"] },
      },
      {
        extends: true,
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          testTimeout: 60_000,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
