/**
 * The lab's outputs as text: terminal tables, report.md and a self-contained report.html (inline
 * SVG plots, inline CSS, no scripts). Writing files is in write.ts, so this module has no Node imports.
 */
import { table } from "../cli/output.js";
import type { Claim, LabResult, LabSummary, ProblemResult } from "./claim.js";
import { correctedCell, fmtMeasured, fmtNum, fmtParams, fmtUnc, groupByStatement, pick, splitParams } from "./format.js";

export function summarize(problems: readonly ProblemResult[]): LabSummary {
  const s: LabSummary = { claims: 0, agrees: 0, disagrees: 0, correctedAgrees: 0, correctedDisagrees: 0, uncorrected: 0 };
  for (const p of problems) {
    for (const c of p.claims) {
      s.claims++;
      if (c.verdict === "agrees") s.agrees++;
      else {
        s.disagrees++;
        if (c.correctedVerdict === "agrees") s.correctedAgrees++;
        else if (c.correctedVerdict === "disagrees") s.correctedDisagrees++;
        else s.uncorrected++;
      }
    }
  }
  return s;
}

export function summaryLine(r: LabResult): string {
  const s = r.summary;
  const parts = [
    `${s.claims} claims measured in ${r.problems.length} problems (${r.seconds.toFixed(1)} s${r.quick ? ", quick" : ""}):`,
    `${s.agrees} agree with the key,`,
    `${s.disagrees} disagree`,
  ];
  if (s.disagrees > 0) {
    parts.push(`(the corrected form agrees with the measurement for ${s.correctedAgrees}, disagrees for ${s.correctedDisagrees}, none given for ${s.uncorrected})`);
  }
  let line = parts.join(" ") + ".";
  if (r.unavailable.length) line += ` Not available: ${r.unavailable.map((u) => u.id).join(", ")}.`;
  if (r.failed.length) line += ` Failed: ${r.failed.map((u) => u.id).join(", ")}.`;
  return line;
}

export interface Erratum {
  problem: string;
  statement: string;
  settings: number;
  disagree: number;
  /** Corrected forms given for the disagreeing settings, and how many of those the measurement agrees with. */
  formulas: string[];
  correctedAgrees: number;
}

/** Every statement that disagrees with the measurement at one or more settings, with its correction. */
export function errata(problems: readonly ProblemResult[]): Erratum[] {
  const out: Erratum[] = [];
  for (const p of problems) {
    for (const g of groupByStatement(p.claims)) {
      const bad = g.claims.filter((c) => c.verdict === "disagrees");
      if (!bad.length) continue;
      out.push({
        problem: p.id,
        statement: g.statement,
        settings: g.claims.length,
        disagree: bad.length,
        formulas: [...new Set(bad.filter((c) => c.correctedFormula).map((c) => c.correctedFormula!))],
        correctedAgrees: bad.filter((c) => c.correctedVerdict === "agrees").length,
      });
    }
  }
  return out;
}

function erratumLine(e: Erratum): string {
  const fix = e.formulas.length ? `corrected: ${e.formulas.join("; ")} — the measurement agrees with it at ${e.correctedAgrees} of ${e.disagree}` : "no corrected closed form given";
  return `${e.problem} ${e.statement}: disagrees at ${e.disagree} of ${e.settings} settings; ${fix}`;
}

function claimRow(c: Claim, varying: readonly string[]): string[] {
  return [c.id, fmtParams(pick(c.params, varying)), fmtNum(c.key), fmtMeasured(c), c.verdict, correctedCell(c)];
}

/** A group's rows, with the parameters common to all of them said once. */
function groupRows(claims: readonly Claim[]): { fixed: string; rows: string[][] } {
  const { fixed, varying } = splitParams(claims);
  return { fixed: fmtParams(fixed), rows: claims.map((c) => claimRow(c, varying)) };
}

const HEADER = ["id", "setting", "key", "measured ± σ", "verdict", "corrected form: verdict"];

/** The terminal report for one problem. */
export function problemText(p: ProblemResult): string {
  const out: string[] = [`${p.id} — ${p.title}  (${p.seconds.toFixed(1)} s)`];
  for (const g of groupByStatement(p.claims)) {
    const { fixed, rows } = groupRows(g.claims);
    out.push("", `  ${g.statement}`, `  criterion: ${g.claims[0]!.criterion}${fixed ? `; setting: ${fixed}` : ""}`);
    out.push(indent(table(HEADER, rows), 4));
    const formulas = [...new Set(g.claims.filter((c) => c.correctedFormula).map((c) => c.correctedFormula!))];
    for (const f of formulas) out.push(`    corrected: ${f}`);
  }
  if (p.measurements.length) {
    out.push("", "  Other measurements (no claim in the key):");
    out.push(indent(table(["quantity", "setting", "measured ± σ", "derived value", "agrees"], p.measurements.map(measurementRow)), 4));
  }
  return out.join("\n");
}

