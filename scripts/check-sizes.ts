/**
 * Lists functions over 60 lines and files over 300 lines in src/ and handlers/, and exits 1 if
 * there is any: short functions and files are the house style, and `npm test` runs this.
 * A function's lines run from its first line to its last, nested functions included.
 */
import { readFileSync } from "node:fs";
import { glob } from "node:fs/promises";
import ts from "typescript";

const MAX_FUNCTION_LINES = 60;
const MAX_FILE_LINES = 300;

/**
 * Functions allowed to be longer, each with the reason. The streaming scanner is one state machine
 * over a byte loop: split, it would cost a call per byte on answers of tens of megabytes.
 */
const ALLOWED: Readonly<Record<string, string>> = {
  "src/prometheus/result-stream.ts ResultStreamReader.write": "the streaming byte scanner's hot loop",
};

/** A readable name for a function node: its own name, or the variable, property or class it sits in. */
function nameOf(node: ts.Node): string {
  const own = (node as { name?: ts.Node }).name;
  const parent = node.parent;
  let name = own !== undefined && ts.isIdentifier(own) ? own.text : undefined;
  if (name === undefined && own !== undefined && (ts.isPrivateIdentifier(own) || ts.isStringLiteral(own)))
    name = own.text;
  if (name === undefined && ts.isConstructorDeclaration(node)) name = "constructor";
  if (name === undefined && parent !== undefined) {
    if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) name = parent.name.text;
    else if (ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent))
      name = parent.name.getText();
    else name = "(anonymous)";
  }
  const owner = ts.findAncestor(node.parent, ts.isClassLike);
  return owner?.name === undefined ? (name ?? "(anonymous)") : `${owner.name.text}.${name}`;
}

function* longFunctions(file: string): Generator<string> {
  const text = readFileSync(file, "utf8");
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const lineOf = (pos: number) => source.getLineAndCharacterOfPosition(pos).line;
  const visit = function* (node: ts.Node): Generator<string> {
    if (ts.isFunctionLike(node) && "body" in node && node.body !== undefined) {
      const lines = lineOf(node.getEnd()) - lineOf(node.getStart(source)) + 1;
      const name = nameOf(node);
      if (lines > MAX_FUNCTION_LINES && ALLOWED[`${file} ${name}`] === undefined) {
        yield `${file}:${lineOf(node.getStart(source)) + 1} function ${name} is ${lines} lines (at most ${MAX_FUNCTION_LINES})`;
      }
    }
    for (const child of node.getChildren(source)) yield* visit(child);
  };
  yield* visit(source);
  const fileLines = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
  if (fileLines > MAX_FILE_LINES) yield `${file} is ${fileLines} lines (at most ${MAX_FILE_LINES})`;
}

const found: string[] = [];
for await (const file of glob(["src/**/*.ts", "handlers/**/*.ts"])) found.push(...longFunctions(file));
for (const line of found.sort()) console.log(line);
if (found.length > 0) process.exit(1);
