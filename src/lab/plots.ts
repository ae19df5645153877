/**
 * Plots: a PlotSpec (plain data) → a vega-lite spec → an SVG string, rendered headless
 * (`renderer: "none"`), so report.html needs no scripts and no network.
 */
import * as vega from "vega";
import * as vl from "vega-lite";
import type { PlotSpec, SeriesKind } from "./claim.js";

/** Dash pattern per kind of series (the legend shows it beside the colour). */
const dash: Record<SeriesKind, number[]> = { measured: [1, 0], key: [8, 4], corrected: [2, 3], exact: [12, 3, 2, 3], control: [4, 2, 1, 2], other: [1, 0] };

interface Row {
  series: string;
  kind: SeriesKind;
  x: number;
  y: number;
  lo?: number;
  hi?: number;
}

/** Plot width in SVG units; report.html scales the SVG to the page width (it keeps its viewBox). */
export const PLOT_WIDTH = 900;

/** The vega-lite spec for a plot (exported for results.json and for tests). */
export function vegaLiteSpec(p: PlotSpec): vl.TopLevelSpec {
  const rows: Row[] = [];
  for (const s of p.series) {
    for (const pt of s.points) {
      if (!Number.isFinite(pt.y) || !Number.isFinite(pt.x)) continue;
      if ((p.logY && pt.y <= 0) || (p.logX && pt.x <= 0)) continue;
      const row: Row = { series: s.name, kind: s.kind, x: pt.x, y: pt.y };
      if (pt.lo !== undefined && pt.hi !== undefined) {
        // On a log axis an error bar reaching zero or below is cut at a tenth of the value.
        row.lo = p.logY ? Math.max(pt.lo, pt.y / 10) : pt.lo;
        row.hi = pt.hi;
      }
      rows.push(row);
    }
  }
  const xScale = p.logX ? { type: "log" as const, nice: false } : { zero: false };
  const yScale = p.logY ? { type: "log" as const } : { zero: false };
  const names = p.series.map((s) => s.name);
  // one legend for colour and dash: both keyed on the series name, with the same title
  const legend = { orient: "bottom" as const, columns: 2, labelLimit: 0, symbolType: "stroke", symbolStrokeWidth: 2.5, symbolSize: 500, labelFontSize: 12 };
  const color = { field: "series", type: "nominal" as const, title: "series", scale: { domain: names }, legend };
  const strokeDash = { field: "series", type: "nominal" as const, title: "series", scale: { domain: names, range: p.series.map((s) => dash[s.kind]) }, legend };
  const x = { field: "x", type: "quantitative" as const, title: p.xTitle, scale: xScale, ...(p.xIntegers ? { axis: { format: "d", tickMinStep: 1 } } : {}) };
  const y = { field: "y", type: "quantitative" as const, title: p.yTitle, scale: yScale };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: p.title,
    width: PLOT_WIDTH,
    height: 320,
    data: { values: rows as unknown as Record<string, unknown>[] },
    layer: [
      { mark: { type: "line", strokeWidth: 2 }, encoding: { x, y, color, strokeDash } },
      {
        // measured values: filled points (closed forms are lines only)
        transform: [{ filter: "datum.kind === 'measured' || datum.kind === 'other'" }],
        mark: { type: "point", filled: true, size: 50 },
        encoding: { x, y, color },
      },
      {
        transform: [{ filter: "isValid(datum.lo)" }],
        mark: { type: "rule", strokeWidth: 1.4 },
        encoding: { x, y: { field: "lo", type: "quantitative", scale: yScale }, y2: { field: "hi" }, color },
      },
    ],
    config: { font: "Helvetica, Arial, sans-serif", view: { stroke: "#ddd" }, title: { fontSize: 14, anchor: "start" } },
  } as vl.TopLevelSpec;
}

/** Render a plot to a standalone SVG string. */
export async function renderSvg(p: PlotSpec): Promise<string> {
  const spec = vl.compile(vegaLiteSpec(p)).spec;
  const view = new vega.View(vega.parse(spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
