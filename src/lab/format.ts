/** Number formatting shared by the terminal tables and the reports. */
import type { Params } from "./claim.js";

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

/** Parameters of a setting as "k=v k=v". */
export function fmtParams(p: Params): string {
  return Object.entries(p)
    .map(([k, v]) => `${k}=${typeof v === "number" ? fmtNum(v) : String(v)}`)
    .join(" ");
}

