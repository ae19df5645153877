import { describe, expect, it } from "vitest";
import * as fl from "../../src/index.js";

const P = fl.prob;
const f64 = { dtype: "float64" as const };

/** n samples of N(0, Σ) as [n, d] via x = L ε. */
function mvnSamples(cov: number[][], n: number, seed: number): fl.Tensor {
  const d = cov.length;
  const L = P.cholesky(Float64Array.from(cov.flat()), d);
  const g = new fl.Generator(seed);
  const out = new Float64Array(n * d);
  const e = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < d; i++) e[i] = g.normal();
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let k = 0; k <= i; k++) s += L[i * d + k]! * e[k]!;
      out[r * d + i] = s;
    }
  }
  return fl.tensor(out, [n, d], f64);
}

/** ln N(x; 0, Σ) for rows of x, as a [n] tensor. */
function mvnLogDensity(cov: number[][]): (x: fl.Tensor) => fl.Tensor {
  const d = cov.length;
  const L = P.cholesky(Float64Array.from(cov.flat()), d);
  const inv = P.choleskyInverse(L, d);
  let logdet = 0;
  for (let i = 0; i < d; i++) logdet += 2 * Math.log(L[i * d + i]!);
  return (x) => {
    const n = x.shape[0]!;
    const out = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      let q = 0;
      for (let i = 0; i < d; i++) for (let k = 0; k < d; k++) q += x.data[r * d + i]! * inv[i * d + k]! * x.data[r * d + k]!;
      out[r] = -0.5 * (q + logdet + d * Math.log(2 * Math.PI));
    }
    return fl.tensor(out, [n], f64);
  };
}

describe("Gaussian entropy (seed Problem 3a)", () => {
  it("ln σ + ½(1 + ln 2π) agrees with a Monte-Carlo estimate of E[−ln p(x)] within its standard error", () => {
    for (const sigma of [0.1, 1, 7]) {
      const closed = P.gaussianEntropy(sigma);
      expect(closed).toBeCloseTo(Math.log(sigma) + 0.5 * (1 + Math.log(2 * Math.PI)), 14);
      const x = mvnSamples([[sigma * sigma]], 20000, 3);
      const mc = P.mcEntropy(x, mvnLogDensity([[sigma * sigma]]));
      expect(Math.abs(mc.estimate - closed)).toBeLessThan(4 * mc.stderr);
      expect(mc.stderr).toBeLessThan(0.01); // Var(−ln p) = ½ for a Gaussian: stderr ≈ 0.005
    }
  });

  it("depends on the unit of x (Problem 3c): measuring in mm instead of m adds ln 1000", () => {
    expect(P.gaussianEntropy(2000) - P.gaussianEntropy(2)).toBeCloseTo(Math.log(1000), 12);
    expect(P.gaussianEntropy(1, { unit: "bits" })).toBeCloseTo(P.gaussianEntropy(1) / Math.LN2, 14);
  });

  it("tensor form is differentiable: d/dσ = 1/σ", () => {
    const s = fl.tensor([0.5, 2], undefined, { dtype: "float64", requiresGrad: true });
    fl.sum(P.gaussianEntropy(s)).backward();
    expect(Array.from(s.grad!.data)).toEqual([2, 0.5]);
    expect(fl.gradcheck((t) => P.gaussianEntropy(t!), [s]).ok).toBe(true);
  });
});

describe("Gaussian channel mutual information (seed Problem 3b)", () => {
  it("I(x; x+ε) = H(z) − H(z|x) = ½ ln(1 + σx²/σε²) — not the key's ln(1 + σx²/σε²)", () => {
    for (const [sx2, se2] of [[1, 1], [4, 0.5], [0.01, 3]] as const) {
      const viaEntropies = P.gaussianEntropy(Math.sqrt(sx2 + se2)) - P.gaussianEntropy(Math.sqrt(se2));
      expect(P.gaussianChannelMI(sx2, se2)).toBeCloseTo(viaEntropies, 13);
      expect(P.gaussianChannelMI(sx2, se2)).toBeCloseTo(0.5 * Math.log1p(sx2 / se2), 14);
    }
  });

  it("the KSG estimate on channel samples confirms ½ ln(1 + SNR) and rules out ln(1 + SNR)", () => {
    const n = 10000;
    const g = new fl.Generator(17);
    const sx = 2;
    const se = 1.5;
    const x = new Float64Array(n);
    const z = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = sx * g.normal();
      z[i] = x[i]! + se * g.normal();
    }
    const r = P.ksgMutualInformation(x, z, { k: 3 });
    const half = P.gaussianChannelMI(sx * sx, se * se);
    const key = Math.log1p((sx * sx) / (se * se));
    expect(Math.abs(r.estimate - half)).toBeLessThan(4 * r.stderr);
    expect(Math.abs(r.estimate - key)).toBeGreaterThan(10 * r.stderr);
    // Problem 3c: the mutual information does not depend on the unit (both in mm: the same estimate)
    const mm = P.ksgMutualInformation(x.map((v) => v * 1000), z.map((v) => v * 1000), { k: 3, blocks: 0 });
    expect(mm.estimate).toBeCloseTo(r.estimate, 6);
  });

  it("tensor form is differentiable", () => {
    const a = fl.tensor([1, 3], undefined, f64);
    const b = fl.tensor([2, 0.5], undefined, f64);
    expect(fl.gradcheck((s, t) => P.gaussianChannelMI(s!, t!), [a, b]).ok).toBe(true);
  });
});

