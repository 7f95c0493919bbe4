import uPlot from "uplot";
import { h } from "./dom";

/**
 * Okabe and Ito's colour-blind-safe palette, each with its own dash pattern, so lines differ in
 * shape as well as colour; the legend names each line in words.
 */
const STYLES: readonly { readonly stroke: string; readonly dash: number[] }[] = [
  { stroke: "#0072B2", dash: [] },
  { stroke: "#E69F00", dash: [8, 4] },
  { stroke: "#009E73", dash: [2, 3] },
  { stroke: "#CC79A7", dash: [10, 3, 2, 3] },
  { stroke: "#D55E00", dash: [4, 4] },
  { stroke: "#56B4E9", dash: [1, 2] },
];

/** One line of a chart: its name and its value at each point (null where there was nothing). */
export interface Line {
  readonly label: string;
  readonly values: readonly (number | null)[];
  /** A reference line (a configured weight): thin and dotted, in the colour of the line it belongs to. */
  readonly reference?: number;
}

/**
 * The charts on the page. Each listens on the window (resize, scroll, pixel ratio) until destroyed,
 * so a view drawn again, on every refresh, first destroys the ones it replaces.
 */
const live = new Set<uPlot>();

/** The charts alive now, to destroy once a new rendering has replaced them. */
export const chartsNow = (): readonly object[] => [...live];

export function destroyCharts(charts: readonly object[]): void {
  for (const plot of live) {
    if (!charts.includes(plot)) continue;
    plot.destroy();
    live.delete(plot);
  }
}

const chartWidth = () => Math.max(320, Math.min(720, document.documentElement.clientWidth - 48));

/** The last known value of each line in words: what the chart says for those who cannot see it. */
function summary(lines: readonly Line[], format: (v: number) => string): string {
  return lines
    .map((line) => {
      const last = [...line.values].reverse().find((v) => v !== null);
      return `${line.label}: ${last === undefined || last === null ? "no data" : format(last)} at the end`;
    })
    .join("; ");
}

/**
 * A time-series chart (uPlot, drawn on a canvas) in a figure with a caption, its legend, and a
 * sentence of the lines' last values. `times` are Unix seconds.
 */
export function timeChart(
  title: string,
  times: readonly number[],
  lines: readonly Line[],
  format: (v: number) => string,
  options: { readonly percent?: boolean } = {},
): HTMLElement {
  const plot = h("div", { class: "plot" });
  const series: uPlot.Series[] = [{}];
  const data: (number | null)[][] = [[...times]];
  lines.forEach((line, i) => {
    const style = STYLES[i % STYLES.length] ?? { stroke: "#000000", dash: [] };
    series.push({
      label: line.label,
      stroke: style.stroke,
      dash: style.dash,
      width: 2,
      value: (_u, v) => (v == null ? "-" : format(v)),
    });
    data.push([...line.values]);
    if (line.reference !== undefined) {
      series.push({
        label: `${line.label} (configured)`,
        stroke: style.stroke,
        dash: [1, 4],
        width: 1,
        value: (_u, v) => (v == null ? "-" : format(v)),
      });
      data.push(times.map(() => line.reference ?? null));
    }
  });
  const chart = new uPlot(
    {
      width: chartWidth(),
      height: 200,
      series,
      axes: [{}, { values: (_u, ticks) => ticks.map(format), size: 80 }],
      // A percentage never goes past 100; below, the scale starts near the lowest value so 99.0
      // and 99.9 stay apart.
      ...(options.percent
        ? { scales: { y: { range: (_u, min) => [Math.max(0, Math.floor(Math.min(min, 99)) - 1), 100] } } }
        : {}),
      cursor: { drag: { x: false, y: false } },
    },
    data as uPlot.AlignedData,
    plot,
  );
  live.add(chart);
  return h(
    "figure",
    { class: "chart" },
    h("figcaption", {}, title),
    plot,
    h("p", { class: "summary" }, summary(lines, format)),
  );
}
