import { s } from "./dom";

const WIDTH = 96;
const HEIGHT = 20;

/**
 * A small line of one number over the range (gaps where it is null), with its first, last and
 * highest values in words for anyone who cannot see it.
 */
export function sparkline(
  values: readonly (number | null)[],
  describe: (v: number) => string,
): SVGSVGElement {
  const known = values.filter((v): v is number => v !== null);
  const max = Math.max(...known, 0);
  const x = (i: number) => ((i / Math.max(values.length - 1, 1)) * WIDTH).toFixed(1);
  const y = (v: number) => (HEIGHT - 1 - (max === 0 ? 0 : (v / max) * (HEIGHT - 2))).toFixed(1);
  const runs: string[][] = [[]];
  values.forEach((v, i) => {
    if (v === null) runs.push([]);
    else runs.at(-1)?.push(`${x(i)},${y(v)}`);
  });
  const first = known[0];
  const last = known.at(-1);
  const words =
    first === undefined || last === undefined
      ? "no traffic in the range"
      : `from ${describe(first)} to ${describe(last)}, at most ${describe(max)}`;
  return s(
    "svg",
    {
      class: "spark",
      width: WIDTH,
      height: HEIGHT,
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
      role: "img",
      "aria-label": words,
    },
    s("title", {}, words),
    ...runs.filter((r) => r.length > 0).map((points) => s("polyline", { points: points.join(" ") })),
  );
}
