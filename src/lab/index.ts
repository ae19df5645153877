/**
 * The lab: every result of the seed document (the TTIC 31230 midterm and its answer key) measured
 * with fundl. `runLab()` runs the experiments and returns their records; `writeReport()` (write.ts,
 * Node only) writes report.md, report.html and results.json; `fundl lab` is the command line.
 */
import type { Claim, LabResult, ProblemResult, Unavailable } from "./claim.js";
import type { LabContext, Problem } from "./problem.js";
import { summarize } from "./report.js";
import type { Statement } from "./statement.js";
import { SIGMAS } from "./verdict.js";
import { p1 } from "./p1-conv-cost.js";
import { p2 } from "./p2-ugrnn.js";
import { p3 } from "./p3-entropy.js";
import { p4 } from "./p4-pseudolikelihood.js";
import { p5 } from "./p5-residual.js";
import { p6 } from "./p6-sgd.js";

export type { Claim, LabResult, LabSummary, Measurement, PlotSpec, ProblemResult, Unavailable, Verdict } from "./claim.js";
export type { LabContext, Problem } from "./problem.js";
export { decide, checkSet, limitFit, controlByChecks, controlByLimit, VERDICTS, FAMILY_ALPHA } from "./statement.js";
export type { Statement, StatementVerdict, StatementKind, StatementInput, Check, CheckSet, CheckTest, Control, Correction, Reading, LimitFit, LimitPoint } from "./statement.js";
export { coverage, PARTS } from "./coverage.js";
export type { PartCoverage } from "./coverage.js";
export { makeClaim, judge, describeTest, SIGMAS } from "./verdict.js";
export type { Test, ClaimInput } from "./verdict.js";
export { summarize, summaryLine, terminalReport, problemText, markdownReport, htmlReport, errata, controlsAccepted } from "./report.js";
export type { Erratum } from "./report.js";
export { renderSvg, vegaLiteSpec } from "./plots.js";
export { meanSe, quadrature, maxAbsDiff, relDiff } from "./stats.js";

/** The experiments, in the seed's order. */
export const problems: readonly Problem[] = [p1, p2, p3, p4, p5, p6];

/** Problems of the seed that this build cannot run, with the reason (shown in every report). */
export const unavailable: readonly Unavailable[] = [
];

/** Options of `runLab`. */
export interface LabOptions {
  /** Problem ids to run (default: all). */
  only?: readonly string[];
  quick?: boolean;
  /** Called as work progresses: done and total units, and a label. */
  onProgress?: (done: number, total: number, label: string) => void;
}

/** Parse and check a list of problem ids ("P1,p4" → ["P1","P4"]), naming any unknown one. */
export function selectProblems(only?: readonly string[]): { run: Problem[]; skipped: Unavailable[] } {
  const known = new Set([...problems.map((p) => p.id), ...unavailable.map((u) => u.id)]);
  const want = only?.map((s) => s.trim().toUpperCase()).filter((s) => s !== "");
  if (want) {
    const bad = want.filter((id) => !known.has(id));
    if (bad.length) throw new Error(`lab: unknown problem ${bad.join(", ")}; the problems are ${[...known].sort().join(", ")}`);
  }
  const pick = (id: string) => !want || want.includes(id);
  return { run: problems.filter((p) => pick(p.id)), skipped: unavailable.filter((u) => pick(u.id)) };
}

/** Yield to the event loop (so a progress bar redraws, or a Web Worker can post progress); exists in Node and browsers. */
function yieldNow(): Promise<void> {
  return new Promise((r) => setTimeout(r, 0));
}

/** The key's per-setting checks of a problem's statements, as first-edition claim records. */
export function claimsOf(statements: readonly Statement[]): Claim[] {
  const out: Claim[] = [];
  for (const s of statements) {
    const set = s.checks ?? s.reading?.checks;
    if (!set) continue;
    set.checks.forEach((c, i) => {
      const fix = s.correction?.checks.checks[i];
      out.push({
        id: `${s.id}#${i + 1}`,
        statement: `${s.id}: ${set.formula}`,
        params: c.params,
        key: c.value,
        measured: Number.isFinite(c.measured) ? c.measured : null,
        uncertainty: c.uncertainty,
        verdict: c.agrees ? "agrees" : "disagrees",
        corrected: !c.agrees && fix ? fix.value : null,
        correctedVerdict: !c.agrees && fix ? (fix.agrees ? "agrees" : "disagrees") : null,
        note: s.why,
        criterion: set.criterion,
        ...(!c.agrees && fix && s.correction ? { correctedFormula: s.correction.line, correctedMeasured: fix.measured } : {}),
      });
    });
  }
  return out;
}

/** Run the experiments (all, or `only`) and return their statements, verdicts and plots. Browser-safe. */
export async function runLab(options: LabOptions = {}): Promise<LabResult> {
  const quick = options.quick ?? false;
  const { run, skipped } = selectProblems(options.only);
  const total = run.reduce((s, p) => s + p.steps(quick), 0);
  let done = 0;
  const t0 = performance.now();
  const results: ProblemResult[] = [];
  const failed: Unavailable[] = [];
  for (const p of run) {
    const planned = p.steps(quick);
    let mine = 0;
    const ctx: LabContext = {
      quick,
      async tick(label) {
        if (mine < planned) (mine++, done++);
        options.onProgress?.(done, total, label ?? p.id);
        await yieldNow();
      },
    };
    options.onProgress?.(done, total, p.id);
    const ts = performance.now();
    try {
      const out = await p.run(ctx);
      results.push({ id: p.id, title: p.title, seconds: (performance.now() - ts) / 1000, ...out, claims: claimsOf(out.statements) });
    } catch (err) {
      failed.push({ id: p.id, title: p.title, reason: err instanceof Error ? err.message : String(err) });
    }
    done += planned - mine;
    options.onProgress?.(done, total, p.id);
  }
  return {
    problems: results,
    unavailable: skipped,
    failed,
    quick,
    seconds: (performance.now() - t0) / 1000,
    sigmas: SIGMAS,
    summary: summarize(results),
  };
}
