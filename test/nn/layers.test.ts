// Conv2d / pooling / Dropout / BatchNorm modules: PyTorch names and layouts, default inits,
// train/eval behaviour, and gradient checks of the batch-norm and dropout ops.
import { describe, expect, it } from "vitest";
import { gradcheck } from "../../src/gradcheck.js";
import { BatchNorm1d, BatchNorm2d, Conv2d, Dropout, Flatten, Linear, MaxPool2d, AvgPool2d, ReLU, Sequential } from "../../src/nn/index.js";
import { batchNorm } from "../../src/ops/norm.js";
import { dropout } from "../../src/ops/dropout.js";
import { sum } from "../../src/ops/reduce.js";
import { ones, randn, type Tensor } from "../../src/tensor.js";

describe("Conv2d module", () => {
  it("has PyTorch's layout, names and default init bound 1/√fan_in", () => {
    const c = new Conv2d(3, 8, 5, { seed: 1 });
    expect(c.weight.shape).toEqual([8, 3, 5, 5]);
    expect(c.bias!.shape).toEqual([8]);
    const bound = 1 / Math.sqrt(3 * 25);
    const w = Array.from(c.weight.data);
    expect(Math.max(...w)).toBeLessThanOrEqual(bound);
    expect(Math.min(...w)).toBeGreaterThanOrEqual(-bound);
    expect(Math.max(...w)).toBeGreaterThan(0.9 * bound); // fills the interval
    expect(new Conv2d(2, 2, [3, 1], { bias: false }).namedParameters().map(([n]) => n)).toEqual(["weight"]);
    expect(Array.from(new Conv2d(2, 3, 3, { seed: 7 }).weight.data)).toEqual(Array.from(new Conv2d(2, 3, 3, { seed: 7 }).weight.data));
  });

  it("a small CNN has the state-dict names PyTorch gives it, and trains end to end", () => {
    const net = new Sequential(
      new Conv2d(1, 4, 3, { padding: 1, seed: 1 }), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2),
      new Conv2d(4, 4, 3, { padding: "same", paddingMode: "circular", seed: 2 }), new AvgPool2d(2), new Flatten(),
      new Dropout(0.2, { seed: 3 }), new Linear(4 * 2 * 2, 3, { seed: 4 }),
    );
    expect(Object.keys(net.stateDict())).toEqual([
      "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked",
      "4.weight", "4.bias", "8.weight", "8.bias",
    ]);
    const x = randn([2, 1, 8, 8], { seed: 5 });
    const y = net.forward(x);
    expect(y.shape).toEqual([2, 3]);
    sum(y).backward();
    for (const [n, p] of net.namedParameters()) expect(p.grad, n).not.toBeNull();
    // eval: dropout off, batch norm on running statistics → deterministic
    net.eval();
    const a = net.forward(x), b = net.forward(x);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
  });
});

