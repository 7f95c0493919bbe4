import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The README and whatever the docs folder holds, as [path, text], paths relative to the repo. */
export function markdownDocs(): [string, string][] {
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
