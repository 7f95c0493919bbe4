import { h } from "./dom";

/** One column: its heading, its cell, and the value it sorts by (null sorts last either way). */
export interface Column<Row> {
  readonly label: string;
  readonly cell: (row: Row) => Node | string;
  readonly sort?: (row: Row) => number | string | null;
  /** Right-aligned figures. */
  readonly numeric?: boolean;
}

type Direction = "ascending" | "descending";

function compare(a: number | string | null, b: number | string | null, direction: Direction): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  const order = typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b));
  return direction === "ascending" ? order : -order;
}

/**
 * A table whose sortable headings are buttons (so a keyboard sorts it as a mouse does) and say
 * their order in `aria-sort` and in words. Rows are drawn again on each sort; cells are text or
 * nodes the caller built with the text-only helpers.
 */
export function sortableTable<Row>(
  caption: string,
  columns: readonly Column<Row>[],
  rows: readonly Row[],
  initial?: { column: number; direction: Direction },
): HTMLTableElement {
  let sorted = initial;
  const body = h("tbody");
  const headings = columns.map((column, i) =>
    h(
      "th",
      { scope: "col", class: column.numeric ? "num" : undefined },
      column.sort === undefined
        ? column.label
        : h("button", { type: "button", class: "sort", onclick: () => sortBy(i) }, column.label),
    ),
  );
  const draw = () => {
    const order = sorted;
    const sortKey = order === undefined ? undefined : columns[order.column]?.sort;
    const shown =
      order === undefined || sortKey === undefined
        ? rows
        : [...rows].sort((a, b) => compare(sortKey(a), sortKey(b), order.direction));
    headings.forEach((th, i) => {
      const state = order?.column === i ? order.direction : undefined;
      if (state === undefined) th.removeAttribute("aria-sort");
      else th.setAttribute("aria-sort", state);
      const button = th.querySelector("button");
      button?.setAttribute("title", state === undefined ? "sort" : `sorted ${state}; press to reverse`);
      button?.setAttribute("data-sorted", state ?? "");
    });
    body.replaceChildren(
      ...shown.map((row) =>
        h("tr", {}, ...columns.map((c) => h("td", { class: c.numeric ? "num" : undefined }, c.cell(row)))),
      ),
    );
  };
  // A figure sorts largest first, a name from A; the same heading again reverses.
  const sortBy = (column: number) => {
    const direction: Direction =
      sorted?.column === column
        ? sorted.direction === "descending"
          ? "ascending"
          : "descending"
        : columns[column]?.numeric
          ? "descending"
          : "ascending";
    sorted = { column, direction };
    draw();
  };
  draw();
  return h(
    "table",
    { class: "data" },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, ...headings)),
    body,
  );
}
