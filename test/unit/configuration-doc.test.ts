import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { leaves } from "../../src/config/environment";
import { CONFIG_SETTINGS } from "../../src/config/settings";
import { DEV_SETTINGS } from "../../src/dev/dev-settings";

/**
 * docs/configuration.md is the operator's list of variables. It is written by hand, so this test
 * holds it to the schemas that read the environment: a variable added to a schema without a row
 * fails here, and so does a row or a mention of a variable nothing reads.
 */
const DOC = readFileSync(new URL("../../docs/configuration.md", import.meta.url), "utf8");

/** Every variable the function's schema and the local tools' schema read. */
const READ = new Set([...leaves(CONFIG_SETTINGS.root), ...leaves(DEV_SETTINGS.root)].map(([name]) => name));

/** A code span that is a variable, alone or assigned (`MESH`, `MESH=consul`). */
const VARIABLE_SPAN = /`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)(?:=[^`]*)?`/g;

/** Variables in the first cell of the doc's table rows: the ones it documents. */
function documented(doc: string): Set<string> {
  const rows = doc.split("\n").filter((line) => line.startsWith("| `"));
  const firstCells = rows.map((row) => row.split("|")[1] ?? "");
  return new Set(firstCells.flatMap((cell) => [...cell.matchAll(VARIABLE_SPAN)].map((m) => m[1] as string)));
}

/** Variables named anywhere in the doc, prose and examples included. */
const named = (doc: string) => new Set([...doc.matchAll(VARIABLE_SPAN)].map((m) => m[1] as string));

const sorted = (names: Iterable<string>) => [...names].sort();

describe("docs/configuration.md", () => {
  it("has a row for every variable the settings schemas read", () => {
    expect(READ.size).toBeGreaterThan(30);
    const rows = documented(DOC);
    expect(sorted([...READ].filter((name) => !rows.has(name)))).toEqual([]);
  });

  it("names no variable the settings schemas do not read", () => {
    expect(sorted([...named(DOC)].filter((name) => !READ.has(name)))).toEqual([]);
  });

  it("notices a missing row", () => {
    const withoutMesh = DOC.split("\n")
      .filter((line) => !line.startsWith("| `MESH`"))
      .join("\n");
    expect(documented(withoutMesh).has("MESH")).toBe(false);
    expect(documented(DOC).has("MESH")).toBe(true);
  });
});
