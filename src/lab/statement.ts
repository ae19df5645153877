/**
 * Statements of the answer key and their verdicts. The unit of the lab is one statement of the key —
 * an equation or sentence, quoted verbatim with its problem and part — backed by measurements at one
 * or more settings (`Check`s). Every statement also carries negative controls: plausible wrong
 * alternatives tested on the same measurements by the same test, which must be rejected.
 *
 * Verdicts are computed here from the numbers, never passed in:
 * - confirmed: every check of the key's formula agrees;
 * - confirmed to leading order: the key states an approximation, and the measured relative error
 *   of it vanishes as the small parameter does (a fit with degrees of freedom to spare, intercept
 *   consistent with 0, χ² acceptable), compared with the predicted next-order term where one is given;
 * - erratum (typo | substantive): the key's checks fail and the corrected line's checks all agree;
 * - notation: the key read as stated (`reading`) agrees; the literal reading, where measurable, fails;
 * - not tested: with the reason;
 * - unresolved: none of the above holds — a defect of the lab, reported as such.
 */
import type { Params } from "./claim.js";
import { chi2Pvalue, polyFit, sidakZ } from "./stats.js";

/** The verdict on one statement of the key. */
export type StatementVerdict =
  | "confirmed"
  | "confirmed to leading order"
  | "erratum (typo)"
  | "erratum (substantive)"
  | "notation"
  | "not tested"
  | "unresolved";

/** Every verdict, in the order the summary lists them. */
export const VERDICTS: readonly StatementVerdict[] = ["erratum (substantive)", "erratum (typo)", "notation", "confirmed to leading order", "confirmed", "not tested", "unresolved"];

/**
 * "exact": the key states it as true; "approximation": the key itself says ≈, "to leading order",
 * "under the approximations"; "limit": an exact statement about a limit, decided by a limit fit.
 */
export type StatementKind = "exact" | "approximation" | "limit";

/** Family-wise level of each statement's test: the chance that a true statement is rejected by noise. */
export const FAMILY_ALPHA = 1e-3;

/** How one setting is judged. */
export type CheckTest =
  | { kind: "statistical" }
  /** |measured − value| ≤ tolerance + relative·|value| */
  | { kind: "exact"; tolerance: number; relative?: number; why: string };

/** One setting: the formula's value against the measurement. */
export interface Check {
  params: Params;
  /** What the formula under test predicts at this setting. */
  value: number;
  measured: number;
  /** Standard error of the measurement (0 for exact quantities). */
  uncertainty: number;
  /** (measured − value)/uncertainty for statistical checks. */
  z: number | null;
  agrees: boolean;
}

/** A family of checks of one formula, judged together (Šidák-corrected threshold for statistical ones). */
export interface CheckSet {
  /** The formula under test, in words or symbols. */
  formula: string;
  criterion: string;
  checks: Check[];
  /** Every check agrees. */
  agrees: boolean;
}

/** A measured point of an approximation's relative error at a value s of its small parameter. */
export interface LimitPoint {
  s: number;
  /** Measured relative error of the approximation (measured/approximation − 1, or as stated). */
  rel: number;
  se: number;
  /** The predicted next-order (or exact) relative error at s, when one is derived. */
  predicted?: number;
}

/** The fit that decides "to leading order". */
export interface LimitFit {
  parameter: string;
  points: LimitPoint[];
  /** rel ≈ Σ_k coef[k]·s^k, weighted least squares. */
  degree: number;
  coef: number[];
  coefSe: number[];
  chi2: number;
  dof: number;
  pValue: number;
  /** The intercept (the error at s → 0) is consistent with 0. */
  interceptZero: boolean;
  /** |rel| at the smallest s is below |rel| at the largest s. */
  shrinks: boolean;
  /** The measured points against the predicted curve (χ² over all points, no fitted parameters). */
  predicted?: { formula: string; chi2: number; dof: number; pValue: number; agrees: boolean };
  /** Leading order holds: interceptZero && shrinks && the fit is acceptable (p ≥ FAMILY_ALPHA). */
  holds: boolean;
}

/** A plausible wrong alternative, tested on the same data; it must be rejected. */
export interface Control {
  alternative: string;
  /** Why someone might write it. */
  why: string;
  checks?: CheckSet;
  limit?: LimitFit;
  rejected: boolean;
}

/** The corrected line of an erratum, with its reason and its checks. */
export interface Correction {
  /** The corrected line. */
  line: string;
  /** One line: what is wrong. */
  reason: string;
  typo: boolean;
  checks: CheckSet;
}

