/** Writing the lab's report files (Node only): report.md, report.html, results.json and plots/*.svg. */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LabResult } from "./claim.js";
import { renderSvg } from "./plots.js";
import { htmlReport, markdownReport } from "./report.js";

/** Where the report was written, and its files. */
export interface WrittenReport {
  dir: string;
  files: string[];
}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** Write report.md, report.html, results.json and plots/*.svg to `dir` (Node only). */
export async function writeReport(r: LabResult, dir: string): Promise<WrittenReport> {
  mkdirSync(join(dir, "plots"), { recursive: true });
  const svgs: Record<string, string> = {};
  const plotFiles: Record<string, string> = {};
  const files: string[] = [];
  for (const p of r.problems) {
    for (const plot of p.plots) {
      const svg = await renderSvg(plot);
      svgs[plot.id] = svg;
      plotFiles[plot.id] = `plots/${plot.id}.svg`;
      writeAtomic(join(dir, plotFiles[plot.id]!), svg);
      files.push(join(dir, plotFiles[plot.id]!));
    }
  }
  for (const [name, text] of [
    ["report.md", markdownReport(r, plotFiles)],
    ["report.html", htmlReport(r, svgs)],
    ["results.json", JSON.stringify(r, null, 1) + "\n"],
  ] as const) {
    writeAtomic(join(dir, name), text);
    files.push(join(dir, name));
  }
  return { dir, files };
}
