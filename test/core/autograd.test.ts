import { describe, expect, it } from "vitest";
import * as fl from "../../src/index.js";

describe("autograd", () => {
  it("adds into .grad across calls until zeroGrad", () => {
    const w = fl.tensor([1, 2, 3], undefined, { requiresGrad: true });
    w.mul(2).sum().backward();
    expect(w.grad!.toList()).toEqual([2, 2, 2]);
    w.mul(w).sum().backward();
    expect(w.grad!.toList()).toEqual([4, 6, 8]);
    w.zeroGrad();
    expect(w.grad).toBeNull();
  });

  it("sums over a tensor used twice (fan-out)", () => {
    const x = fl.tensor([3], undefined, { requiresGrad: true, dtype: "float64" });
    const y = x.mul(x).add(x); // y = x² + x, dy/dx = 2x + 1
    y.sum().backward();
    expect(x.grad!.item()).toBe(7);
  });

  it("keeps intermediate grads only when asked, fresh on every call", () => {
    const x = fl.tensor([1, 2], undefined, { requiresGrad: true });
    const h = x.mul(3).retainGrad();
    const k = h.mul(2);
    const loss = h.mul(h).sum().add(k.sum());
    loss.backward();
    expect(h.grad!.toList()).toEqual([2 * 3 + 2, 2 * 6 + 2]);
    expect(k.grad).toBeNull();
  });

  it("refuses a second backward through a freed graph, and allows it with retainGraph", () => {
    const x = fl.tensor([1, 2], undefined, { requiresGrad: true });
    const y = x.exp().sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    expect(x.grad!.data[0]).toBeCloseTo(2 * Math.E, 5);
    expect(() => y.backward()).toThrow(/already freed/);
  });

  it("records nothing under noGrad and cuts the graph at detach", () => {
    const x = fl.tensor([1, 2], undefined, { requiresGrad: true });
    const y = fl.noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    const z = x.detach().mul(2).add(x).sum();
    z.backward();
    expect(x.grad!.toList()).toEqual([1, 1]);
  });

  it("runs backward through a 1,000-step recurrence without recursion", () => {
    const w = fl.tensor([[0.5, -0.1], [0.2, 0.3]], undefined, { requiresGrad: true, dtype: "float64" });
    let h = fl.tensor([[1, 1]], undefined, { dtype: "float64" });
    for (let t = 0; t < 1000; t++) h = fl.tanh(fl.matmul(h, w).add(0.1));
    h.sum().backward();
    expect(w.grad).not.toBeNull();
    expect(Number.isFinite(w.grad!.data[0]!)).toBe(true);
  });

  it("requires a gradient for non-scalar roots", () => {
    const x = fl.tensor([1, 2], undefined, { requiresGrad: true });
    expect(() => x.mul(2).backward()).toThrow(/has shape \[2\]; pass a gradient/);
    expect(() => fl.tensor([1]).backward()).toThrow(/does not require grad/);
  });

  it("names the first op that makes NaN in anomaly mode, forward and backward", () => {
    const x = fl.tensor([-1, 4], undefined, { requiresGrad: true });
    expect(() => fl.detectAnomaly(() => x.sqrt())).toThrow(/anomaly: sqrt \(forward\) produced NaN in its output at \[0\] from finite inputs/);
    const z = fl.tensor([0, 4], undefined, { requiresGrad: true });
    expect(() => fl.detectAnomaly(() => z.sqrt().sum().backward())).toThrow(/anomaly: sqrt \(backward\) produced Infinity/);
    // outside anomaly mode NaN flows silently, as in PyTorch
    expect(Number.isNaN(x.sqrt().data[0]!)).toBe(true);
  });

  it("profiles work per op", () => {
    const a = fl.randn([4, 5]);
    const b = fl.randn([5, 6]);
    const r = fl.profile(() => fl.matmul(a, b).relu().sum());
    expect(r.byOp.matmul!.multiplies).toBe(4 * 5 * 6);
    expect(r.byOp.matmul!.calls).toBe(1);
    expect(r.byOp.relu!.calls).toBe(1);
    expect(r.total.multiplies).toBe(120);
  });

  it("attributes backward work to <op>.backward", () => {
    const a = fl.randn([4, 5], { requiresGrad: true });
    const r = fl.profile(() => fl.einsum("ij,jk->ik", a, fl.randn([5, 6])).sum().backward());
    expect(r.byOp["einsum"]!.multiplies).toBe(120);
    expect(r.byOp["einsum.backward"]!.calls).toBe(1);
  });
});