/** How a notation statement must be read, with the checks of that reading (and of the literal one). */
export interface Reading {
  /** How the key's line must be read. */
  how: string;
  checks: CheckSet;
  /** The literal reading, where it can be measured (it should fail). */
  literal?: CheckSet;
}

/** One statement of the key with its verdict, measurements and controls. */
export interface Statement {
  /** "P3.b.2" */
  id: string;
  problem: string;
  part: string;
  /** The key's text, verbatim (LaTeX as in the seed). */
  key: string;
  kind: StatementKind;
  verdict: StatementVerdict;
  /** One line: why this verdict. */
  why: string;
  assumptions: string[];
  /** The key's formula against the measurements. */
  checks?: CheckSet;
  limit?: LimitFit;
  /** Further settings of the same approximation, each fitted on its own (all must hold). */
  moreLimits?: LimitFit[];
  correction?: Correction;
  reading?: Reading;
  controls: Control[];
  /** Every control was rejected (false is a defect of the lab; `fundl lab` exits non-zero). */
  controlsRejected: boolean;
  /** For "not tested". */
  reason?: string;
  /** Plot ids that show this statement. */
  plots: string[];
  /** The decisive measurement in one line (shown on errata cards). */
  measurement: string;
}

/** Build a family of checks of one formula and judge them together. */
export function checkSet(formula: string, test: CheckTest, rows: readonly { params?: Params; value: number; measured: number; uncertainty?: number }[]): CheckSet {
  const n = rows.length;
  const zc = sidakZ(FAMILY_ALPHA, n);
  const checks = rows.map((r): Check => {
    const u = r.uncertainty ?? 0;
    const finite = Number.isFinite(r.measured) && Number.isFinite(r.value);
    if (test.kind === "statistical") {
      const z = u > 0 ? (r.measured - r.value) / u : r.measured === r.value ? 0 : Infinity;
      return { params: r.params ?? {}, value: r.value, measured: r.measured, uncertainty: u, z, agrees: finite && Math.abs(z) <= zc };
    }
    const tol = test.tolerance + Math.abs(r.value) * (test.relative ?? 0);
    return { params: r.params ?? {}, value: r.value, measured: r.measured, uncertainty: u, z: null, agrees: finite && Math.abs(r.measured - r.value) <= tol };
  });
  const criterion =
    test.kind === "statistical"
      ? `|measured − value| ≤ ${zc.toFixed(2)}σ at each of ${n} setting${n > 1 ? "s" : ""} (family-wise level ${FAMILY_ALPHA})`
      : `|measured − value| ≤ ${test.tolerance}${test.relative ? ` + ${test.relative}·|value|` : ""} (${test.why})`;
  return { formula, criterion, checks, agrees: n > 0 && checks.every((c) => c.agrees) };
}

/**
 * Fit the relative error of an approximation against its small parameter s with a polynomial of
 * `degree` (needs at least degree + 2 points, so that the fit has a degree of freedom left).
 */
export function limitFit(parameter: string, points: readonly LimitPoint[], degree: number, predicted?: string): LimitFit {
  if (points.length < Math.max(3, degree + 2)) throw new RangeError(`limitFit(${parameter}): ${points.length} points cannot fit degree ${degree} with a degree of freedom left (need ≥ ${Math.max(3, degree + 2)})`);
  const fit = polyFit(points.map((p) => p.s), points.map((p) => p.rel), points.map((p) => p.se), degree);
  const coefSe = fit.cov.map((row, i) => Math.sqrt(row[i]!));
  const chi2 = points.reduce((s, p) => s + ((p.rel - fit.coef.reduce((a, c, k) => a + c * p.s ** k, 0)) / p.se) ** 2, 0);
  const dof = points.length - (degree + 1);
  const pValue = chi2Pvalue(chi2, dof);
  const interceptZero = Math.abs(fit.coef[0]!) <= sidakZ(FAMILY_ALPHA, 1) * coefSe[0]!;
  const sorted = [...points].sort((a, b) => a.s - b.s);
  const shrinks = Math.abs(sorted[0]!.rel) < Math.abs(sorted[sorted.length - 1]!.rel);
  const out: LimitFit = { parameter, points: [...points], degree, coef: fit.coef, coefSe, chi2, dof, pValue, interceptZero, shrinks, holds: interceptZero && shrinks && pValue >= FAMILY_ALPHA };
  if (predicted && points.every((p) => p.predicted !== undefined)) {
    const c2 = points.reduce((s, p) => s + ((p.rel - p.predicted!) / p.se) ** 2, 0);
    const pv = chi2Pvalue(c2, points.length);
    out.predicted = { formula: predicted, chi2: c2, dof: points.length, pValue: pv, agrees: pv >= FAMILY_ALPHA };
  }
  return out;
}