function measurementRow(m: ProblemResult["measurements"][number]): string[] {
  const unit = m.unit ? ` ${m.unit}` : "";
  return [
    m.name,
    fmtParams(m.params),
    (m.uncertainty === 0 ? fmtNum(m.value) : `${fmtNum(m.value)} ± ${fmtUnc(m.uncertainty)}`) + unit,
    m.reference !== undefined ? fmtNum(m.reference) : "",
    m.agrees === undefined ? "" : m.agrees ? "yes" : "no",
  ];
}

function indent(s: string, n: number): string {
  const pad = " ".repeat(n);
  return s
    .split("\n")
    .map((l) => pad + l)
    .join("\n");
}

export function terminalReport(r: LabResult): string {
  const out: string[] = [];
  for (const p of r.problems) out.push(problemText(p), "");
  for (const u of r.unavailable) out.push(`${u.id} — ${u.title}: not available: ${u.reason}`, "");
  for (const u of r.failed) out.push(`${u.id} — ${u.title}: FAILED: ${u.reason}`, "");
  const errs = errata(r.problems);
  if (errs.length) {
    out.push("Where the key disagrees with the measurements:");
    for (const e of errs) out.push(`  - ${erratumLine(e)}`);
    out.push("");
  }
  out.push(summaryLine(r));
  return out.join("\n");
}

// ---------------------------------------------------------------------------------------------
// Markdown
// ---------------------------------------------------------------------------------------------

function mdEscape(s: string): string {
  return s.replace(/\|/g, "\\|");
}

function mdTable(header: string[], rows: string[][]): string {
  return [`| ${header.join(" | ")} |`, `| ${header.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.map(mdEscape).join(" | ")} |`)].join("\n");
}

function preamble(r: LabResult): string[] {
  return [
    "Each claim of the seed's answer key is measured with fundl at one or more settings.",
    `A statistical measurement agrees with a value when they differ by at most ${r.sigmas} standard errors (σ);`,
    "an exact quantity (a count, a floating-point identity) agrees within the tolerance stated with it.",
    "Where the key disagrees with the measurement, the experiment derives a corrected closed form and applies the same test to it.",
  ];
}

/** report.md; plots are referenced as files under plots/. */
export function markdownReport(r: LabResult, plotFiles: Record<string, string>): string {
  const out: string[] = ["# fundl lab — the seed's results, measured", "", preamble(r).join(" "), "", `**Summary.** ${summaryLine(r)}`, ""];
  out.push(
    mdTable(
      ["problem", "claims", "agree", "disagree", "corrected form agrees", "seconds"],
      r.problems.map((p) => {
        const s = summarize([p]);
        return [`${p.id} ${p.title}`, String(s.claims), String(s.agrees), String(s.disagrees), String(s.correctedAgrees), p.seconds.toFixed(1)];
      }),
    ),
    "",
  );
  for (const u of r.unavailable) out.push(`- **${u.id} ${u.title}: not available** — ${u.reason}`);
  for (const u of r.failed) out.push(`- **${u.id} ${u.title}: failed** — ${u.reason}`);
  const errs = errata(r.problems);
  if (errs.length) {
    out.push("", "**Where the key disagrees with the measurements:**", "");
    for (const e of errs) out.push(`- ${erratumLine(e)}`);
  }
  for (const p of r.problems) {
    out.push("", `## ${p.id} — ${p.title}`, "", p.setup, "");
    for (const g of groupByStatement(p.claims)) {
      const { fixed, rows } = groupRows(g.claims);
      out.push(`**${g.statement}** — criterion: ${g.claims[0]!.criterion}${fixed ? `; setting: ${fixed}` : ""}`, "");
      out.push(mdTable(HEADER, rows), "");
      for (const f of new Set(g.claims.filter((c) => c.correctedFormula).map((c) => c.correctedFormula!))) out.push(`Corrected form: ${f}`, "");
      const notes = [...new Set(g.claims.map((c) => c.note).filter((n) => n))];
      for (const n of notes) out.push(`- ${n}`);
      if (notes.length) out.push("");
    }
    if (p.measurements.length) {
      out.push("Other measurements (the key makes no claim about these):", "");
      out.push(mdTable(["quantity", "setting", "measured ± σ", "derived value", "agrees"], p.measurements.map(measurementRow)), "");
      for (const f of new Set(p.measurements.filter((m) => m.referenceFormula).map((m) => `${m.name}: ${m.referenceFormula}`))) out.push(`- ${f}`);
      out.push("");
    }
    for (const plot of p.plots) if (plotFiles[plot.id]) out.push(`![${plot.title}](${plotFiles[plot.id]})`, "");
  }
  return out.join("\n");
}

