import { describe, expect, it } from "vitest";
import * as fl from "../../src/index.js";

const f64 = (v: number[]) => fl.tensor(v, undefined, { dtype: "float64", requiresGrad: true });
const setGrad = (p: fl.Tensor, g: number[]) => {
  p.grad = fl.tensor(g, undefined, { dtype: "float64" });
};

describe("SGD", () => {
  it("plain step with weight decay: θ ← θ − γ (g + λθ)", () => {
    const p = f64([1, -2]);
    const opt = new fl.optim.SGD([p], { lr: 0.1, weightDecay: 0.5 });
    setGrad(p, [0.3, 0.4]);
    opt.step();
    expect(p.toList()).toEqual([1 - 0.1 * (0.3 + 0.5 * 1), -2 - 0.1 * (0.4 + 0.5 * -2)]);
  });

  it("momentum with dampening: b₁ = g₁, b_t = μ b + (1−τ) g", () => {
    const p = f64([1]);
    const opt = new fl.optim.SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.2 });
    const gs = [0.5, -0.25, 1.5];
    let th = 1;
    let b = 0;
    gs.forEach((g, t) => {
      setGrad(p, [g]);
      opt.step();
      b = t === 0 ? g : 0.9 * b + 0.8 * g;
      th = th - 0.1 * b;
      expect(p.item()).toBe(th);
    });
  });

  it("Nesterov: θ ← θ − γ (g + μ b)", () => {
    const p = f64([2]);
    const opt = new fl.optim.SGD([p], { lr: 0.05, momentum: 0.8, nesterov: true, weightDecay: 0.1 });
    let th = 2;
    let b = 0;
    [1, 0.5, -0.75].forEach((g0, t) => {
      setGrad(p, [g0]);
      opt.step();
      const g = g0 + 0.1 * th;
      b = t === 0 ? g : 0.8 * b + g;
      th = th - 0.05 * (g + 0.8 * b);
      expect(p.item()).toBe(th);
    });
  });

  it("rejects Nesterov without momentum and bad hyperparameters", () => {
    const p = f64([1]);
    expect(() => new fl.optim.SGD([p], { lr: 0.1, nesterov: true })).toThrow(/nesterov needs momentum > 0/);
    expect(() => new fl.optim.SGD([p], { lr: -1 })).toThrow(/lr must be/);
    expect(() => new fl.optim.SGD([], { lr: 1 })).toThrow(/empty parameter list/);
  });

  it("skips parameters without a gradient; zeroGrad drops gradients", () => {
    const a = f64([1]);
    const b = f64([1]);
    const opt = new fl.optim.SGD([a, b], { lr: 1 });
    setGrad(a, [1]);
    opt.step();
    expect(a.item()).toBe(0);
    expect(b.item()).toBe(1);
    opt.zeroGrad();
    expect(a.grad).toBeNull();
  });

  it("zeroGrad({ setToNone: false }) zeroes gradients in place, and the next backward adds into the same storage", () => {
    const w = fl.tensor([1, 2, 3], undefined, { requiresGrad: true });
    const opt = new fl.optim.SGD([w], { lr: 0.1 });
    fl.sum(fl.mul(w, w)).backward();
    const storage = w.grad!.data;
    opt.zeroGrad({ setToNone: false });
    expect(w.grad!.data).toBe(storage);
    expect(Array.from(storage)).toEqual([0, 0, 0]);
    fl.sum(fl.mul(w, 3)).backward();
    expect(w.grad!.data).toBe(storage);
    expect(Array.from(storage)).toEqual([3, 3, 3]);
    expect(() => opt.zeroGrad({ setToNone: 1 as unknown as boolean })).toThrow(/setToNone must be true or false, got 1/);
  });
});

