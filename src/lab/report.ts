/**
 * The lab's outputs as text: the terminal report, report.md and a self-contained report.html (inline
 * SVG plots, inline CSS, no scripts). The first screen has one row per statement of the key; errata
 * follow as cards (key's line | corrected line | reason | measurement | plot); then the coverage map
 * and, per problem, every statement's settings, fits and negative controls. Writing files is in
 * write.ts, so this module has no Node imports (the web app renders reports with it).
 */
import { table } from "../cli/output.js";
import type { LabResult, LabSummary, Measurement, ProblemResult } from "./claim.js";
import { coverage } from "./coverage.js";
import { fmtNum, fmtParams, fmtUnc } from "./format.js";
import { VERDICTS, type CheckSet, type Control, type LimitFit, type Statement, type StatementVerdict } from "./statement.js";

/** Counts over statements and controls (and the first edition's per-setting claims). */
export function summarize(problems: readonly ProblemResult[]): LabSummary {
  const verdicts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<StatementVerdict, number>;
  let controls = 0;
  let accepted = 0;
  for (const p of problems)
    for (const s of p.statements) {
      verdicts[s.verdict]++;
      controls += s.controls.length;
      accepted += s.controls.filter((c) => !c.rejected).length;
    }
  const claims = problems.flatMap((p) => p.claims);
  const dis = claims.filter((c) => c.verdict === "disagrees");
  return {
    statements: problems.reduce((n, p) => n + p.statements.length, 0),
    verdicts,
    errata: verdicts["erratum (typo)"] + verdicts["erratum (substantive)"],
    typos: verdicts["erratum (typo)"],
    substantive: verdicts["erratum (substantive)"],
    controls,
    controlsAccepted: accepted,
    untestedParts: coverage(problems)
      .filter((c) => !c.tested)
      .map((c) => `${c.problem}${c.part ? `(${c.part})` : ""}`),
    claims: claims.length,
    agrees: claims.length - dis.length,
    disagrees: dis.length,
    correctedAgrees: dis.filter((c) => c.correctedVerdict === "agrees").length,
    correctedDisagrees: dis.filter((c) => c.correctedVerdict === "disagrees").length,
    uncorrected: dis.filter((c) => c.correctedVerdict === null).length,
  };
}

/** Every negative control that was accepted (each is a defect of the lab), with its statement. */
export function controlsAccepted(r: LabResult): { statement: string; control: Control }[] {
  return r.problems.flatMap((p) => p.statements.flatMap((s) => s.controls.filter((c) => !c.rejected).map((control) => ({ statement: s.id, control }))));
}

/** The statement-level summary in one line. */
export function summaryLine(r: LabResult): string {
  const s = r.summary;
  const v = s.verdicts;
  const parts = [`${v["confirmed"]} confirmed`, `${v["confirmed to leading order"]} to leading order`, `${s.errata} errata (${s.typos} typo, ${s.substantive} substantive)`, `${v["notation"]} notation`];
  if (v["not tested"]) parts.push(`${v["not tested"]} not tested`);
  if (v["unresolved"]) parts.push(`${v["unresolved"]} UNRESOLVED`);
  let line = `${s.statements} statements: ${parts.join(", ")}; ${s.controls} negative controls, ${s.controlsAccepted ? `${s.controlsAccepted} ACCEPTED (a defect of the lab)` : "all rejected"} (${r.seconds.toFixed(1)} s${r.quick ? ", quick" : ""}).`;
  if (s.untestedParts.length) line += ` Parts without a tested statement: ${s.untestedParts.join(", ")}.`;
  if (r.unavailable.length) line += ` Not available: ${r.unavailable.map((u) => u.id).join(", ")}.`;
  if (r.failed.length) line += ` Failed: ${r.failed.map((u) => u.id).join(", ")}.`;
  return line;
}

/** One erratum of the key, with its evidence. */
export interface Erratum {
  problem: string;
  id: string;
  verdict: StatementVerdict;
  /** The key's line, verbatim. */
  key: string;
  corrected: string;
  reason: string;
  measurement: string;
  plots: string[];
  /** First edition's fields, kept for readers of old results: the statement text and the corrected form. */
  statement: string;
  formulas: string[];
}

/** Every statement whose verdict is an erratum, in the key's order. */
export function errata(problems: readonly ProblemResult[]): Erratum[] {
  return problems.flatMap((p) =>
    p.statements
      .filter((s) => s.verdict.startsWith("erratum"))
      .map((s) => ({ problem: p.id, id: s.id, verdict: s.verdict, key: s.key, corrected: s.correction!.line, reason: s.correction!.reason, measurement: s.measurement, plots: s.plots, statement: s.key, formulas: [s.correction!.line] })),
  );
}

