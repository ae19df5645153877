/** Small statistics helpers: means with standard errors, combined uncertainties. */

export interface MeanSe {
  mean: number;
  /** Standard error of the mean (sample standard deviation / √n). */
  se: number;
  n: number;
}

/** Arithmetic mean. */
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

/**
 * Regularized upper incomplete gamma Q(a, x) = Γ(a, x)/Γ(a): the series for x < a + 1, the
 * continued fraction (modified Lentz) otherwise. Accurate to ~1e-12 for the a, x the lab uses.
 */
export function gammaQ(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0)) throw new RangeError(`gammaQ: needs a > 0 and x ≥ 0, got a = ${a}, x = ${x}`);
  if (x === 0) return 1;
  const lnPre = a * Math.log(x) - x - lnGamma(a);
  if (x < a + 1) {
    // P(a, x) = e^{−x} x^a / Γ(a) · Σ_n x^n / (a(a+1)…(a+n))
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 500; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return Math.max(0, 1 - sum * Math.exp(lnPre));
  }
  // Q(a, x) = e^{−x} x^a / Γ(a) · 1/(x + 1 − a − 1·(1 − a)/(x + 3 − a − …))
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return Math.exp(lnPre) * h;
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms). */
export function lnGamma(x: number): number {
  const g = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  x -= 1;
  let a = g[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += g[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** P(χ²_dof ≥ chi2): the goodness-of-fit p-value. */
export function chi2Pvalue(chi2: number, dof: number): number {
  if (dof < 1) throw new RangeError(`chi2Pvalue: needs at least 1 degree of freedom, got ${dof}`);
  return gammaQ(dof / 2, Math.max(0, chi2) / 2);
}

/** Two-sided normal tail P(|Z| ≥ z). */
export function normalTail2(z: number): number {
  return gammaQ(0.5, (z * z) / 2);
}

/**
 * The z threshold for n simultaneous two-sided tests at family-wise level α (Šidák):
 * P(max_i |Z_i| ≥ z) = α for n independent standard normals. Bisection on normalTail2.
 */
export function sidakZ(alpha: number, n: number): number {
  const each = 1 - (1 - alpha) ** (1 / Math.max(1, n));
  let lo = 0;
  let hi = 40;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (normalTail2(mid) > each) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