describe("Adam and AdamW", () => {
  const reference = (gs: number[], th0: number, lr: number, b1: number, b2: number, eps: number, wd: number, decoupled: boolean) => {
    let th = th0;
    let m = 0;
    let v = 0;
    const out: number[] = [];
    gs.forEach((g0, i) => {
      const t = i + 1;
      let g = g0;
      if (decoupled) th = th - lr * wd * th;
      else g = g + wd * th;
      m = b1 * m + (1 - b1) * g;
      v = b2 * v + (1 - b2) * g * g;
      const mh = m / (1 - b1 ** t);
      const vh = v / (1 - b2 ** t);
      th = th - (lr * mh) / (Math.sqrt(vh) + eps);
      out.push(th);
    });
    return out;
  };

  for (const [name, decoupled] of [["Adam", false], ["AdamW", true]] as const) {
    it(`${name} follows PyTorch's update equations`, () => {
      const p = f64([0.7]);
      const Cls = decoupled ? fl.optim.AdamW : fl.optim.Adam;
      const opt = new Cls([p], { lr: 0.01, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.3 });
      const gs = [0.2, -0.1, 0.4, 0.05];
      const want = reference(gs, 0.7, 0.01, 0.8, 0.99, 1e-6, 0.3, decoupled);
      gs.forEach((g, i) => {
        setGrad(p, [g]);
        opt.step();
        expect(p.item()).toBeCloseTo(want[i]!, 14);
      });
    });
  }

  it("Adam's first step moves every coordinate by ≈ lr", () => {
    const p = f64([1, 1, 1]);
    const opt = new fl.optim.Adam([p], { lr: 0.1 });
    setGrad(p, [3, -0.001, 100]);
    opt.step();
    const d = p.toList().map((x) => 1 - x);
    expect(d[0]).toBeCloseTo(0.1, 6);
    expect(d[1]).toBeCloseTo(-0.1, 3);
    expect(d[2]).toBeCloseTo(0.1, 6);
  });

  it("AdamW defaults to weight decay 0.01, Adam to 0", () => {
    const p = f64([1]);
    expect(new fl.optim.AdamW([p], { lr: 1 }).weightDecay).toBe(0.01);
    expect(new fl.optim.Adam([p], { lr: 1 }).weightDecay).toBe(0);
  });
});

describe("convergence on a quadratic", () => {
  // f(x) = ½ Σ a_k (x_k − c_k)², minimum at c
  const a = [1, 4, 0.5];
  const c = [3, -1, 2];
  for (const [name, make] of [
    ["SGD", (p: fl.Tensor) => new fl.optim.SGD([p], { lr: 0.1 })],
    ["SGD+momentum", (p: fl.Tensor) => new fl.optim.SGD([p], { lr: 0.05, momentum: 0.9 })],
    ["SGD+nesterov", (p: fl.Tensor) => new fl.optim.SGD([p], { lr: 0.05, momentum: 0.9, nesterov: true })],
    ["Adam", (p: fl.Tensor) => new fl.optim.Adam([p], { lr: 0.05 })],
    ["AdamW", (p: fl.Tensor) => new fl.optim.AdamW([p], { lr: 0.05, weightDecay: 0 })],
  ] as const) {
    it(`${name} reaches the minimum through autograd`, () => {
      const x = fl.zeros([3], { dtype: "float64", requiresGrad: true });
      const A = fl.tensor(a, undefined, { dtype: "float64" });
      const C = fl.tensor(c, undefined, { dtype: "float64" });
      const opt = make(x);
      for (let i = 0; i < 1000; i++) {
        opt.zeroGrad();
        const loss = fl.mul(A, fl.square(fl.sub(x, C))).sum().mul(0.5);
        loss.backward();
        opt.step();
      }
      x.toList().forEach((v, k) => expect(v).toBeCloseTo(c[k]!, 3));
    });
  }
});

