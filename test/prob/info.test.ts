import { describe, expect, it } from "vitest";
import * as fl from "../../src/index.js";

const f64 = { dtype: "float64" as const };
const P = fl.prob;

function randomDist(shape: number[], seed: number): fl.Tensor {
  return fl.softmax(fl.randn(shape, { seed, dtype: "float64" }), -1);
}

describe("entropy, cross-entropy, KL", () => {
  it("uniform over K has entropy ln K nats = log2 K bits; a point mass has 0", () => {
    for (const K of [1, 2, 5, 8]) {
      const u = fl.full([K], 1 / K, f64);
      expect(P.entropy(u).item()).toBeCloseTo(Math.log(K), 12);
      expect(P.entropy(u, { base: 2 }).item()).toBeCloseTo(Math.log2(K), 12);
      expect(P.entropy(u, { unit: "bits" }).item()).toBeCloseTo(Math.log2(K), 12);
    }
    expect(P.entropy([0, 1, 0]).item() + 0).toBe(0); // (−0 from the negation)
  });

  it("reduces along dim, and from logits equals from probabilities", () => {
    const logits = fl.randn([3, 4, 5], { seed: 1, dtype: "float64" });
    for (const dim of [0, 1, 2, -1]) {
      const p = fl.softmax(logits, dim);
      const a = P.entropy(p, { dim });
      const b = P.entropy(logits, { dim, logits: true });
      expect(a.shape).toEqual(logits.shape.filter((_, i) => i !== (dim + 3) % 3));
      a.data.forEach((v, i) => expect(v).toBeCloseTo(b.data[i]!, 12));
      // direct sum for one slice
    }
    const p = randomDist([6], 2);
    let h = 0;
    p.data.forEach((v) => (h -= v * Math.log(v)));
    expect(P.entropy(p).item()).toBeCloseTo(h, 13);
  });

  it("H(p, q) = H(p) + KL(p‖q); KL ≥ 0 with equality iff p = q; logits variants agree", () => {
    const lp = fl.randn([4, 6], { seed: 3, dtype: "float64" });
    const lq = fl.randn([4, 6], { seed: 4, dtype: "float64" });
    const p = fl.softmax(lp, -1);
    const q = fl.softmax(lq, -1);
    const ce = P.crossEntropy(p, q).data;
    const h = P.entropy(p).data;
    const d = P.kl(p, q).data;
    for (let i = 0; i < 4; i++) {
      expect(ce[i]).toBeCloseTo(h[i]! + d[i]!, 12);
      expect(d[i]).toBeGreaterThan(0);
    }
    P.kl(p, p).data.forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-14));
    const variants = [
      P.kl(lp, lq, { logits: true }),
      P.kl(p, lq, { qLogits: true }),
      P.kl(lp, q, { pLogits: true }),
    ];
    for (const v of variants) v.data.forEach((x, i) => expect(x).toBeCloseTo(d[i]!, 12));
    P.crossEntropy(p, lq, { qLogits: true }).data.forEach((x, i) => expect(x).toBeCloseTo(ce[i]!, 12));
    // against the framework's crossEntropy loss with one-hot targets
    const labels = [0, 3, 5, 1];
    const onehot = fl.zeros([4, 6], f64);
    labels.forEach((l, i) => (onehot.data[i * 6 + l] = 1));
    const mine = P.crossEntropy(onehot, lq, { qLogits: true });
    expect(fl.mean(mine).item()).toBeCloseTo(fl.crossEntropy(lq, labels).item(), 12);
  });

  it("KL is +∞ where q = 0 < p and 0 ln 0 terms vanish", () => {
    expect(P.kl([0.5, 0.5], [1, 0]).item()).toBe(Infinity);
    expect(P.kl([1, 0], [0.5, 0.5]).item()).toBeCloseTo(Math.LN2, 14);
  });

  it("rejects unnormalised or negative probabilities with a clear error", () => {
    expect(() => P.entropy([0.5, 0.6])).toThrow(/sums to 1.1.*not 1/);
    expect(() => P.entropy([-0.5, 1.5])).toThrow(/negative/);
    expect(() => P.kl([0.5, 0.5], [0.5, 0.5, 0])).toThrow(/kl/);
    expect(() => P.entropy([0.5, 0.5], { base: 1 })).toThrow(/base/);
  });
});

