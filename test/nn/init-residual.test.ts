// Initialisers (PyTorch's gains and modes; the seed's residual rule) by their empirical
// statistics, and residual blocks: x + f(x), the seed's bare x + Conv(W, x), and the variance
// doubling over L blocks that the residual rule promises (exact in expectation on a torus).
import { describe, expect, it } from "vitest";
import { gradcheck } from "../../src/gradcheck.js";
import { Conv2d, Linear, ReLU, ResidualBlock, residualConv, residualStack, Sequential } from "../../src/nn/index.js";
import {
  calculateGain, kaimingNormal_, kaimingUniform_, residualNormal_, residualSigma, xavierNormal_, xavierUniform_,
} from "../../src/nn/init.js";
import { conv2d } from "../../src/ops/conv.js";
import { add, relu } from "../../src/ops/elementwise.js";
import { noGrad } from "../../src/autograd.js";
import { randn, zeros, type Tensor } from "../../src/tensor.js";

function stats(t: Tensor): { mean: number; std: number; min: number; max: number } {
  let s = 0, s2 = 0, min = Infinity, max = -Infinity;
  for (const v of t.data) { s += v; s2 += v * v; min = Math.min(min, v); max = Math.max(max, v); }
  const mean = s / t.size;
  return { mean, std: Math.sqrt(s2 / t.size - mean * mean), min, max };
}

describe("initialisers", () => {
  it("calculateGain follows PyTorch", () => {
    expect(calculateGain("linear")).toBe(1);
    expect(calculateGain("conv2d")).toBe(1);
    expect(calculateGain("sigmoid")).toBe(1);
    expect(calculateGain("tanh")).toBeCloseTo(5 / 3, 15);
    expect(calculateGain("relu")).toBeCloseTo(Math.SQRT2, 15);
    expect(calculateGain("leaky_relu")).toBeCloseTo(Math.sqrt(2 / (1 + 0.01 ** 2)), 15);
    expect(calculateGain("leaky_relu", Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3), 15);
    expect(calculateGain("selu")).toBe(0.75);
    expect(() => calculateGain("swish" as never)).toThrow(/unsupported nonlinearity/);
  });

  // a [64, 32, 3, 3] conv weight: fan_in = 288, fan_out = 576, 18,432 values (std error of std ≈ 0.5 %)
  const w = (): Tensor => zeros([64, 32, 3, 3]);
  const fanIn = 32 * 9, fanOut = 64 * 9;

  it("kaimingNormal_ has std gain/√fan for both modes and several nonlinearities", () => {
    for (const [o, want] of [
      [{}, Math.SQRT2 / Math.sqrt(fanIn)],
      [{ mode: "fan_out" as const }, Math.SQRT2 / Math.sqrt(fanOut)],
      [{ nonlinearity: "tanh" as const }, 5 / 3 / Math.sqrt(fanIn)],
      [{ a: 0.2 }, Math.sqrt(2 / 1.04) / Math.sqrt(fanIn)],
    ] as const) {
      const s = stats(kaimingNormal_(w(), { ...o, seed: 1 }));
      expect(Math.abs(s.mean)).toBeLessThan(0.03 * want);
      expect(s.std / want).toBeGreaterThan(0.98);
      expect(s.std / want).toBeLessThan(1.02);
    }
  });

  it("kaimingUniform_ and xavierUniform_ fill ±bound with std bound/√3; xavierNormal_ has std gain·√(2/(in+out))", () => {
    const kb = Math.SQRT2 * Math.sqrt(3 / fanIn);
    const k = stats(kaimingUniform_(w(), { seed: 2 }));
    expect(k.max).toBeLessThanOrEqual(kb);
    expect(k.min).toBeGreaterThanOrEqual(-kb);
    expect(k.max).toBeGreaterThan(0.99 * kb);
    expect(k.std / (kb / Math.sqrt(3))).toBeCloseTo(1, 1);
    const xb = 2 * Math.sqrt(6 / (fanIn + fanOut));
    const x = stats(xavierUniform_(w(), 2, { seed: 3 }));
    expect(x.max).toBeLessThanOrEqual(xb);
    expect(x.min).toBeGreaterThanOrEqual(-xb);
    expect(x.std / (xb / Math.sqrt(3))).toBeCloseTo(1, 1);
    const xn = stats(xavierNormal_(w(), 1, { seed: 4 }));
    expect(xn.std / Math.sqrt(2 / (fanIn + fanOut))).toBeGreaterThan(0.98);
    expect(xn.std / Math.sqrt(2 / (fanIn + fanOut))).toBeLessThan(1.02);
  });

  it("the seed's residual rule σ_w = √(ln 2/(L·N²·C)), and residualNormal_ draws with it", () => {
    expect(residualSigma(10, 3, 16)).toBeCloseTo(Math.sqrt(Math.LN2 / (10 * 9 * 16)), 15);
    expect(() => residualSigma(0, 3, 16)).toThrow(/L must be a positive integer/);
    const t = residualNormal_(zeros([32, 32, 3, 3]), 4, { seed: 5 });
    const want = residualSigma(4, 3, 32);
    expect(stats(t).std / want).toBeGreaterThan(0.97);
    expect(stats(t).std / want).toBeLessThan(1.03);
  });

  it("are reproducible from a seed", () => {
    expect(Array.from(kaimingNormal_(w(), { seed: 9 }).data)).toEqual(Array.from(kaimingNormal_(w(), { seed: 9 }).data));
  });
});