describe("state dicts", () => {
  it("resuming from stateDict gives bit-identical trajectories (Adam and SGD)", () => {
    for (const make of [
      (p: fl.Tensor[]) => new fl.optim.Adam(p, { lr: 0.01 }),
      (p: fl.Tensor[]) => new fl.optim.SGD(p, { lr: 0.01, momentum: 0.9 }),
    ]) {
      const grads = Array.from({ length: 6 }, (_, t) => [Math.sin(t), Math.cos(3 * t), 0.1 * t]);
      const run = (p: fl.Tensor, opt: fl.optim.Optimizer, from: number, to: number) => {
        for (let t = from; t < to; t++) {
          p.grad = fl.tensor(grads[t]!, undefined, { dtype: "float32" });
          opt.step();
        }
      };
      const p1 = fl.tensor([1, 2, 3], undefined, { requiresGrad: true });
      const o1 = make([p1]);
      run(p1, o1, 0, 6);

      const p2 = fl.tensor([1, 2, 3], undefined, { requiresGrad: true });
      const o2 = make([p2]);
      run(p2, o2, 0, 3);
      const sd = o2.stateDict();
      const p3 = fl.tensor(p2.toList(), undefined, { requiresGrad: true });
      const o3 = make([p3]);
      o3.lr = 123; // overwritten by the state dict
      o3.loadStateDict(sd);
      expect(o3.lr).toBe(0.01);
      run(p3, o3, 3, 6);
      expect(Array.from(p3.data)).toEqual(Array.from(p1.data));
    }
  });

  it("names state like PyTorch and rejects mismatched state", () => {
    const p = fl.tensor([1, 2], undefined, { requiresGrad: true });
    const q = fl.tensor([1], undefined, { requiresGrad: true });
    const opt = new fl.optim.Adam([p, q], { lr: 0.1 });
    p.grad = fl.tensor([1, 1]);
    opt.step();
    const sd = opt.stateDict();
    expect(Object.keys(sd.state).sort()).toEqual(["0.exp_avg", "0.exp_avg_sq", "0.step"]);
    expect(sd.state["0.step"]!.item()).toBe(1);
    const other = new fl.optim.Adam([q, p], { lr: 0.1 });
    expect(() => other.loadStateDict(sd)).toThrow(/0\.exp_avg: shape \[2\], expected \[1\]/);
    expect(() => new fl.optim.SGD([p, q], { lr: 1 }).loadStateDict(sd)).toThrow(/state dict is for Adam, not SGD/);
  });
});

describe("schedules", () => {
  it("StepLR multiplies by gamma every stepSize steps", () => {
    const opt = new fl.optim.SGD([f64([1])], { lr: 1 });
    const s = new fl.optim.StepLR(opt, { stepSize: 2, gamma: 0.5 });
    const lrs = [opt.lr];
    for (let i = 0; i < 5; i++) {
      s.step();
      lrs.push(opt.lr);
    }
    expect(lrs).toEqual([1, 1, 0.5, 0.5, 0.25, 0.25]);
  });

  it("CosineAnnealingLR follows η_min + (η₀ − η_min)(1 + cos(π t/T))/2 and restores", () => {
    const opt = new fl.optim.SGD([f64([1])], { lr: 0.1 });
    const s = new fl.optim.CosineAnnealingLR(opt, { tMax: 4, etaMin: 0.01 });
    const lrs: number[] = [];
    for (let i = 0; i < 4; i++) {
      s.step();
      lrs.push(opt.lr);
    }
    lrs.forEach((lr, i) => expect(lr).toBeCloseTo(0.01 + 0.09 * (1 + Math.cos((Math.PI * (i + 1)) / 4)) / 2, 15));
    expect(lrs[3]).toBeCloseTo(0.01, 15);
    const opt2 = new fl.optim.SGD([f64([1])], { lr: 0.1 });
    const s2 = new fl.optim.CosineAnnealingLR(opt2, { tMax: 4, etaMin: 0.01 });
    s2.loadStateDict(s.stateDict());
    expect(opt2.lr).toBe(opt.lr);
  });
});

describe("clipGradNorm_", () => {
  it("returns the total norm and scales gradients above maxNorm", () => {
    const a = f64([0, 0]);
    const b = f64([0]);
    const c = f64([5]);
    setGrad(a, [3, 0]);
    setGrad(b, [4]);
    const n = fl.optim.clipGradNorm_([a, b, c.detach()], 1);
    expect(n).toBe(5);
    const scale = 1 / (5 + 1e-6);
    expect(a.grad!.toList()).toEqual([3 * scale, 0]);
    expect(b.grad!.toList()).toEqual([4 * scale]);
    // below the limit nothing changes
    setGrad(a, [0.3, 0.4]);
    expect(fl.optim.clipGradNorm_([a], 1)).toBeCloseTo(0.5, 15);
    expect(a.grad!.toList()).toEqual([0.3, 0.4]);
    setGrad(a, [NaN, 1]);
    expect(() => fl.optim.clipGradNorm_([a], 1, { errorIfNonfinite: true })).toThrow(/total gradient norm is NaN/);
  });
});
