/**
 * The Lab page's worker: runs fl's lab (the same runLab as `fundl lab`), reports progress, renders
 * the plots to SVG with vega (headless, as the CLI does) and builds the CLI's HTML report.
 * Messages in: {type:"run", quick, only?, threads}. Out: {type:"progress", done, total, label},
 * {type:"done", results (results.json text), html, info}, {type:"error", message}.
 */
import { startFundl, yieldToEventLoop } from "./fundl-start.js";
import { htmlReport, renderSvg, runLab } from "../../src/lab/index.js";

// The lab yields between steps with setImmediate, which browsers lack: give it the same macrotask.
const g = globalThis as { setImmediate?: (fn: () => void) => void };
g.setImmediate ??= (fn) => void yieldToEventLoop().then(fn);

interface RunMessage {
  type: "run";
  quick: boolean;
  only?: string[];
  threads: number;
}

self.onmessage = async (e: MessageEvent<RunMessage>) => {
  const m = e.data;
  if (m.type !== "run") return;
  try {
    const info = await startFundl(m.threads);
    let last = 0;
    const result = await runLab({
      quick: m.quick,
      only: m.only,
      onProgress: (done, total, label) => {
        const now = performance.now();
        if (now - last < 50 && done < total) return;
        last = now;
        postMessage({ type: "progress", done, total, label });
      },
    });
    postMessage({ type: "progress", done: 1, total: 1, label: "drawing the plots" });
    const svgs: Record<string, string> = {};
    for (const p of result.problems) for (const plot of p.plots) svgs[plot.id] = await renderSvg(plot);
    postMessage({ type: "done", results: JSON.stringify(result, null, 1) + "\n", html: htmlReport(result, svgs), info });
  } catch (err) {
    postMessage({ type: "error", message: err instanceof Error ? err.message : String(err) });
  }
};