/** The key's LaTeX made a little easier to read in plain text (the verbatim text is kept in results.json). */
export function plainKey(tex: string): string {
  const W = "(?![a-zA-Z])";
  let t = tex.replace(/\$\$/g, " ").replace(/\$/g, "");
  t = t.replace(/\\(begin|end)\{(aligned|cases)\}|&/g, " ").replace(/\\\\/g, ";");
  t = t.replace(/\\text\{([^}]*)\}/g, "$1").replace(/\\operatorname\{([^}]*)\}/g, "$1").replace(/\\mathbb\{1\}/g, "𝟙");
  t = t.replace(/\\hat\{(\\?\w+)\}/g, "$1\u0302").replace(/\\tilde\{(\\?\w+)\}/g, "$1\u0303");
  for (const [k, v] of Object.entries(SYMBOLS)) t = t.replace(new RegExp(`\\\\${k}${W}`, "g"), v);
  t = t.replace(/\\(left|right)/g, "").replace(/\\\|/g, "‖").replace(/\\[,;!]/g, " ");
  for (let i = 0; i < 3; i++) t = t.replace(/\\frac\{([^{}]*)\}\{([^{}]*)\}/g, "($1)/($2)").replace(/\\sqrt\{([^{}]*)\}/g, "√($1)");
  return t.replace(/\s+/g, " ").trim();
}
const SYMBOLS: Record<string, string> = {
  sigma: "σ", epsilon: "ε", eta: "η", Phi: "Φ", Delta: "Δ", ell: "ℓ", pi: "π", odot: "⊙", top: "ᵀ", sim: "∼", approx: "≈", rightarrow: "→", mid: "|",
  doteq: "≐", sum: "Σ", prod: "∏", ln: "ln", tanh: "tanh", cdot: "·", lfloor: "⌊", rfloor: "⌋", nabla: "∇", infty: "∞",
};

function shorten(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, n - 1) + "…";
}

const VERDICT_MARK: Record<StatementVerdict, string> = {
  confirmed: "confirmed",
  "confirmed to leading order": "to leading order",
  "erratum (typo)": "ERRATUM (typo)",
  "erratum (substantive)": "ERRATUM (substantive)",
  notation: "notation",
  "not tested": "not tested",
  unresolved: "UNRESOLVED",
};

function controlsCell(s: Statement): string {
  const n = s.controls.length;
  const rej = s.controls.filter((c) => c.rejected).length;
  return n === 0 ? "none" : rej === n ? `${rej}/${n} rejected` : `${n - rej} ACCEPTED`;
}

function checkRows(set: CheckSet): string[][] {
  return set.checks.map((c) => [fmtParams(c.params), fmtNum(c.value), c.uncertainty ? `${fmtNum(c.measured)} ± ${fmtUnc(c.uncertainty)}` : fmtNum(c.measured), c.z === null ? "" : Number.isFinite(c.z) ? c.z.toFixed(1) : String(c.z), c.agrees ? "agrees" : "disagrees"]);
}
const CHECK_HEADER = ["setting", "formula", "measured ± σ", "z", "verdict"];

function limitRows(f: LimitFit): string[][] {
  return f.points.map((p) => [fmtNum(p.s), `${fmtNum(p.rel)} ± ${fmtUnc(p.se)}`, p.predicted === undefined ? "" : fmtNum(p.predicted)]);
}
const LIMIT_HEADER = ["small parameter", "relative error ± σ", "predicted"];

function limitText(f: LimitFit): string {
  const coef = f.coef.map((c, k) => `c${k} = ${fmtNum(c)} ± ${fmtUnc(f.coefSe[k]!)}`).join(", ");
  const pred = f.predicted ? `; against the predicted ${f.predicted.formula}: χ² = ${f.predicted.chi2.toFixed(2)} for ${f.predicted.dof} points (p = ${f.predicted.pValue.toPrecision(2)}, ${f.predicted.agrees ? "agrees" : "DISAGREES"})` : "";
  return `fit rel = Σ c_k·s^k (degree ${f.degree}) in ${f.parameter}: ${coef}; χ²/dof = ${f.chi2.toFixed(2)}/${f.dof} (p = ${f.pValue.toPrecision(2)}); intercept ${f.interceptZero ? "consistent with 0" : "NOT 0"}, error ${f.shrinks ? "shrinks" : "does NOT shrink"} → leading order ${f.holds ? "holds" : "fails"}${pred}`;
}

