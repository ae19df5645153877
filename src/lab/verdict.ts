/**
 * Verdicts. A statistical claim agrees with a value when the two are within `sigmas` standard errors;
 * an exact quantity (a count, a floating-point identity) agrees within a tolerance stated up front.
 * The tolerance is part of the claim's record, so a reader sees exactly what was tested.
 */
import type { Claim, Params, Verdict } from "./claim.js";

/** Statistical claims agree within this many standard errors (two-sided, ≈ 99.7 % for a normal error). */
export const SIGMAS = 3;

/** How a first-edition claim is judged. */
export type Test =
  | { kind: "statistical"; sigmas?: number }
  /** |measured − value| ≤ tolerance (+ |value|·relative). */
  | { kind: "exact"; tolerance: number; relative?: number; why: string };

/** Judge one measurement against one value (first-edition claims). */
export function judge(measured: number, uncertainty: number, value: number, test: Test): Verdict {
  if (!Number.isFinite(measured) || !Number.isFinite(value)) return "disagrees";
  const diff = Math.abs(measured - value);
  if (test.kind === "statistical") return diff <= (test.sigmas ?? SIGMAS) * uncertainty ? "agrees" : "disagrees";
  return diff <= test.tolerance + Math.abs(value) * (test.relative ?? 0) ? "agrees" : "disagrees";
}

/** A test in words. */
export function describeTest(test: Test): string {
  if (test.kind === "statistical") return `|measured − value| ≤ ${test.sigmas ?? SIGMAS}σ`;
  const parts: string[] = [];
  if (test.tolerance > 0 || !test.relative) parts.push(String(test.tolerance));
  if (test.relative) parts.push(`${test.relative}·|value|`);
  return `exact: |measured − value| ≤ ${parts.join(" + ")} (${test.why})`;
}

/** What `makeClaim` takes. */
export interface ClaimInput {
  id: string;
  statement: string;
  params?: Params;
  key: number;
  measured: number;
  uncertainty: number;
  test: Test;
  /**
   * The corrected closed form, derived by the experiment. It is reported only when the key disagrees.
   * `measured`/`uncertainty` here are for identity claims whose corrected expression is a separate
   * computation (its own measured difference); otherwise the claim's measurement is reused.
   */
  corrected?: { value: number; formula: string; measured?: number; uncertainty?: number } | null;
  note?: string;
}

/** Build a claim record; the verdicts are computed here from the numbers, never passed in. */
export function makeClaim(c: ClaimInput): Claim {
  const verdict = judge(c.measured, c.uncertainty, c.key, c.test);
  const notes: string[] = [];
  if (c.note) notes.push(c.note);
  if (!Number.isFinite(c.measured)) notes.push("the measurement is not a finite number");
  let corrected: number | null = null;
  let correctedVerdict: Verdict | null = null;
  const claim: Claim = {
    id: c.id,
    statement: c.statement,
    params: c.params ?? {},
    key: c.key,
    measured: Number.isFinite(c.measured) ? c.measured : null,
    uncertainty: c.uncertainty,
    verdict,
    corrected,
    correctedVerdict,
    note: "",
    criterion: describeTest(c.test),
  };
  if (verdict === "disagrees") {
    if (c.corrected) {
      corrected = c.corrected.value;
      const m = c.corrected.measured ?? c.measured;
      const u = c.corrected.uncertainty ?? c.uncertainty;
      correctedVerdict = judge(m, u, corrected, c.test);
      claim.corrected = corrected;
      claim.correctedVerdict = correctedVerdict;
      claim.correctedFormula = c.corrected.formula;
      if (c.corrected.measured !== undefined) claim.correctedMeasured = c.corrected.measured;
    } else {
      notes.push("no corrected closed form is given for this setting");
    }
  }
  claim.note = notes.join("; ");
  return claim;
}
