import { existsSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";
import { markdownDocs } from "../support/markdown-docs";

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** Each file's anchors, from its headings outside code fences. */
function anchorsByFile(): Map<string, Set<string>> {
  const anchors = new Map<string, Set<string>>();
  for (const [file, text] of markdownDocs()) {
    const outside = text.replace(/^```[\s\S]*?^```/gm, "");
    const headings = [...outside.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => anchorOf(m[1] ?? ""));
    anchors.set(normalize(file), new Set(headings));
  }
  return anchors;
}

/** Every relative link of the README and the docs, with the file it sits in. */
function relativeLinks(): { from: string; target: string }[] {
  return markdownDocs().flatMap(([from, text]) =>
    [...text.replace(/^```[\s\S]*?^```/gm, "").matchAll(/\]\(([^)\s]+)\)/g)]
      .map((m) => m[1] ?? "")
      .filter((target) => !/^[a-z]+:/.test(target))
      .map((target) => ({ from, target })),
  );
}

describe("the README and the docs, as a newcomer follows their links", () => {
  it("link only to files that exist", () => {
    const broken = relativeLinks().filter(({ from, target }) => {
      const path = target.split("#")[0] ?? "";
      return path !== "" && !existsSync(join(dirname(from), path));
    });
    expect(broken).toEqual([]);
  });

  it("link only to headings the linked file has", () => {
    const anchors = anchorsByFile();
    const broken = relativeLinks().filter(({ from, target }) => {
      const [path, anchor] = target.split("#");
      if (anchor === undefined) return false;
      const file = path === "" || path === undefined ? normalize(from) : normalize(join(dirname(from), path));
      return !(anchors.get(file)?.has(anchor) ?? true);
    });
    expect(broken).toEqual([]);
  });
});