function controlLine(c: Control): string {
  const how = c.limit ? `intercept ${fmtNum(c.limit.coef[0]!)} ± ${fmtUnc(c.limit.coefSe[0]!)}` : c.checks ? `${c.checks.checks.filter((k) => !k.agrees).length} of ${c.checks.checks.length} settings disagree` : "";
  return `${c.rejected ? "rejected" : "ACCEPTED"}: ${c.alternative} — ${c.why} (${how})`;
}

function measurementRow(m: Measurement): string[] {
  const unit = m.unit ? ` ${m.unit}` : "";
  return [
    m.name,
    fmtParams(m.params),
    (m.uncertainty === 0 ? fmtNum(m.value) : `${fmtNum(m.value)} ± ${fmtUnc(m.uncertainty)}`) + unit,
    m.reference !== undefined ? fmtNum(m.reference) : "",
    m.agrees === undefined ? "" : m.agrees ? "yes" : "no",
    m.referenceFormula ?? "",
  ];
}
const MEAS_HEADER = ["quantity", "setting", "measured", "reference", "agrees", "note"];

function indent(s: string, n: number): string {
  const pad = " ".repeat(n);
  return s
    .split("\n")
    .map((l) => pad + l)
    .join("\n");
}

/** The terminal report for one problem: its statements with verdicts, controls and the decisive measurement. */
export function problemText(p: ProblemResult): string {
  const out: string[] = [`${p.id} — ${p.title}  (${p.seconds.toFixed(1)} s)`];
  for (const s of p.statements) {
    out.push(`  ${s.id.padEnd(8)} ${VERDICT_MARK[s.verdict].padEnd(22)} ${shorten(plainKey(s.key), 90)}`);
    out.push(`           why: ${s.why}`);
    out.push(`           measured: ${shorten(s.measurement, 200)}`);
    for (const c of s.controls) out.push(`           control ${controlLine(c)}`);
  }
  return out.join("\n");
}

/** The full terminal report: summary, errata, one row per statement, coverage. */
export function terminalReport(r: LabResult): string {
  const out: string[] = [summaryLine(r), ""];
  const errs = errata(r.problems);
  if (errs.length) {
    out.push("Errata of the key:");
    for (const e of errs) {
      out.push(`  ${e.id} — ${e.verdict}`, `    key:       ${plainKey(e.key)}`, `    corrected: ${e.corrected}`, `    reason:    ${e.reason}`, `    measured:  ${e.measurement}`, "");
    }
  }
  const rows = r.problems.flatMap((p) => p.statements.map((s) => [s.id, VERDICT_MARK[s.verdict], controlsCell(s), shorten(plainKey(s.key), 60), shorten(s.why, 90)]));
  out.push(table(["statement", "verdict", "controls", "key", "why"], rows), "");
  const acc = controlsAccepted(r);
  if (acc.length) {
    out.push("NEGATIVE CONTROLS ACCEPTED (the lab's test could not tell these wrong alternatives apart):");
    for (const a of acc) out.push(`  ${a.statement}: ${a.control.alternative}`);
    out.push("");
  }
  out.push("Coverage: " + coverage(r.problems).map((c) => `${c.problem}${c.part ? `(${c.part})` : ""} ${c.statements.length}${c.tested ? "" : " UNTESTED"}`).join(", "));
  for (const u of r.unavailable) out.push(`${u.id} — ${u.title}: not available: ${u.reason}`);
  for (const u of r.failed) out.push(`${u.id} — ${u.title}: FAILED: ${u.reason}`);
  out.push("", "Details per problem:", "");
  for (const p of r.problems) out.push(problemText(p), "");
  out.push(summaryLine(r));
  return out.join("\n");
}

// ---------------------------------------------------------------------------------------------
// Markdown
// ---------------------------------------------------------------------------------------------

function mdEscape(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function mdTable(header: string[], rows: string[][]): string {
  return [`| ${header.join(" | ")} |`, `| ${header.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.map(mdEscape).join(" | ")} |`)].join("\n");
}

