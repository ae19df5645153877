/**
 * Closed forms for Gaussians (natural log by default; `{ base }`/`{ unit }` as in info.ts).
 *
 *   H(N(μ, σ²))        = ln σ + ½(1 + ln 2π)                          (seed Problem 3a)
 *   H(N(μ, Σ)), d-dim  = ½ ln det(2πe Σ) = d/2 (1 + ln 2π) + Σ_i ln L[i,i]   with Σ = L Lᵀ
 *   I(x; x + ε)        = H(z) − H(z | x) = ln σ_z − ln σ_ε = ½ ln(1 + σx²/σε²)   (seed Problem 3b)
 *                        (the seed's key writes ln(σx² + σε²) − ln σε² = ln(1 + SNR), twice this: it puts
 *                        ln σ² where the entropy has ln σ = ½ ln σ²)
 *   I for correlation ρ = −½ ln(1 − ρ²)
 *   KL(N(μ1,σ1²) ‖ N(μ2,σ2²)) = ln(σ2/σ1) + (σ1² + (μ1 − μ2)²)/(2σ2²) − ½
 *   KL(N(μ1,Σ1) ‖ N(μ2,Σ2))   = ½[tr(Σ2⁻¹Σ1) + (μ2−μ1)ᵀΣ2⁻¹(μ2−μ1) − d + ln det Σ2 − ln det Σ1]
 */
import { gradBuffer, runOp } from "../autograd.js";
import { Tensor, asTensor } from "../tensor.js";
import { add, div, log, log1p, mul, sub } from "../ops/elementwise.js";
import { fromNats, logBase, type UnitOptions } from "./info.js";

const HALF_LOG_2PI_E = 0.5 * (1 + Math.log(2 * Math.PI));

function scale(t: Tensor, options: UnitOptions, where: string): Tensor {
  const lb = logBase(options, where);
  return lb === 1 ? t : div(t, lb);
}

function positive(v: number, where: string, what: string): void {
  if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`${where}: ${what} must be positive and finite, got ${v}`);
}

/** Differential entropy of N(μ, σ²) from the standard deviation σ: ln σ + ½(1 + ln 2π). */
export function gaussianEntropy(sigma: number, options?: UnitOptions): number;
export function gaussianEntropy(sigma: Tensor, options?: UnitOptions): Tensor;
export function gaussianEntropy(sigma: number | Tensor, options: UnitOptions = {}): number | Tensor {
  if (typeof sigma === "number") {
    positive(sigma, "gaussianEntropy", "sigma (a standard deviation)");
    return fromNats(Math.log(sigma) + HALF_LOG_2PI_E, options, "gaussianEntropy");
  }
  return scale(add(log(sigma), HALF_LOG_2PI_E), options, "gaussianEntropy");
}

/**
 * Mutual information of the additive Gaussian channel z = x + ε, x ~ N(·, signalVar),
 * ε ~ N(0, noiseVar) independent: I(x; z) = ½ ln(1 + signalVar / noiseVar). Takes VARIANCES.
 */
export function gaussianChannelMI(signalVar: number, noiseVar: number, options?: UnitOptions): number;
export function gaussianChannelMI(signalVar: Tensor | number, noiseVar: Tensor | number, options?: UnitOptions): Tensor;
export function gaussianChannelMI(signalVar: Tensor | number, noiseVar: Tensor | number, options: UnitOptions = {}): number | Tensor {
  if (typeof signalVar === "number" && typeof noiseVar === "number") {
    if (!(signalVar >= 0)) throw new RangeError(`gaussianChannelMI: signalVar must be ≥ 0, got ${signalVar}`);
    positive(noiseVar, "gaussianChannelMI", "noiseVar");
    return fromNats(0.5 * Math.log1p(signalVar / noiseVar), options, "gaussianChannelMI");
  }
  const like = signalVar instanceof Tensor ? signalVar : (noiseVar as Tensor);
  const s = asTensor(signalVar, like);
  const n = asTensor(noiseVar, like);
  return scale(mul(log1p(div(s, n)), 0.5), options, "gaussianChannelMI");
}

/** Mutual information of a bivariate normal with correlation ρ: −½ ln(1 − ρ²). */
export function gaussianCorrelationMI(rho: number, options: UnitOptions = {}): number {
  if (!(Math.abs(rho) < 1)) throw new RangeError(`gaussianCorrelationMI: |rho| must be < 1, got ${rho}`);
  return fromNats(-0.5 * Math.log1p(-rho * rho), options, "gaussianCorrelationMI");
}

