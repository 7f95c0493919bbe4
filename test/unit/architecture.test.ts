import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";

/** madge ships no types: the part of its API this test uses. */
type Madge = (
  paths: string[],
  config: { fileExtensions: string[]; tsConfig: string },
) => Promise<{ obj(): Record<string, string[]>; circular(): string[][] }>;
const madge = createRequire(import.meta.url)("madge") as Madge;

const graph = madge(["src", "handlers"], { fileExtensions: ["ts"], tsConfig: "tsconfig.json" });

/**
 * The layers, top first. A folder may import its own files and the folders below it, never one
 * above (or beside it, on the same rank). `docs/architecture.md` draws the same list.
 */
const LAYERS: readonly (readonly string[])[] = [
  ["handlers"],
  ["src/dev"],
  // Two clients of the API on one rank, so neither imports the other: the CLI, and the web UI
  // (browser code that esbuild bundles at package time; nothing on the server imports it).
  ["src/cli", "src/ui"],
  ["src/bundle"],
  ["src/http"],
  ["src/openapi"],
  ["src/report"],
  ["src/topology"],
  ["src/answers"],
  ["src/metrics"],
  ["src/config"],
  ["src/mesh"],
  ["src/consul"],
  ["src/kubernetes"],
  ["src/prometheus"],
  ["src/smi"],
  ["src/net"],
  ["src/errors"],
];
const RANK = new Map(LAYERS.flatMap((units, i) => units.map((unit) => [unit, LAYERS.length - i] as const)));

/** A file's unit: `src/<folder>`, `handlers`, or the file itself when it sits loose (none should). */
function unitOf(file: string): string {
  const parts = file.split("/");
  if (parts[0] === "src") return parts.length > 2 ? `src/${parts[1]}` : file;
  return parts[0] === "handlers" ? "handlers" : file;
}

/** Files outside the layers' folders, and imports that point up the layers or beside them. */
function layeringViolations(files: Record<string, string[]>): string[] {
  const wrong: string[] = [];
  for (const [file, deps] of Object.entries(files)) {
    if (file === "package.json") continue;
    if (!RANK.has(unitOf(file))) wrong.push(`${file}: in no layer`);
    for (const dep of deps) {
      const [from, to] = [unitOf(file), unitOf(dep)];
      if (from === to || dep === "package.json") continue;
      const [a, b] = [RANK.get(from), RANK.get(to)];
      if (a === undefined || b === undefined || b >= a) wrong.push(`${file} -> ${dep}`);
    }
  }
  return wrong;
}

describe("the module graph", () => {
  it("has no import cycle between files", async () => {
    expect((await graph).circular()).toEqual([]);
  });

  it("keeps every file in a layer's folder, and every import pointing down the layers", async () => {
    expect(layeringViolations((await graph).obj())).toEqual([]);
  });

  it("keeps src/smi/ the wire format: it imports nothing but errors", async () => {
    const outside = Object.entries((await graph).obj()).flatMap(([file, deps]) =>
      file.startsWith("src/smi/")
        ? deps.filter((d) => !d.startsWith("src/smi/")).map((d) => `${file} -> ${d}`)
        : [],
    );
    expect(outside.filter((edge) => !/-> src\/errors\//.test(edge))).toEqual([]);
  });

  it("finds the arrows it is there to find: up a layer, beside it, and from a loose file", () => {
    expect(
      layeringViolations({
        "src/metrics/a.ts": ["src/answers/b.ts", "src/mesh/c.ts"],
        "src/consul/d.ts": ["src/kubernetes/e.ts"],
        "src/kubernetes/e.ts": ["src/consul/d.ts"],
        "src/loose.ts": ["src/errors/f.ts"],
      }),
    ).toEqual([
      "src/metrics/a.ts -> src/answers/b.ts",
      "src/kubernetes/e.ts -> src/consul/d.ts",
      "src/loose.ts: in no layer",
      "src/loose.ts -> src/errors/f.ts",
    ]);
  });
});