function preamble(): string {
  return (
    "Each statement of the seed's answer key — an equation or sentence, quoted verbatim — gets one verdict, backed by measurements with fundl at one or more settings: " +
    "**confirmed** (agrees at every setting), **confirmed to leading order** (the key states an approximation; its measured error vanishes with the small parameter, checked by a fit with degrees of freedom to spare), " +
    "**erratum** (typo or substantive: the key's line fails and a corrected line, given, agrees), **notation** (right once read as stated), **not tested** (with the reason). " +
    "Statistical settings agree within a Šidák-corrected threshold (family-wise level 0.001 per statement); exact quantities within a stated tolerance. " +
    "Every statement also runs negative controls — plausible wrong alternatives on the same data — which must be rejected; `fundl lab` exits non-zero if one is accepted."
  );
}

function mdStatement(s: Statement, plotFiles: Record<string, string>): string[] {
  const out: string[] = [`### ${s.id}${s.part ? ` (part ${s.part})` : ""} — ${s.verdict}`, "", `Key: ${plainKey(s.key)}`, "", `Verbatim: ${s.key}`, "", `**Why:** ${s.why}`, "", `**Measured:** ${s.measurement}`, ""];
  if (s.reason) out.push(`**Not tested:** ${s.reason}`, "");
  if (s.assumptions.length) out.push("**Assumptions:**", "", ...s.assumptions.map((a) => `- ${a}`), "");
  if (s.correction) out.push(`**Corrected line:** ${s.correction.line}`, "", `**Reason:** ${s.correction.reason}`, "");
  if (s.reading) out.push(`**Read as:** ${s.reading.how}`, "");
  const sets: [string, CheckSet | undefined][] = [
    ["The key's line", s.checks],
    ["The corrected line", s.correction?.checks],
    ["Read as stated", s.reading?.checks],
    ["Read literally", s.reading?.literal],
  ];
  for (const [title, set] of sets) if (set) out.push(`${title}: \`${set.formula}\` — ${set.criterion} → ${set.agrees ? "agrees" : "disagrees"}`, "", mdTable(CHECK_HEADER, checkRows(set)), "");
  for (const f of [s.limit, ...(s.moreLimits ?? [])]) if (f) out.push(limitText(f), "", mdTable(LIMIT_HEADER, limitRows(f)), "");
  if (s.controls.length) out.push("**Negative controls:**", "", ...s.controls.map((c) => `- ${controlLine(c)}`), "");
  for (const id of s.plots) if (plotFiles[id]) out.push(`Plot: [${id}](${plotFiles[id]})`, "");
  return out;
}

/** report.md; plots are referenced as files under plots/. */
export function markdownReport(r: LabResult, plotFiles: Record<string, string>): string {
  const out: string[] = ["# fundl lab — the seed's answer key, statement by statement", "", `**Summary.** ${summaryLine(r)}`, "", preamble(), ""];
  out.push(mdTable(["statement", "the key's line", "verdict", "controls", "why"], r.problems.flatMap((p) => p.statements.map((s) => [s.id, plainKey(s.key), s.verdict, controlsCell(s), s.why]))), "");
  for (const u of r.unavailable) out.push(`- **${u.id} ${u.title}: not available** — ${u.reason}`);
  for (const u of r.failed) out.push(`- **${u.id} ${u.title}: failed** — ${u.reason}`);
  const errs = errata(r.problems);
  out.push("## Errata", "");
  if (!errs.length) out.push("None found.", "");
  for (const e of errs) {
    out.push(`### ${e.id} — ${e.verdict}`, "", mdTable(["", ""], [["key's line", plainKey(e.key)], ["corrected line", e.corrected], ["reason", e.reason], ["measurement", e.measurement], ["key, verbatim", e.key]]), "");
    for (const id of e.plots) if (plotFiles[id]) out.push(`![${id}](${plotFiles[id]})`, "");
  }
  const acc = controlsAccepted(r);
  if (acc.length) out.push("## Negative controls ACCEPTED", "", ...acc.map((a) => `- ${a.statement}: ${a.control.alternative}`), "");
  out.push("## Coverage", "", mdTable(["problem", "part", "statements", "verdicts"], coverage(r.problems).map((c) => [c.problem, c.part || "—", c.statements.map((s) => s.id).join(", ") || "none", c.tested ? c.statements.map((s) => s.verdict).join(", ") : "NOT TESTED"])), "");
  for (const p of r.problems) {
    out.push(`## ${p.id} — ${p.title}`, "", p.setup, "", `(${p.seconds.toFixed(1)} s)`, "");
    for (const s of p.statements) out.push(...mdStatement(s, plotFiles));
    if (p.measurements.length) out.push("Other measurements (the key makes no claim about these):", "", mdTable(MEAS_HEADER, p.measurements.map(measurementRow)), "");
    for (const plot of p.plots) if (plotFiles[plot.id]) out.push(`![${plot.title}](${plotFiles[plot.id]})`, "");
  }
  out.push(`Generated by \`fundl lab${r.quick ? " --quick" : ""}\` in ${r.seconds.toFixed(1)} s.`);
  return out.join("\n");
}