/** KL(N(μ1, σ1²) ‖ N(μ2, σ2²)) from means and standard deviations. Numbers or tensors (differentiable). */
export function klNormal(mu1: number, sigma1: number, mu2: number, sigma2: number, options?: UnitOptions): number;
export function klNormal(mu1: Tensor | number, sigma1: Tensor | number, mu2: Tensor | number, sigma2: Tensor | number, options?: UnitOptions): Tensor;
export function klNormal(
  mu1: Tensor | number,
  sigma1: Tensor | number,
  mu2: Tensor | number,
  sigma2: Tensor | number,
  options: UnitOptions = {},
): number | Tensor {
  if (typeof mu1 === "number" && typeof sigma1 === "number" && typeof mu2 === "number" && typeof sigma2 === "number") {
    positive(sigma1, "klNormal", "sigma1");
    positive(sigma2, "klNormal", "sigma2");
    const d = mu1 - mu2;
    return fromNats(Math.log(sigma2 / sigma1) + (sigma1 * sigma1 + d * d) / (2 * sigma2 * sigma2) - 0.5, options, "klNormal");
  }
  const like = [mu1, sigma1, mu2, sigma2].find((v) => v instanceof Tensor) as Tensor;
  const [m1, s1, m2, s2] = [mu1, sigma1, mu2, sigma2].map((v) => asTensor(v, like)) as [Tensor, Tensor, Tensor, Tensor];
  const d = sub(m1, m2);
  // ln σ2 − ln σ1 + (σ1² + d²) / (2σ2²) − ½
  const k = sub(add(sub(log(s2), log(s1)), div(add(mul(s1, s1), mul(d, d)), mul(mul(s2, s2), 2))), 0.5);
  return scale(k, options, "klNormal");
}

// ---------------------------------------------------------------------------------------------
// Cholesky and log-determinant
// ---------------------------------------------------------------------------------------------

type Matrix = Tensor | readonly (readonly number[])[];

/** A square matrix as a row-major Float64Array with its size. */
function toSquare(a: Matrix, where: string): { n: number; data: Float64Array } {
  if (a instanceof Tensor) {
    if (a.ndim !== 2 || a.shape[0] !== a.shape[1]) throw new RangeError(`${where}: expected a square matrix, got shape [${a.shape.join(", ")}]`);
    return { n: a.shape[0]!, data: Float64Array.from(a.data) };
  }
  const n = a.length;
  const data = new Float64Array(n * n);
  a.forEach((row, i) => {
    if (row.length !== n) throw new RangeError(`${where}: row ${i} has ${row.length} entries; a ${n}×${n} matrix needs ${n}`);
    row.forEach((v, j) => (data[i * n + j] = v));
  });
  return { n, data };
}

/**
 * Lower-triangular L with A = L Lᵀ (A symmetric positive definite, row-major n×n; only the lower
 * triangle is read). Throws naming the failing pivot when A is not positive definite.
 */
export function cholesky(a: Float64Array, n: number, where = "cholesky"): Float64Array {
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    // L[j,j] = sqrt(A[j,j] − Σ_{k<j} L[j,k]²)
    let d = a[j * n + j]!;
    for (let k = 0; k < j; k++) d -= L[j * n + k]! * L[j * n + k]!;
    if (!(d > 0)) throw new RangeError(`${where}: matrix is not positive definite (pivot ${j} is ${d}); a covariance must be symmetric positive definite`);
    const ljj = Math.sqrt(d);
    L[j * n + j] = ljj;
    // L[i,j] = (A[i,j] − Σ_{k<j} L[i,k] L[j,k]) / L[j,j]   for i > j
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= L[i * n + k]! * L[j * n + k]!;
      L[i * n + j] = s / ljj;
    }
  }
  return L;
}

/** A⁻¹ from A's Cholesky factor L (solve L Y = I, then Lᵀ X = Y). */
export function choleskyInverse(L: Float64Array, n: number): Float64Array {
  const X = new Float64Array(n * n);
  const y = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    // forward: L y = e_c
    for (let i = 0; i < n; i++) {
      let s = i === c ? 1 : 0;
      for (let k = 0; k < i; k++) s -= L[i * n + k]! * y[k]!;
      y[i] = s / L[i * n + i]!;
    }
    // backward: Lᵀ x = y
    for (let i = n - 1; i >= 0; i--) {
      let s = y[i]!;
      for (let k = i + 1; k < n; k++) s -= L[k * n + i]! * X[k * n + c]!;
      X[i * n + c] = s / L[i * n + i]!;
    }
  }
  return X;
}