describe("multivariate normal: entropy, log det, KL", () => {
  const cov = [
    [2, 0.6, 0.3],
    [0.6, 1, -0.2],
    [0.3, -0.2, 0.5],
  ];

  it("a diagonal covariance gives the sum of univariate entropies", () => {
    const s = [0.5, 1.3, 2];
    const diag = s.map((v, i) => s.map((_, j) => (i === j ? v * v : 0)));
    expect(P.mvnEntropy(diag)).toBeCloseTo(s.reduce((a, v) => a + P.gaussianEntropy(v), 0), 13);
  });

  it("matches a Monte-Carlo estimate, and the tensor form matches the array form", () => {
    const x = mvnSamples(cov, 20000, 5);
    const mc = P.mcEntropy(x, mvnLogDensity(cov));
    const closed = P.mvnEntropy(cov);
    expect(Math.abs(mc.estimate - closed)).toBeLessThan(4 * mc.stderr);
    expect(P.mvnEntropy(fl.tensor(cov, undefined, f64)).item()).toBeCloseTo(closed, 13);
  });

  it("the correlation MI −½ ln(1 − ρ²) = H(x) + H(z) − H(x, z)", () => {
    const rho = 0.7;
    const h2 = P.mvnEntropy([[1, rho], [rho, 1]]);
    expect(P.gaussianCorrelationMI(rho)).toBeCloseTo(2 * P.gaussianEntropy(1) - h2, 13);
  });

  it("logDet and mvnEntropy gradients (A.grad = A⁻¹) pass gradcheck", () => {
    const A = fl.tensor(cov, undefined, f64);
    expect(fl.gradcheck((a) => P.logDet(a!), [A]).ok).toBe(true);
    expect(fl.gradcheck((a) => P.mvnEntropy(a!, { unit: "bits" }), [A]).ok).toBe(true);
  });

  it("not positive definite: a clear error naming the pivot", () => {
    expect(() => P.mvnEntropy([[1, 2], [2, 1]])).toThrow(/not positive definite \(pivot 1/);
  });

  it("KL between normals: closed forms agree with each other and with Monte Carlo", () => {
    // univariate vs multivariate with d = 1
    expect(P.klNormal(0.3, 1.2, -0.5, 0.7)).toBeCloseTo(P.klMvn([0.3], [[1.44]], [-0.5], [[0.49]]), 13);
    expect(P.klNormal(1, 2, 1, 2)).toBe(0);
    // 2-D: E_p[ln p − ln q]
    const c1 = [[1, 0.5], [0.5, 2]];
    const c2 = [[1.5, -0.3], [-0.3, 0.8]];
    const mu2 = [0.4, -0.2];
    const x = mvnSamples(c1, 20000, 9);
    const lp = mvnLogDensity(c1)(x).data;
    const shifted = fl.tensor(Array.from(x.data, (v, i) => v - mu2[i % 2]!), [20000, 2], f64);
    const lq = mvnLogDensity(c2)(shifted).data;
    const mc = P.mcMean(Array.from(lp, (v, i) => v - lq[i]!));
    const closed = P.klMvn([0, 0], c1, mu2, c2);
    expect(Math.abs(mc.estimate - closed)).toBeLessThan(4 * mc.stderr);
  });

  it("klNormal tensor form passes gradcheck", () => {
    const t = (v: number): fl.Tensor => fl.tensor([v], undefined, f64);
    expect(fl.gradcheck((a, b, c, d) => P.klNormal(a!, b!, c!, d!), [t(0.3), t(1.2), t(-0.5), t(0.7)]).ok).toBe(true);
  });
});

describe("Monte-Carlo standard errors", () => {
  it("batch means widen the stderr of a correlated AR(1) sequence by about √((1+φ)/(1−φ)) and cover the mean", () => {
    const phi = 0.8;
    const n = 40000;
    const g = new fl.Generator(2);
    const v = new Float64Array(n);
    let x = 0;
    for (let i = 0; i < n; i++) v[i] = x = phi * x + g.normal();
    const naive = P.mcMean(v);
    const bm = P.batchMeans(v, 40);
    const ratio = bm.stderr / naive.stderr;
    expect(ratio).toBeGreaterThan(0.6 * Math.sqrt((1 + phi) / (1 - phi)));
    expect(ratio).toBeLessThan(1.5 * Math.sqrt((1 + phi) / (1 - phi)));
    expect(Math.abs(bm.estimate)).toBeLessThan(4 * bm.stderr);
  });
});
