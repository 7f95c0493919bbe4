import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";

/** madge ships no types: the part of its API this test uses. */
type Madge = (
  paths: string[],
  config: { fileExtensions: string[]; tsConfig: string },
) => Promise<{ obj(): Record<string, string[]>; circular(): string[][] }>;
const madge = createRequire(import.meta.url)("madge") as Madge;

const graph = madge(["src", "handlers"], { fileExtensions: ["ts"], tsConfig: "tsconfig.json" });

/** A file's folder as the layering sees it: `src/<folder>`, or a file at the top of `src/` on its own. */
function unitOf(file: string): string {
  const parts = file.split("/");
  return parts[0] === "src" && parts.length > 2
    ? `src/${parts[1]}`
    : parts[0] === "handlers"
      ? "handlers"
      : file;
}

/** Cycles between units, as paths of unit names (depth-first search over the folder graph). */
function folderCycles(files: Record<string, string[]>): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const [file, deps] of Object.entries(files)) {
    for (const dep of deps) {
      const [from, to] = [unitOf(file), unitOf(dep)];
      if (from !== to) edges.set(from, (edges.get(from) ?? new Set()).add(to));
    }
  }
  const cycles: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const visit = (unit: string, path: string[]) => {
    state.set(unit, "open");
    for (const next of edges.get(unit) ?? []) {
      if (state.get(next) === "open") cycles.push([...path.slice(path.indexOf(next)), unit, next]);
      else if (state.get(next) === undefined) visit(next, [...path, unit]);
    }
    state.set(unit, "done");
  };
  for (const unit of edges.keys()) if (state.get(unit) === undefined) visit(unit, []);
  return cycles;
}

describe("the module graph", () => {
  it("has no import cycle between files", async () => {
    expect((await graph).circular()).toEqual([]);
  });

  it("has no import cycle between folders", async () => {
    expect(folderCycles((await graph).obj())).toEqual([]);
  });

  it("keeps src/smi/ the wire format: it imports only errors and the measurement it prints", async () => {
    const outside = Object.entries((await graph).obj()).flatMap(([file, deps]) =>
      file.startsWith("src/smi/")
        ? deps.filter((d) => !d.startsWith("src/smi/")).map((d) => `${file} -> ${d}`)
        : [],
    );
    expect(outside.filter((edge) => !/-> src\/(errors|measurement)\.ts$/.test(edge))).toEqual([]);
  });

  it("finds the folder cycle it is there to find", () => {
    expect(
      folderCycles({ "src/a/x.ts": ["src/b/y.ts"], "src/b/y.ts": ["src/c.ts"], "src/c.ts": ["src/a/z.ts"] }),
    ).toEqual([["src/a", "src/b", "src/c.ts", "src/a"]]);
  });
});
