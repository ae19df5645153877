/**
 * `fundl lab [--only P1,P4] [--quick] [--out DIR] [--json]`: measure every result of the seed document
 * and write report.md, report.html (plots as inline SVG) and results.json to DIR (default lab-report/).
 * Exits non-zero when a problem fails, a negative control is accepted or a statement stays unresolved.
 */
import type { Command } from "commander";
import { runLab } from "../lab/index.js";
import { controlsAccepted, terminalReport } from "../lab/report.js";
import { writeReport } from "../lab/write.js";
import { printJsonLine } from "./output.js";
import cliProgress from "cli-progress";

export interface LabCliOptions {
  only?: string;
  quick?: boolean;
  out?: string;
  json?: boolean;
}

export async function runLabCommand(options: LabCliOptions): Promise<void> {
  const only = options.only?.split(",");
  // the bar goes to standard error, and only to a terminal (or when FUNDL_PROGRESS=1), as for other verbs
  const show = process.stderr.isTTY || process.env.FUNDL_PROGRESS === "1";
  let bar: cliProgress.SingleBar | null = null;
  const result = await runLab({
    only,
    quick: options.quick,
    onProgress: (done, total, label) => {
      if (!show) return;
      if (!bar) {
        bar = new cliProgress.SingleBar(
          { format: "lab [{bar}] {value}/{total} {percentage}% {label}", stream: process.stderr, hideCursor: true, noTTYOutput: !process.stderr.isTTY, notTTYSchedule: 5000 },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, done, { label });
      } else bar.update(done, { label });
    },
  });
  (bar as cliProgress.SingleBar | null)?.stop();
  const out = options.out ?? "lab-report";
  const written = await writeReport(result, out);
  const json = {
    problems: result.problems.map((p) => ({ id: p.id, title: p.title, statements: p.statements, claims: p.claims })),
    unavailable: result.unavailable,
    failed: result.failed,
    summary: result.summary,
    quick: result.quick,
    seconds: result.seconds,
    report: written.dir,
  };
  if (options.json) {
    process.stderr.write(`lab: report written to ${written.dir}/ (report.md, report.html, results.json)\n`);
    printJsonLine(json);
  } else {
    console.log(terminalReport(result));
    console.log(`\nReport: ${written.dir}/report.html, ${written.dir}/report.md, ${written.dir}/results.json`);
  }
  // a failed problem, an accepted negative control or an unresolved statement is a defect of the lab
  const accepted = controlsAccepted(result);
  if (accepted.length) process.stderr.write(`lab: ${accepted.length} negative control(s) ACCEPTED: ${accepted.map((a) => `${a.statement}: ${a.control.alternative}`).join("; ")}\n`);
  if (result.failed.length || accepted.length || result.summary.verdicts["unresolved"] > 0) process.exitCode = 1;
}

export function registerLab(program: Command): void {
  program
    .command("lab")
    .description("reproduce every result of the seed document by measurement, and write a report")
    .option("--only <ids>", "run a subset of the problems, e.g. P1,P4")
    .option("--quick", "a smaller version of every experiment (seconds)")
    .option("--out <dir>", "where to write report.md, report.html and results.json", "lab-report")
    .option("--json", "end with one JSON line of results")
    .action(async (options: LabCliOptions) => {
      await runLabCommand(options);
    });
}
