import { describe, expect, it } from "vitest";
import { markdownDocs } from "../support/markdown-docs";

describe("the docs where they show serverless offline", () => {
  it("say the Flagger webhook answers 403 without --param=webhookToken", () => {
    const shown = markdownDocs().flatMap(([file, text]) =>
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
