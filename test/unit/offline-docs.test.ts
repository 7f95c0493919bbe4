import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/** The README and whatever the docs folder holds, by path. */
function docs(): [string, string][] {
  const files = ["README.md"];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".md")) files.push(path);
    }
  };
  if (existsSync("docs")) walk("docs");
  return files.map((file) => [file, readFileSync(file, "utf8")]);
}

describe("the docs where they show serverless offline", () => {
  it("say the Flagger webhook answers 403 without --param=webhookToken", () => {
    const shown = docs().flatMap(([file, text]) =>
      text
        .split(/\n\s*\n/)
        .filter((paragraph) => /serverless offline --param/.test(paragraph))
        .map((paragraph) => [file, paragraph] as const),
    );
    expect(shown.length).toBeGreaterThan(0);
    for (const [file, paragraph] of shown) {
      expect(paragraph, file).toMatch(/--param="?webhookToken=/);
      expect(paragraph, file).toMatch(/403/);
    }
  });
});
