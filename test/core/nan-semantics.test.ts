import { describe, expect, it } from "vitest";
import * as fl from "../../src/index.js";

describe("NaN and Inf as in PyTorch", () => {
  it("maximum and minimum propagate a NaN from either operand", () => {
    const a = fl.tensor([NaN, 1, 2]);
    const b = fl.tensor([1, NaN, 3]);
    expect(fl.maximum(a, b).toList()).toEqual([NaN, NaN, 3]);
    expect(fl.minimum(a, b).toList()).toEqual([NaN, NaN, 2]);
    expect(fl.maximum(NaN, fl.tensor([5])).toList()).toEqual([NaN]);
  });

  it("d/dx pow(x, 0) is 0 at x = 0, and d/db pow(0, b) is 0 for b ≥ 0 (PyTorch's pow backward)", () => {
    const x = fl.tensor([0, 2], undefined, { dtype: "float64", requiresGrad: true });
    fl.sum(fl.pow(x, 0)).backward();
    expect(x.grad!.toList()).toEqual([0, 0]);
    const base = fl.tensor([0, 0, 2], undefined, { dtype: "float64", requiresGrad: true });
    const e = fl.tensor([0, 2, 3], undefined, { dtype: "float64", requiresGrad: true });
    fl.sum(fl.pow(base, e)).backward();
    expect(base.grad!.toList()).toEqual([0, 0, 12]);
    expect(e.grad!.toList()[0]).toBe(0);
    expect(e.grad!.toList()[1]).toBe(0);
    expect(e.grad!.toList()[2]).toBeCloseTo(8 * Math.log(2), 12);
    // elsewhere the gradient is unchanged: a float64 gradcheck away from 0
    const p = fl.tensor([0.7, 1.3, 2.1], undefined, { dtype: "float64", requiresGrad: true });
    const q = fl.tensor([0.5, 2, -1.5], undefined, { dtype: "float64", requiresGrad: true });
    expect(fl.gradcheck((u, v) => fl.pow(u!, v!), [p, q]).ok).toBe(true);
  });

  it("logSumExp([+Inf, 1]) is +Inf and logSoftmax/softmax are finite where PyTorch's are", () => {
    expect(fl.logSumExp(fl.tensor([Infinity, 1])).item()).toBe(Infinity);
    expect(fl.logSumExp(fl.tensor([-Infinity, -Infinity])).item()).toBe(-Infinity);
    expect(fl.logSumExp(fl.tensor([Infinity, -Infinity])).item()).toBe(Infinity);
    expect(fl.logSumExp(fl.tensor([NaN, 1])).item()).toBeNaN();
    // torch.log_softmax([inf, 1]) = [nan, -inf]; torch.softmax([inf, 1]) = [nan, 0]
    const ls = fl.logSoftmax(fl.tensor([[Infinity, 1], [3, 1]])).toList();
    expect(ls[0]).toBeNaN();
    expect(ls[1]).toBe(-Infinity);
    expect(ls[2]).toBeCloseTo(-Math.log1p(Math.exp(-2)), 6);
    expect(fl.softmax(fl.tensor([Infinity, 1])).toList()[1]).toBe(0);
    // large finite values are unchanged: shifted by the max
    expect(fl.logSumExp(fl.tensor([1000, 1000], undefined, { dtype: "float64" })).item()).toBeCloseTo(1000 + Math.LN2, 10);
  });

  it("clamp with a NaN bound is refused, naming the bound", () => {
    const x = fl.tensor([1, 2]);
    expect(() => fl.clamp(x, NaN, NaN)).toThrow(/clamp: min must be a number \(not NaN\), got NaN/);
    expect(() => fl.clamp(x, 0, NaN)).toThrow(/clamp: max must be a number/);
    expect(() => fl.clamp(x, "0" as unknown as number)).toThrow(/clamp: min must be a number .*got "0"/);
    expect(fl.clamp(x, undefined, 1.5).toList()).toEqual([1, 1.5]);
  });
});

describe("where with a condition smaller than the result", () => {
  it("broadcasts a scalar condition over every element (it read past the condition before)", () => {
    expect(fl.where(fl.tensor(1), fl.tensor([1, 2, 3]), 0).toList()).toEqual([1, 2, 3]);
    expect(fl.where(fl.tensor(0), fl.tensor([1, 2, 3]), 0).toList()).toEqual([0, 0, 0]);
  });
});