describe("mutual information of a joint table", () => {
  it("independent tables give 0; a copy of a fair bit gives ln 2 = 1 bit", () => {
    const pa = [0.2, 0.5, 0.3];
    const pb = [0.6, 0.4];
    const indep = pa.map((a) => pb.map((b) => a * b));
    expect(Math.abs(P.mutualInformation(indep).item())).toBeLessThan(1e-7);
    expect(P.mutualInformation([[0.5, 0], [0, 0.5]], { unit: "bits" }).item()).toBeCloseTo(1, 6);
  });

  it("equals H(A) + H(B) − H(A,B) and accepts counts with { normalize: true }", () => {
    const t = fl.softmax(fl.randn([12], { seed: 5, dtype: "float64" }), 0);
    const joint = fl.reshape(t, [3, 4]);
    const ha = P.entropy(fl.sum(joint, 1)).item();
    const hb = P.entropy(fl.sum(joint, 0)).item();
    const hab = P.entropy(t).item();
    expect(P.mutualInformation(joint).item()).toBeCloseTo(ha + hb - hab, 12);
    const counts = fl.mul(joint, 1000);
    expect(P.mutualInformation(counts, { normalize: true }).item()).toBeCloseTo(ha + hb - hab, 12);
  });
});

describe("gradient checks (float64)", () => {
  const p = randomDist([3, 4], 11);
  const q = randomDist([3, 4], 12);
  const lp = fl.randn([3, 4], { seed: 13, dtype: "float64" });
  const lq = fl.randn([3, 4], { seed: 14, dtype: "float64" });
  const opts = { atol: 1e-6, rtol: 1e-5 };
  // probabilities are perturbed off the simplex by the finite differences: skip the sum check there
  const nc = { check: false };
  it.each([
    ["entropy (probs)", (a: fl.Tensor) => P.entropy(a, nc), [p]],
    ["entropy (logits, dim 0)", (a: fl.Tensor) => P.entropy(a, { logits: true, dim: 0 }), [lp]],
    ["crossEntropy (probs)", (a: fl.Tensor, b: fl.Tensor) => P.crossEntropy(a, b, nc), [p, q]],
    ["crossEntropy (logits, bits)", (a: fl.Tensor, b: fl.Tensor) => P.crossEntropy(a, b, { logits: true, unit: "bits" }), [lp, lq]],
    ["kl (probs)", (a: fl.Tensor, b: fl.Tensor) => P.kl(a, b, nc), [p, q]],
    ["kl (logits)", (a: fl.Tensor, b: fl.Tensor) => P.kl(a, b, { logits: true }), [lp, lq]],
    ["kl (p probs, q logits)", (a: fl.Tensor, b: fl.Tensor) => P.kl(a, b, { qLogits: true, check: false }), [p, lq]],
    ["kl (p logits, q probs)", (a: fl.Tensor, b: fl.Tensor) => P.kl(a, b, { pLogits: true, check: false }), [lp, q]],
    ["xlogy (broadcast)", (a: fl.Tensor, b: fl.Tensor) => P.xlogy(a, b), [p, randomDist([1, 4], 15)]],
    ["mutualInformation (normalize)", (a: fl.Tensor) => P.mutualInformation(a, { normalize: true }), [p]],
  ] as const)("%s", (_n, fn, inputs) => {
    const r = fl.gradcheck(fn as (...t: fl.Tensor[]) => fl.Tensor, inputs as unknown as fl.Tensor[], opts);
    expect(r.ok, JSON.stringify(r.worst)).toBe(true);
  });
});