function symmetrize(a: Float64Array, n: number): Float64Array {
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s[i * n + j] = 0.5 * (a[i * n + j]! + a[j * n + i]!);
  return s;
}

/**
 * ln det A for symmetric positive definite A (the symmetric part (A + Aᵀ)/2 is used), by Cholesky:
 *   y = 2 Σ_i ln L[i,i]        A.grad[i,j] += y.grad · (A_sym⁻¹)[i,j]
 */
export function logDet(a: Tensor): Tensor {
  const { n, data } = toSquare(a, "logDet");
  const sym = symmetrize(data, n);
  return runOp("logDet", [a], () => {
    const L = cholesky(sym, n, "logDet");
    let y = 0;
    for (let i = 0; i < n; i++) y += 2 * Math.log(L[i * n + i]!);
    const out = new Tensor(a.dtype === "float64" ? Float64Array.of(y) : Float32Array.of(y), []);
    return {
      out,
      multiplies: (n * n * n) / 6,
      adds: (n * n * n) / 6,
      backward: (o) => {
        const g = o.grad!.data[0]!;
        const inv = choleskyInverse(L, n);
        const ga = gradBuffer(a);
        // A.grad[i,j] += y.grad · A⁻¹[i,j]
        for (let i = 0; i < n * n; i++) ga[i] += g * inv[i]!;
      },
    };
  });
}

/**
 * Differential entropy of a d-dimensional normal with covariance Σ: d/2 (1 + ln 2π) + ½ ln det Σ.
 * A Tensor covariance gives a differentiable Tensor; nested arrays give a number.
 */
export function mvnEntropy(cov: Tensor, options?: UnitOptions): Tensor;
export function mvnEntropy(cov: readonly (readonly number[])[], options?: UnitOptions): number;
export function mvnEntropy(cov: Matrix, options: UnitOptions = {}): Tensor | number {
  if (cov instanceof Tensor) {
    const d = cov.shape[0] ?? 0;
    return scale(add(mul(logDet(cov), 0.5), d * HALF_LOG_2PI_E), options, "mvnEntropy");
  }
  const { n, data } = toSquare(cov, "mvnEntropy");
  const L = cholesky(symmetrize(data, n), n, "mvnEntropy");
  let h = n * HALF_LOG_2PI_E;
  for (let i = 0; i < n; i++) h += Math.log(L[i * n + i]!);
  return fromNats(h, options, "mvnEntropy");
}

/** KL(N(μ1, Σ1) ‖ N(μ2, Σ2)) for d-dimensional normals (numbers; Cholesky by hand). */
export function klMvn(
  mu1: readonly number[] | Tensor,
  cov1: Matrix,
  mu2: readonly number[] | Tensor,
  cov2: Matrix,
  options: UnitOptions = {},
): number {
  const A = toSquare(cov1, "klMvn (cov1)");
  const B = toSquare(cov2, "klMvn (cov2)");
  const m1 = mu1 instanceof Tensor ? Array.from(mu1.data) : mu1;
  const m2 = mu2 instanceof Tensor ? Array.from(mu2.data) : mu2;
  const d = A.n;
  if (B.n !== d || m1.length !== d || m2.length !== d) {
    throw new RangeError(`klMvn: dimensions disagree: mu1 ${m1.length}, cov1 ${A.n}×${A.n}, mu2 ${m2.length}, cov2 ${B.n}×${B.n}`);
  }
  const L1 = cholesky(symmetrize(A.data, d), d, "klMvn (cov1)");
  const L2 = cholesky(symmetrize(B.data, d), d, "klMvn (cov2)");
  const inv2 = choleskyInverse(L2, d);
  const sa = symmetrize(A.data, d);
  let tr = 0;
  // tr(Σ2⁻¹ Σ1) = Σ_{i,k} Σ2⁻¹[i,k] Σ1[k,i]
  for (let i = 0; i < d; i++) for (let k = 0; k < d; k++) tr += inv2[i * d + k]! * sa[k * d + i]!;
  let quad = 0;
  for (let i = 0; i < d; i++) for (let k = 0; k < d; k++) quad += (m2[i]! - m1[i]!) * inv2[i * d + k]! * (m2[k]! - m1[k]!);
  let ld = 0;
  for (let i = 0; i < d; i++) ld += 2 * (Math.log(L2[i * d + i]!) - Math.log(L1[i * d + i]!));
  return fromNats(0.5 * (tr + quad - d + ld), options, "klMvn");
}
