/**
 * Plots: a PlotSpec (plain data) → a vega-lite spec → an SVG string, rendered headless
 * (`renderer: "none"`), so report.html needs no scripts and no network.
 */
import * as vega from "vega";
import * as vl from "vega-lite";
import type { PlotSpec, SeriesKind } from "./claim.js";

const dash: Record<SeriesKind, number[]> = { measured: [1, 0], key: [6, 4], corrected: [2, 2], other: [1, 0] };

interface Row {
  series: string;
  kind: SeriesKind;
  x: number;
  y: number;
  lo?: number;
  hi?: number;
}

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
  const xScale = p.logX ? { type: "log" as const } : { zero: false };
  const yScale = p.logY ? { type: "log" as const } : { zero: false };
  const names = p.series.map((s) => s.name);
  const color = { field: "series", type: "nominal" as const, title: null, scale: { domain: names }, legend: { orient: "bottom" as const, columns: 2, labelLimit: 360 } };
  const x = { field: "x", type: "quantitative" as const, title: p.xTitle, scale: xScale, ...(p.xIntegers ? { axis: { format: "d", tickMinStep: 1 } } : {}) };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: p.title,
    width: 460,
    height: 260,
    data: { values: rows as unknown as Record<string, unknown>[] },
    layer: [
      {
        // closed forms: lines only, dashed for the key, dotted for a corrected form
        transform: [{ filter: "datum.kind !== 'measured'" }],
        mark: { type: "line", strokeWidth: 1.8 },
        encoding: {
          x,
          y: { field: "y", type: "quantitative", title: p.yTitle, scale: yScale },
          color,
          strokeDash: { field: "kind", type: "nominal", scale: { domain: Object.keys(dash), range: Object.values(dash) }, legend: null },
        },
      },
      {
        // measurements: points joined by a thin line
        transform: [{ filter: "datum.kind === 'measured'" }],
        mark: { type: "line", point: { filled: true, size: 45 }, strokeWidth: 1, opacity: 0.9 },
        encoding: { x, y: { field: "y", type: "quantitative", title: p.yTitle, scale: yScale }, color },
      },
      {
        transform: [{ filter: "isValid(datum.lo)" }],
        mark: { type: "rule", strokeWidth: 1.4 },
        encoding: { x, y: { field: "lo", type: "quantitative", scale: yScale }, y2: { field: "hi" }, color },
      },
    ],
    config: { font: "Helvetica, Arial, sans-serif", view: { stroke: "#ddd" } },
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
