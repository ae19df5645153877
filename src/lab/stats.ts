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
