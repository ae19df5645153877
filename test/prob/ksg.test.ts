import { describe, expect, it } from "vitest";
import * as fl from "../../src/index.js";

const P = fl.prob;

function correlated(n: number, rho: number, seed: number): { x: Float64Array; z: Float64Array } {
  const g = new fl.Generator(seed);
  const x = new Float64Array(n);
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = g.normal();
    z[i] = rho * x[i]! + Math.sqrt(1 - rho * rho) * g.normal();
  }
  return { x, z };
}

function rows(n: number, d: number, seed: number): number[][] {
  const g = new fl.Generator(seed);
  return Array.from({ length: n }, () => Array.from({ length: d }, () => g.normal()));
}

describe("digamma", () => {
  it("known values", () => {
    const gamma = 0.5772156649015329;
    expect(P.digamma(1)).toBeCloseTo(-gamma, 13);
    expect(P.digamma(0.5)).toBeCloseTo(-gamma - 2 * Math.LN2, 13);
    expect(P.digamma(10)).toBeCloseTo(-gamma + [1, 2, 3, 4, 5, 6, 7, 8, 9].reduce((s, k) => s + 1 / k, 0), 13);
  });
});

describe("KSG estimator: k-d tree search against the O(N²) definition", () => {
  it.each([
    [1, 1, 3],
    [2, 1, 4],
    [2, 3, 2],
  ])("dims x %i, z %i, k = %i: identical estimates", (dx, dz, k) => {
    const x = rows(300, dx, 10 * dx + dz);
    const base = rows(300, dz, 99);
    // make z depend on x so the estimate is not trivially zero
    const z = base.map((r, i) => r.map((v, c) => 0.5 * v + x[i]![c % dx]!));
    const xs = dx === 1 ? x.map((r) => r[0]!) : x;
    const zs = dz === 1 ? z.map((r) => r[0]!) : z;
    const fast = P.ksgMutualInformation(xs, zs, { k, blocks: 0 });
    const brute = P.ksgMutualInformation(xs, zs, { k, blocks: 0, method: "brute" });
    expect(Math.abs(fast.estimate - brute.estimate)).toBeLessThan(1e-12);
    expect(fast.estimate).toBeGreaterThan(0.2);
  });

  it("accepts tensors [N] and [N, d]", () => {
    const { x, z } = correlated(500, 0.5, 3);
    const a = P.ksgMutualInformation(x, z, { blocks: 0 }).estimate;
    const b = P.ksgMutualInformation(fl.tensor(x), fl.tensor(z, [500, 1]), { blocks: 0 }).estimate;
    expect(b).toBeCloseTo(a, 5); // float32 storage of the tensors
    expect(() => P.ksgMutualInformation(x, z.subarray(0, 400))).toThrow(/x has 500 samples but z has 400/);
  });
});

describe("KSG estimator on correlated Gaussians (I = −½ ln(1 − ρ²))", () => {
  it.each([0, 0.6, 0.9])("ρ = %f, N = 10,000: within 4 standard errors of the closed form", (rho) => {
    const { x, z } = correlated(10000, rho, 7);
    const t0 = performance.now();
    const r = P.ksgMutualInformation(x, z, { k: 3 });
    const ms = performance.now() - t0;
    const closed = P.gaussianCorrelationMI(rho);
    expect(Math.abs(r.estimate - closed), `estimate ${r.estimate} ± ${r.stderr}, closed ${closed}`).toBeLessThan(4 * r.stderr);
    expect(r.stderr).toBeGreaterThan(0.002);
    expect(r.stderr).toBeLessThan(0.03);
    expect(ms).toBeLessThan(3000); // about 0.1 s unloaded
  });

  it("the stderr is calibrated: the spread over independent data sets matches the reported stderr", () => {
    const est: number[] = [];
    const se: number[] = [];
    for (let s = 0; s < 24; s++) {
      const { x, z } = correlated(2000, 0.6, 100 + s);
      const r = P.ksgMutualInformation(x, z, { k: 3, blocks: 8, seed: s });
      est.push(r.estimate);
      se.push(r.stderr);
    }
    const m = est.reduce((a, v) => a + v, 0) / est.length;
    const sd = Math.sqrt(est.reduce((a, v) => a + (v - m) ** 2, 0) / (est.length - 1));
    const meanSe = se.reduce((a, v) => a + v, 0) / se.length;
    expect(sd / meanSe).toBeGreaterThan(0.5);
    expect(sd / meanSe).toBeLessThan(2);
    expect(Math.abs(m - P.gaussianCorrelationMI(0.6))).toBeLessThan((4 * sd) / Math.sqrt(est.length));
  });

  it("bits on request", () => {
    const { x, z } = correlated(2000, 0.6, 1);
    const nats = P.ksgMutualInformation(x, z);
    const bits = P.ksgMutualInformation(x, z, { unit: "bits" });
    expect(bits.estimate).toBeCloseTo(nats.estimate / Math.LN2, 12);
    expect(bits.stderr).toBeCloseTo(nats.stderr / Math.LN2, 12);
  });
});
