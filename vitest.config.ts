import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Two cores: integration files each start a real Prometheus; running them two at a time keeps
    // them from starving each other.
    maxWorkers: 2,
  },
});
