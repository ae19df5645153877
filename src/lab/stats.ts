/** Small statistics helpers: means with standard errors, combined uncertainties. */

export interface MeanSe {
  mean: number;
  /** Standard error of the mean (sample standard deviation / √n). */
  se: number;
  n: number;
}

export function mean(xs: ArrayLike<number>): number {
  if (xs.length === 0) throw new RangeError("mean: no values");
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s / xs.length;
}

/** Unbiased sample variance (n − 1 in the denominator). */
export function sampleVariance(xs: ArrayLike<number>): number {
  if (xs.length < 2) throw new RangeError(`sampleVariance: needs at least 2 values, got ${xs.length}`);
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i]! - m) ** 2;
  return s / (xs.length - 1);
}

/** Mean and its standard error over independent repetitions (seeds, chains). */
export function meanSe(xs: ArrayLike<number>): MeanSe {
  return { mean: mean(xs), se: Math.sqrt(sampleVariance(xs) / xs.length), n: xs.length };
}

/** √(Σ uᵢ²): the uncertainty of a sum or difference of independent estimates. */
export function quadrature(...us: number[]): number {
  return Math.sqrt(us.reduce((s, u) => s + u * u, 0));
}

/** Largest |a[i] − b[i]| (the arrays must have equal length). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`maxAbsDiff: lengths ${a.length} and ${b.length} differ`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Largest |a[i]|. */
export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** max|a − b| / max|b|: a scale-free difference between two tensors' values. */
export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const s = maxAbs(b);
  return s === 0 ? maxAbsDiff(a, b) : maxAbsDiff(a, b) / s;
}

/**
 * Weighted least squares fit of y ≈ Σ_k c_k x^k (k = 0…degree) with independent errors `se`:
 * coefficients and their covariance (XᵀWX)⁻¹, W = diag(1/se²).
 */
export function polyFit(xs: readonly number[], ys: readonly number[], se: readonly number[], degree: number): { coef: number[]; cov: number[][] } {
  const m = degree + 1;
  if (xs.length < m) throw new RangeError(`polyFit: ${xs.length} points cannot fit degree ${degree}`);
  const A = Array.from({ length: m }, () => new Array<number>(m).fill(0));
  const b = new Array<number>(m).fill(0);
  xs.forEach((x, i) => {
    const w = 1 / se[i]! ** 2;
    for (let r = 0; r < m; r++) {
      b[r]! += w * x ** r * ys[i]!;
      for (let c = 0; c < m; c++) A[r]![c]! += w * x ** (r + c);
    }
  });
  const inv = invert(A);
  const coef = inv.map((row) => row.reduce((s, v, c) => s + v * b[c]!, 0));
  return { coef, cov: inv };
}

/** Inverse of a small square matrix (Gauss–Jordan with partial pivoting). */
function invert(a: number[][]): number[][] {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    const d = m[c]![c]!;
    if (d === 0) throw new RangeError("polyFit: singular system");
    for (let k = 0; k < 2 * n; k++) m[c]![k]! /= d;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]!;
      for (let k = 0; k < 2 * n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return m.map((row) => row.slice(n));
}