// ---------------------------------------------------------------------------------------------
// HTML
// ---------------------------------------------------------------------------------------------

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function htmlTable(header: string[], rows: string[][], classOf: (row: string[], col: number) => string = () => ""): string {
  const th = header.map((h) => `<th>${esc(h)}</th>`).join("");
  const trs = rows.map((r) => `<tr>${r.map((v, i) => `<td${classOf(r, i) ? ` class="${classOf(r, i)}"` : ""}>${esc(v)}</td>`).join("")}</tr>`).join("\n");
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${trs}\n</tbody></table>`;
}

const verdictClass = (v: string) => (/erratum|ERRATUM/.test(v) ? "err" : /UNRESOLVED|unresolved|ACCEPTED|disagrees/.test(v) ? "bad" : /notation|not tested/.test(v) ? "note" : /confirmed|agrees|rejected|leading/.test(v) ? "good" : "");

const CSS = `body{font-family:Helvetica,Arial,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222;line-height:1.4}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:13px;width:100%}th,td{border:1px solid #ccc;padding:3px 7px;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.good{background:#e6f4e6}td.bad{background:#fbd0d0;font-weight:bold}td.err{background:#fde9c8}td.note{background:#e8eefb}
.card{border:1px solid #d9a441;border-left:6px solid #d9a441;padding:.5em 1em;margin:1em 0;background:#fffaf0}.card table td:first-child{width:9em;font-weight:bold}
.stmt{border-top:1px solid #ddd;margin-top:1.2em;padding-top:.5em}.crit{color:#666;font-size:12px}.note{color:#444;font-size:13px}
code,.key{font-family:Menlo,Consolas,monospace;font-size:12px;background:#f5f5f5;padding:1px 3px;word-break:break-word}
figure{margin:1em 0;width:100%}figure svg{width:100%;height:auto;display:block}.summary{font-size:16px;padding:.6em;background:#f3f6fa;border:1px solid #ccd}`;

function htmlChecks(title: string, set: CheckSet): string {
  return `<p class="note">${esc(title)}: <code>${esc(set.formula)}</code> — <span class="crit">${esc(set.criterion)}</span> → <b>${set.agrees ? "agrees" : "disagrees"}</b></p>${htmlTable(CHECK_HEADER, checkRows(set), (r, i) => (i === 4 ? verdictClass(r[i]!) : ""))}`;
}

function htmlStatement(s: Statement, svgs: Record<string, string>, shown: Set<string>): string {
  const out: string[] = [`<div class="stmt" id="${esc(s.id)}"><h3>${esc(s.id)}${s.part ? ` (part ${esc(s.part)})` : ""} — <span class="${verdictClass(s.verdict)}">${esc(s.verdict)}</span></h3>`];
  out.push(`<p>Key: <b>${esc(plainKey(s.key))}</b><br><span class="crit">verbatim:</span> <span class="key">${esc(s.key)}</span></p>`, `<p><b>Why:</b> ${esc(s.why)}</p>`, `<p><b>Measured:</b> ${esc(s.measurement)}</p>`);
  if (s.reason) out.push(`<p><b>Not tested:</b> ${esc(s.reason)}</p>`);
  if (s.assumptions.length) out.push(`<p><b>Assumptions:</b></p><ul class="note">${s.assumptions.map((a) => `<li>${esc(a)}</li>`).join("")}</ul>`);
  if (s.correction) out.push(`<p><b>Corrected line:</b> <code>${esc(s.correction.line)}</code><br><b>Reason:</b> ${esc(s.correction.reason)}</p>`);
  if (s.reading) out.push(`<p><b>Read as:</b> ${esc(s.reading.how)}</p>`);
  if (s.checks) out.push(htmlChecks("The key's line", s.checks));
  if (s.correction) out.push(htmlChecks("The corrected line", s.correction.checks));
  if (s.reading) out.push(htmlChecks("Read as stated", s.reading.checks));
  if (s.reading?.literal) out.push(htmlChecks("Read literally", s.reading.literal));
  for (const f of [s.limit, ...(s.moreLimits ?? [])]) if (f) out.push(`<p class="note">${esc(limitText(f))}</p>`, htmlTable(LIMIT_HEADER, limitRows(f)));
  if (s.controls.length) out.push(`<p><b>Negative controls</b> (must be rejected):</p><ul class="note">${s.controls.map((c) => `<li class="${c.rejected ? "" : "bad"}">${esc(controlLine(c))}</li>`).join("")}</ul>`);
  for (const id of s.plots)
    if (svgs[id] && !shown.has(id)) {
      shown.add(id);
      out.push(`<figure>${svgs[id]}</figure>`);
    }
  out.push("</div>");
  return out.join("\n");
}

/** report.html: one self-contained file with the tables and the plots as inline SVG (full page width). */
export function htmlReport(r: LabResult, svgs: Record<string, string>): string {
  const out: string[] = [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8"><title>fundl lab report</title>',
    `<style>${CSS}</style></head><body>`,
    "<h1>fundl lab — the seed's answer key, statement by statement</h1>",
    `<p class="summary"><b>Summary.</b> ${esc(summaryLine(r))}</p>`,
  ];
  out.push(
    htmlTable(
      ["statement", "the key's line", "verdict", "controls", "why"],
      r.problems.flatMap((p) => p.statements.map((s) => [s.id, plainKey(s.key), s.verdict, controlsCell(s), s.why])),
      (row, i) => (i === 2 || i === 3 ? verdictClass(row[i]!) : ""),
    ),
  );
  out.push(`<p class="note">${esc(preamble()).replace(/\*\*([^*]+)\*\*/g, "<b>$1</b>").replace(/`([^`]+)`/g, "<code>$1</code>")}</p>`);
  if (r.unavailable.length || r.failed.length) {
    out.push("<ul>");
    for (const u of r.unavailable) out.push(`<li><b>${esc(u.id)} ${esc(u.title)}: not available</b> — ${esc(u.reason)}</li>`);
    for (const u of r.failed) out.push(`<li class="bad"><b>${esc(u.id)} ${esc(u.title)}: failed</b> — ${esc(u.reason)}</li>`);
    out.push("</ul>");
  }
  const errs = errata(r.problems);
  const shown = new Set<string>();
  out.push("<h2>Errata</h2>");
  if (!errs.length) out.push("<p>None found.</p>");
  for (const e of errs) {
    out.push(`<div class="card"><h3>${esc(e.id)} — ${esc(e.verdict)}</h3>`);
    out.push(htmlTable(["", ""], [["key's line", plainKey(e.key)], ["corrected line", e.corrected], ["reason", e.reason], ["measurement", e.measurement], ["key, verbatim", e.key]]));
    for (const id of e.plots)
      if (svgs[id] && !shown.has(id)) {
        shown.add(id);
        out.push(`<figure>${svgs[id]}</figure>`);
      }
    out.push("</div>");
  }
  const acc = controlsAccepted(r);
  if (acc.length) out.push(`<h2 class="bad">Negative controls ACCEPTED</h2><ul>${acc.map((a) => `<li>${esc(a.statement)}: ${esc(a.control.alternative)}</li>`).join("")}</ul>`);
  out.push("<h2>Coverage</h2>");
  out.push(
    htmlTable(
      ["problem", "part", "statements", "verdicts"],
      coverage(r.problems).map((c) => [c.problem, c.part || "—", c.statements.map((s) => s.id).join(", ") || "none", c.tested ? c.statements.map((s) => s.verdict).join(", ") : "NOT TESTED"]),
      (row, i) => (i === 3 ? verdictClass(row[i]!) : ""),
    ),
  );
  for (const p of r.problems) {
    out.push(`<h2 id="${esc(p.id)}">${esc(p.id)} — ${esc(p.title)}</h2>`, `<p>${esc(p.setup)} <span class="crit">(${p.seconds.toFixed(1)} s)</span></p>`);
    for (const s of p.statements) out.push(htmlStatement(s, svgs, shown));
    if (p.measurements.length) out.push("<p>Other measurements (the key makes no claim about these):</p>", htmlTable(MEAS_HEADER, p.measurements.map(measurementRow)));
    for (const pl of p.plots)
      if (svgs[pl.id] && !shown.has(pl.id)) {
        shown.add(pl.id);
        out.push(`<figure>${svgs[pl.id]}</figure>`);
      }
  }
  out.push(`<p class="crit">Generated by <code>fundl lab${r.quick ? " --quick" : ""}</code> in ${r.seconds.toFixed(1)} s.</p>`, "</body></html>");
  return out.join("\n");
}

export { fmtNum, fmtUnc };