describe("residual blocks", () => {
  it("ResidualBlock computes x + f(x) for any module and names it body", () => {
    const f = new Sequential(new Linear(4, 4, { seed: 1, dtype: "float64" }), new ReLU());
    const blk = new ResidualBlock(f);
    expect(Object.keys(blk.stateDict())).toEqual(["body.0.weight", "body.0.bias"]);
    const x = randn([3, 4], { dtype: "float64", seed: 2 });
    const want = add(x, f.forward(x));
    expect(Array.from(blk.forward(x).data)).toEqual(Array.from(want.data));
    expect(() => new ResidualBlock(new Linear(4, 3)).forward(randn([2, 4]))).toThrow(/same shape/);
  });

  it("residualConv is the seed's bare x + Conv(W, x): same padding, no bias; optional ReLU and circular padding", () => {
    const blk = residualConv(3, 3, { paddingMode: "circular", init: 5, seed: 1, dtype: "float64" });
    expect(Object.keys(blk.stateDict())).toEqual(["body.weight"]);
    const conv = blk.body as Conv2d;
    expect(conv.bias).toBeNull();
    const x = randn([2, 3, 5, 6], { dtype: "float64", seed: 2 });
    const want = add(x, conv2d(x, conv.weight, null, { padding: "same", paddingMode: "circular" }));
    expect(Array.from(blk.forward(x).data)).toEqual(Array.from(want.data));
    const withRelu = residualConv(3, 3, { relu: true, seed: 1, dtype: "float64" });
    expect(Object.keys(withRelu.stateDict())).toEqual(["body.0.weight"]);
    const w = ((withRelu.body as Sequential).layers[0] as Conv2d).weight;
    expect(Array.from(withRelu.forward(x).data)).toEqual(Array.from(add(x, relu(conv2d(x, w, null, { padding: "same" }))).data));
    const r = gradcheck((xx, ww) => add(xx!, conv2d(xx!, ww!, null, { padding: "same", paddingMode: "circular" })), [randn([1, 2, 4, 3], { dtype: "float64" }), randn([2, 2, 3, 3], { dtype: "float64" })]);
    expect(r.ok).toBe(true);
  });

  it("residualStack with the seed's σ_w doubles the activation variance over L layers (circular padding)", () => {
    const L = 8, C = 32, N = 3;
    const x = randn([4, C, 12, 12], { seed: 3 });
    const ratios: number[] = [];
    for (let seed = 0; seed < 6; seed++) {
      const net = residualStack(L, C, N, { paddingMode: "circular", seed });
      const y = noGrad(() => net.forward(x));
      ratios.push(stats(y).std ** 2 / stats(x).std ** 2);
    }
    const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
    // (1 + ln2/L)^L = 1.94 for L = 8 (→ 2 as L grows); finite-sample spread is a few percent
    expect(mean).toBeGreaterThan(1.94 * 0.95);
    expect(mean).toBeLessThan(1.94 * 1.05);
  });
});
