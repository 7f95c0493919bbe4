/**
 * Lines of cells laid out as kubectl lays out a table: each column as wide as its widest cell plus
 * three spaces, the last column not padded, so no line ends in spaces.
 */
export function layoutTable(lines: readonly (readonly string[])[]): string {
  const widths = lines[0]?.map((_, c) => Math.max(...lines.map((line) => (line[c] ?? "").length))) ?? [];
  const laid = lines.map((line) =>
    line.map((cell, c) => (c === line.length - 1 ? cell : cell.padEnd((widths[c] ?? 0) + 3))).join(""),
  );
  return `${laid.join("\n")}\n`;
}
