/** A small SVG line chart (no library): one or more series of (x, y) points with axes and a legend. */
export interface Series {
  name: string;
  color: string;
  points: [number, number][];
}

const NS = "http://www.w3.org/2000/svg";

function el(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Draw `series` into `host` (replacing what was there), titled `title`, x labelled `xLabel`. */
export function lineChart(host: HTMLElement, title: string, xLabel: string, series: Series[], yRange?: [number, number]): void {
  const W = 460, H = 200, L = 48, R = 10, T = 22, B = 34;
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const x0 = Math.min(0, ...xs), x1 = Math.max(1, ...xs);
  const [y0, y1] = yRange ?? (ys.length ? [Math.min(...ys, 0), Math.max(...ys)] : [0, 1]);
  const sx = (x: number) => L + ((x - x0) / (x1 - x0 || 1)) * (W - L - R);
  const sy = (y: number) => T + (1 - (y - y0) / (y1 - y0 || 1)) * (H - T - B);
  const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, width: "100%", class: "chart", role: "img", "aria-label": `${title}: ${series.map((s) => `${s.name} ${s.points.length ? s.points[s.points.length - 1]![1].toFixed(3) : "–"}`).join(", ")}` });
  svg.append(el("text", { x: L, y: 15, "font-weight": "600" }, title));
  svg.append(el("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: "#333" }), el("line", { x1: L, y1: T, x2: L, y2: H - B, stroke: "#333" }));
  for (let i = 0; i <= 4; i++) {
    const y = y0 + ((y1 - y0) * i) / 4;
    svg.append(el("text", { x: L - 6, y: sy(y) + 4, "text-anchor": "end" }, y.toFixed(y1 - y0 < 1 ? 2 : 1)));
    svg.append(el("line", { x1: L, y1: sy(y), x2: W - R, y2: sy(y), stroke: "#e0e0e0" }));
  }
  svg.append(el("text", { x: (L + W - R) / 2, y: H - 6, "text-anchor": "middle" }, xLabel));
  svg.append(el("text", { x: L, y: H - B + 14, "text-anchor": "start" }, String(Math.round(x0))), el("text", { x: W - R, y: H - B + 14, "text-anchor": "end" }, String(Math.round(x1))));
  let lx = W - R;
  for (const s of [...series].reverse()) {
    const label = el("text", { x: lx, y: 15, "text-anchor": "end", fill: s.color }, `— ${s.name}`);
    svg.append(label);
    lx -= 12 + 8 * (s.name.length + 2);
    if (s.points.length < 1) continue;
    const d = s.points.map((p, i) => `${i ? "L" : "M"}${sx(p[0]).toFixed(1)},${sy(Math.min(y1, Math.max(y0, p[1]))).toFixed(1)}`).join("");
    svg.append(el("path", { d, fill: "none", stroke: s.color, "stroke-width": 1.8 }));
  }
  host.replaceChildren(svg);
}
