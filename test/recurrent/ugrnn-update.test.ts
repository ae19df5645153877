import { describe, expect, it } from "vitest";
import * as fl from "../../src/index.js";
import { maxAbsDiff } from "./helpers.js";

const opts = { dtype: "float64" as const };

describe("ugrnnUpdate: h' = f⊙h + (1−f)⊙d with a hand-written backward", () => {
  it("forward matches the definition element by element", () => {
    const f = fl.rand([3, 5], { ...opts, seed: 1 });
    const h = fl.randn([3, 5], { ...opts, seed: 2 });
    const d = fl.randn([3, 5], { ...opts, seed: 3 });
    const y = fl.ugrnnUpdate(f, h, d);
    expect(y.shape).toEqual([3, 5]);
    for (let i = 0; i < 15; i++) {
      expect(y.data[i]).toBeCloseTo(f.data[i]! * h.data[i]! + (1 - f.data[i]!) * d.data[i]!, 14);
    }
  });

  it("backward equals autograd's mul/add composition", () => {
    const make = () => [
      fl.rand([4, 6], { ...opts, seed: 10, requiresGrad: true }),
      fl.randn([4, 6], { ...opts, seed: 11, requiresGrad: true }),
      fl.randn([4, 6], { ...opts, seed: 12, requiresGrad: true }),
    ] as const;
    const g = fl.randn([4, 6], { ...opts, seed: 13 });
    const [f1, h1, d1] = make();
    fl.ugrnnUpdate(f1, h1, d1).backward(g);
    const [f2, h2, d2] = make();
    fl.add(fl.mul(f2, h2), fl.mul(fl.sub(1, f2), d2)).backward(g);
    expect(maxAbsDiff(f1.grad!.data, f2.grad!.data)).toBeLessThan(1e-14);
    expect(maxAbsDiff(h1.grad!.data, h2.grad!.data)).toBeLessThan(1e-14);
    expect(maxAbsDiff(d1.grad!.data, d2.grad!.data)).toBeLessThan(1e-14);
    // and the equations themselves: f.grad = g·(h − d), h.grad = g·f, d.grad = g·(1 − f)
    for (let i = 0; i < 24; i++) {
      const gi = g.data[i]!;
      expect(f1.grad!.data[i]).toBeCloseTo(gi * (h1.data[i]! - d1.data[i]!), 14);
      expect(h1.grad!.data[i]).toBeCloseTo(gi * f1.data[i]!, 14);
      expect(d1.grad!.data[i]).toBeCloseTo(gi * (1 - f1.data[i]!), 14);
    }
  });

  it("the answer key's f^{t+1}.grad would be wrong: the factor is the output's gradient", () => {
    // With h' the only output, perturbing f moves the loss by h'.grad·(h − d); a gate gradient
    // from the next step (f^{t+1}) does not enter. Scaling h'.grad scales every input gradient.
    const f = fl.tensor([0.3], undefined, { ...opts, requiresGrad: true });
    const h = fl.tensor([2], undefined, { ...opts, requiresGrad: true });
    const d = fl.tensor([-1], undefined, { ...opts, requiresGrad: true });
    fl.ugrnnUpdate(f, h, d).backward(fl.tensor([5], undefined, opts));
    expect(f.grad!.item()).toBeCloseTo(5 * (2 - -1), 12);
    expect(h.grad!.item()).toBeCloseTo(5 * 0.3, 12);
    expect(d.grad!.item()).toBeCloseTo(5 * 0.7, 12);
  });

  it("passes a float64 gradient check", () => {
    const r = fl.gradcheck((f, h, d) => fl.ugrnnUpdate(f!, h!, d!), [
      fl.rand([2, 3], { ...opts, seed: 20 }),
      fl.randn([2, 3], { ...opts, seed: 21 }),
      fl.randn([2, 3], { ...opts, seed: 22 }),
    ]);
    expect(r.ok, JSON.stringify(r.worst)).toBe(true);
  });

  it("adds into existing grads and works when only some inputs need grad", () => {
    const f = fl.rand([2, 2], { ...opts, seed: 1, requiresGrad: true });
    const h = fl.randn([2, 2], { ...opts, seed: 2 });
    const d = fl.randn([2, 2], { ...opts, seed: 3, requiresGrad: true });
    fl.sum(fl.ugrnnUpdate(f, h, d)).backward();
    const first = Array.from(f.grad!.data);
    fl.sum(fl.ugrnnUpdate(f, h, d)).backward();
    expect(Array.from(f.grad!.data)).toEqual(first.map((v) => 2 * v));
    expect(h.grad).toBeNull();
  });

  it("rejects mismatched shapes and dtypes with errors that name them", () => {
    const a = fl.zeros([2, 3]);
    expect(() => fl.ugrnnUpdate(a, fl.zeros([2, 4]), a)).toThrow(/ugrnnUpdate: f has shape \[2, 3\] but h has \[2, 4\] \(dimension 1/);
    expect(() => fl.ugrnnUpdate(a, a, fl.zeros([3]))).toThrow(/but d has \[3\] \(rank/);
    expect(() => fl.ugrnnUpdate(a, a, fl.zeros([2, 3], opts))).toThrow(/dtype mismatch/);
  });
});