describe("batchNorm op", () => {
  for (const shape of [[4, 3], [3, 2, 5], [2, 3, 3, 2]]) {
    it(`normalises per channel and passes gradcheck in train and eval, x${JSON.stringify(shape)}`, () => {
      const x = randn(shape, { dtype: "float64", seed: 3 });
      const C = shape[1]!;
      const w = randn([C], { dtype: "float64", seed: 4 }), b = randn([C], { dtype: "float64", seed: 5 });
      const y = batchNorm(x, null, null, null, null, { training: true });
      // every channel of y has mean 0 and (biased) variance ≈ 1 − eps-correction
      const S = x.size / (shape[0]! * C);
      for (let c = 0; c < C; c++) {
        const v: number[] = [];
        for (let n = 0; n < shape[0]!; n++) for (let q = 0; q < S; q++) v.push(y.data[(n * C + c) * S + q]!);
        const m = v.reduce((s, t) => s + t, 0) / v.length;
        const varB = v.reduce((s, t) => s + (t - m) ** 2, 0) / v.length;
        expect(Math.abs(m)).toBeLessThan(1e-12);
        expect(varB).toBeGreaterThan(0.99);
        expect(varB).toBeLessThan(1.0);
      }
      const rm = randn([C], { dtype: "float64", seed: 6 }), rv = ones([C], { dtype: "float64" });
      for (const training of [true, false]) {
        const r = gradcheck((xx, ww, bb) => batchNorm(xx!, rm, rv, ww, bb, { training }), [x, w, b]);
        expect(r.ok, `training=${training} ${JSON.stringify(r.worst)}`).toBe(true);
      }
    });
  }

  it("updates running statistics with momentum 0.1 and the unbiased variance", () => {
    const bn = new BatchNorm1d(2, { dtype: "float64" });
    const x = randn([5, 2], { dtype: "float64", seed: 9 });
    bn.forward(x);
    for (let c = 0; c < 2; c++) {
      const v = [0, 1, 2, 3, 4].map((n) => x.data[n * 2 + c]!);
      const m = v.reduce((a, t) => a + t, 0) / 5;
      const unbiased = v.reduce((a, t) => a + (t - m) ** 2, 0) / 4;
      expect(bn.runningMean!.data[c]).toBeCloseTo(0.1 * m, 12);
      expect(bn.runningVar!.data[c]).toBeCloseTo(0.9 + 0.1 * unbiased, 12);
    }
    expect(bn.stateDict()["num_batches_tracked"]!.item()).toBe(1);
    // eval uses the running statistics and leaves them alone
    bn.eval();
    const before = Array.from(bn.runningMean!.data);
    const y = bn.forward(x);
    expect(Array.from(bn.runningMean!.data)).toEqual(before);
    const want = (x.data[0]! - bn.runningMean!.data[0]!) / Math.sqrt(bn.runningVar!.data[0]! + 1e-5);
    expect(y.data[0]).toBeCloseTo(want, 12);
    expect(bn.stateDict()["num_batches_tracked"]!.item()).toBe(1);
  });

  it("BatchNorm2d checks rank and channels; names follow PyTorch", () => {
    const bn = new BatchNorm2d(3);
    expect(Object.keys(bn.stateDict())).toEqual(["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]);
    expect(bn.namedParameters().map(([n]) => n)).toEqual(["weight", "bias"]);
    expect(() => bn.forward(randn([2, 3]))).toThrow(/rank 4/);
    expect(() => bn.forward(randn([2, 4, 2, 2]))).toThrow(/4 channels \(dim 1\), expected 3/);
    expect(() => new BatchNorm1d(2).forward(randn([1, 2]))).toThrow(/more than one value per channel/);
  });
});

describe("dropout", () => {
  it("zeroes about p of the values, scales the rest by 1/(1−p), and is the identity in eval", () => {
    const x = ones([100, 100]);
    const y = dropout(x, 0.3, { seed: 1 });
    const zeros = Array.from(y.data).filter((v) => v === 0).length;
    expect(Math.abs(zeros / 1e4 - 0.3)).toBeLessThan(0.02);
    for (const v of y.data) if (v !== 0) expect(v).toBeCloseTo(1 / 0.7, 6);
    expect(dropout(x, 0.3, { training: false })).toBe(x);
    expect(Array.from(dropout(x, 1, { seed: 2 }).data).every((v) => v === 0)).toBe(true);
    const d = new Dropout(0.5, { seed: 4 });
    d.eval();
    expect(d.forward(x)).toBe(x);
  });

  it("is reproducible from its seed and passes gradcheck", () => {
    const x = randn([3, 4], { dtype: "float64", seed: 2 });
    expect(Array.from(dropout(x, 0.5, { seed: 8 }).data)).toEqual(Array.from(dropout(x, 0.5, { seed: 8 }).data));
    const a = new Dropout(0.5, { seed: 3 }), b = new Dropout(0.5, { seed: 3 });
    expect(Array.from(a.forward(x).data)).toEqual(Array.from(b.forward(x).data));
    expect(Array.from(a.forward(x).data)).toEqual(Array.from(b.forward(x).data));
    const r = gradcheck((t: Tensor) => dropout(t, 0.4, { seed: 5 }), [x]);
    expect(r.ok).toBe(true);
    expect(() => dropout(x, 1.5)).toThrow(/probability/);
  });
});

describe("Dropout.reseed", () => {
  it("restarts the mask sequence", () => {
    const x = randn([4, 5], { seed: 1 });
    const d = new Dropout(0.5, { seed: 2 });
    const first = Array.from(d.forward(x).data);
    const second = Array.from(d.forward(x).data);
    expect(second).not.toEqual(first);
    d.reseed(2);
    expect(Array.from(d.forward(x).data)).toEqual(first);
  });
});