// ---------------------------------------------------------------------------------------------
// HTML
// ---------------------------------------------------------------------------------------------

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function htmlTable(header: string[], rows: string[][], verdictCols: number[] = []): string {
  const th = header.map((h) => `<th>${esc(h)}</th>`).join("");
  const trs = rows
    .map((r) => `<tr>${r.map((v, i) => `<td${verdictCols.includes(i) ? ` class="${/disagrees|: disagrees/.test(v) ? "bad" : /agrees/.test(v) ? "good" : ""}"` : ""}>${esc(v)}</td>`).join("")}</tr>`)
    .join("\n");
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${trs}\n</tbody></table>`;
}

const CSS = `body{font-family:Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.4}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:13px}th,td{border:1px solid #ccc;padding:3px 7px;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.good{background:#e6f4e6}td.bad{background:#fbe3e3}.stmt{font-weight:bold;margin-top:1.2em}
.crit{color:#666;font-size:12px}.note{color:#444;font-size:13px}.plots{display:flex;flex-wrap:wrap;gap:1em}code{background:#f5f5f5}`;

/** report.html: one self-contained file with the tables and the plots as inline SVG. */
export function htmlReport(r: LabResult, svgs: Record<string, string>): string {
  const out: string[] = [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8"><title>fundl lab report</title>',
    `<style>${CSS}</style></head><body>`,
    "<h1>fundl lab — the seed's results, measured</h1>",
    `<p>${esc(preamble(r).join(" "))}</p>`,
    `<p><b>Summary.</b> ${esc(summaryLine(r))}</p>`,
  ];
  out.push(
    htmlTable(
      ["problem", "claims", "agree", "disagree", "corrected form agrees", "seconds"],
      r.problems.map((p) => {
        const s = summarize([p]);
        return [`${p.id} ${p.title}`, String(s.claims), String(s.agrees), String(s.disagrees), String(s.correctedAgrees), p.seconds.toFixed(1)];
      }),
    ),
  );
  if (r.unavailable.length || r.failed.length) {
    out.push("<ul>");
    for (const u of r.unavailable) out.push(`<li><b>${esc(u.id)} ${esc(u.title)}: not available</b> — ${esc(u.reason)}</li>`);
    for (const u of r.failed) out.push(`<li><b>${esc(u.id)} ${esc(u.title)}: failed</b> — ${esc(u.reason)}</li>`);
    out.push("</ul>");
  }
  const errs = errata(r.problems);
  if (errs.length) out.push("<p><b>Where the key disagrees with the measurements:</b></p>", `<ul class="note">${errs.map((e) => `<li>${esc(erratumLine(e))}</li>`).join("")}</ul>`);
  for (const p of r.problems) {
    out.push(`<h2 id="${esc(p.id)}">${esc(p.id)} — ${esc(p.title)}</h2>`, `<p>${esc(p.setup)}</p>`);
    for (const g of groupByStatement(p.claims)) {
      const { fixed, rows } = groupRows(g.claims);
      out.push(`<div class="stmt">${esc(g.statement)}</div><div class="crit">criterion: ${esc(g.claims[0]!.criterion)}${fixed ? `; setting: ${esc(fixed)}` : ""}</div>`);
      out.push(htmlTable(HEADER, rows, [4, 5]));
      for (const f of new Set(g.claims.filter((c) => c.correctedFormula).map((c) => c.correctedFormula!))) out.push(`<p class="note">Corrected form: <code>${esc(f)}</code></p>`);
      const notes = [...new Set(g.claims.map((c) => c.note).filter((n) => n))];
      if (notes.length) out.push(`<ul class="note">${notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>`);
    }
    if (p.measurements.length) {
      out.push("<p>Other measurements (the key makes no claim about these):</p>");
      out.push(htmlTable(["quantity", "setting", "measured ± σ", "derived value", "agrees"], p.measurements.map(measurementRow)));
      const fs = [...new Set(p.measurements.filter((m) => m.referenceFormula).map((m) => `${m.name}: ${m.referenceFormula}`))];
      if (fs.length) out.push(`<ul class="note">${fs.map((f) => `<li>${esc(f)}</li>`).join("")}</ul>`);
    }
    const plots = p.plots.filter((pl) => svgs[pl.id]);
    if (plots.length) out.push(`<div class="plots">${plots.map((pl) => `<figure>${svgs[pl.id]}</figure>`).join("\n")}</div>`);
  }
  out.push(`<p class="crit">Generated by <code>fundl lab${r.quick ? " --quick" : ""}</code> in ${r.seconds.toFixed(1)} s.</p>`, "</body></html>");
  return out.join("\n");
}

export { fmtNum, fmtUnc };
