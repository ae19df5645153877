/** Number formatting shared by the terminal tables and the reports. */
import type { Claim, Params } from "./claim.js";

/** A value with about 5 significant digits; integers in full. */
export function fmtNum(v: number | null | undefined): string {
  if (v === null || v === undefined) return "—";
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-3) return v.toExponential(3);
  return String(Number(v.toPrecision(5)));
}

/** An uncertainty with 2 significant digits. */
export function fmtUnc(u: number): string {
  if (!Number.isFinite(u)) return String(u);
  if (u === 0) return "0";
  const a = Math.abs(u);
  if (a >= 1e5 || a < 1e-3) return u.toExponential(1);
  return String(Number(u.toPrecision(2)));
}

export function fmtMeasured(c: { measured: number | null; uncertainty: number }): string {
  return c.uncertainty === 0 ? fmtNum(c.measured) : `${fmtNum(c.measured)} ± ${fmtUnc(c.uncertainty)}`;
}

export function fmtParams(p: Params): string {
  return Object.entries(p)
    .map(([k, v]) => `${k}=${typeof v === "number" ? fmtNum(v) : String(v)}`)
    .join(" ");
}

/** Claims grouped by statement, in first-seen order (a statement is shared by the settings it is measured at). */
export function groupByStatement(claims: readonly Claim[]): { statement: string; claims: Claim[] }[] {
  const groups = new Map<string, Claim[]>();
  for (const c of claims) {
    const g = groups.get(c.statement);
    if (g) g.push(c);
    else groups.set(c.statement, [c]);
  }
  return [...groups].map(([statement, cs]) => ({ statement, claims: cs }));
}

export function correctedCell(c: Claim): string {
  if (c.verdict === "agrees") return "";
  if (c.corrected === null) return "none given";
  const m = c.correctedMeasured !== undefined ? ` (measured ${fmtNum(c.correctedMeasured)})` : "";
  return `${fmtNum(c.corrected)}${m}: ${c.correctedVerdict}`;
}

/** Parameters shared by every claim of a group (printed once) and the ones that vary (printed per row). */
export function splitParams(claims: readonly Claim[]): { fixed: Params; varying: string[] } {
  const keys = [...new Set(claims.flatMap((c) => Object.keys(c.params)))];
  const fixed: Params = {};
  const varying: string[] = [];
  for (const k of keys) {
    const vals = claims.map((c) => c.params[k]);
    if (claims.length > 1 && vals.some((v) => v !== vals[0])) varying.push(k);
    else if (vals[0] !== undefined) fixed[k] = vals[0];
  }
  return { fixed, varying };
}

export function pick(p: Params, keys: readonly string[]): Params {
  return Object.fromEntries(keys.filter((k) => k in p).map((k) => [k, p[k]!]));
}