/** A negative control judged by checks (rejected when any check disagrees). */
export function controlByChecks(alternative: string, why: string, checks: CheckSet): Control {
  return { alternative, why, checks, rejected: !checks.agrees };
}

/** A negative control for an approximation: the alternative's error does not vanish in the limit. */
export function controlByLimit(alternative: string, why: string, limit: LimitFit): Control {
  return { alternative, why, limit, rejected: !limit.holds };
}

/** What an experiment supplies to `decide` for one statement. */
export interface StatementInput {
  id: string;
  part: string;
  key: string;
  kind: StatementKind;
  assumptions?: string[];
  checks?: CheckSet;
  limit?: LimitFit;
  moreLimits?: LimitFit[];
  correction?: { line: string; reason: string; typo: boolean; checks: CheckSet };
  reading?: Reading;
  controls?: Control[];
  /** For a statement the lab cannot measure: why. */
  notTested?: string;
  plots?: string[];
  /** The decisive measurement in one line, with its numbers. */
  measurement: string;
}

/** Decide a statement's verdict from its measurements; `why` says which rule decided it. */
export function decide(s: StatementInput): Statement {
  const problem = s.id.split(".")[0]!;
  const controls = s.controls ?? [];
  let verdict: StatementVerdict;
  let why: string;
  if (s.notTested !== undefined) {
    verdict = "not tested";
    why = s.notTested;
  } else if (s.reading) {
    const literalFails = !s.reading.literal || !s.reading.literal.agrees;
    if (s.reading.checks.agrees && literalFails) {
      verdict = "notation";
      why = `right when read as: ${s.reading.how}${s.reading.literal ? " (read literally, it fails)" : ""}`;
    } else if (s.reading.checks.agrees) {
      verdict = "confirmed";
      why = "the literal reading already agrees";
    } else {
      verdict = "unresolved";
      why = `the stated reading (${s.reading.how}) does not agree with the measurement`;
    }
  } else if (s.kind !== "exact" && s.limit) {
    const others = s.moreLimits ?? [];
    if (s.limit.holds && others.every((l) => l.holds)) {
      verdict = s.kind === "limit" ? "confirmed" : "confirmed to leading order";
      const p = s.limit.predicted;
      why = `its error vanishes as ${s.limit.parameter} → 0 (fit intercept ${fmt(s.limit.coef[0]!)} ± ${fmt(s.limit.coefSe[0]!)}, χ²/dof = ${fmt(s.limit.chi2)}/${s.limit.dof}${others.length ? `; and in ${others.length} more setting${others.length > 1 ? "s" : ""}` : ""})${p ? `; the measured error ${p.agrees ? "matches" : "does NOT match"} the predicted ${p.formula}` : ""}`;
    } else if (s.correction?.checks.agrees) {
      verdict = s.correction.typo ? "erratum (typo)" : "erratum (substantive)";
      why = s.correction.reason;
    } else {
      verdict = "unresolved";
      why = `the approximation's error does not vanish as ${s.limit.parameter} → 0 and no corrected line agrees`;
    }
  } else if (s.checks?.agrees) {
    verdict = "confirmed";
    why = `agrees at all ${s.checks.checks.length} setting${s.checks.checks.length > 1 ? "s" : ""}`;
  } else if (s.correction?.checks.agrees) {
    verdict = s.correction.typo ? "erratum (typo)" : "erratum (substantive)";
    why = s.correction.reason;
  } else {
    verdict = "unresolved";
    why = s.correction ? "neither the key's line nor the corrected line agrees with the measurement" : "the key's line disagrees with the measurement and no correction is given";
  }
  const out: Statement = {
    id: s.id,
    problem,
    part: s.part,
    key: s.key,
    kind: s.kind,
    verdict,
    why,
    assumptions: s.assumptions ?? [],
    controls,
    controlsRejected: controls.every((c) => c.rejected),
    plots: s.plots ?? [],
    measurement: s.measurement,
  };
  if (s.checks) out.checks = s.checks;
  if (s.limit) out.limit = s.limit;
  if (s.moreLimits?.length) out.moreLimits = s.moreLimits;
  if (s.correction) out.correction = s.correction;
  if (s.reading) out.reading = s.reading;
  if (s.notTested !== undefined) out.reason = s.notTested;
  return out;
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(2) : String(Number(v.toPrecision(3)));
}
