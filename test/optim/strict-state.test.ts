import { describe, expect, it } from "vitest";
import * as fl from "../../src/index.js";

function stepped(): { opt: fl.optim.Adam; params: fl.Tensor[] } {
  const params = [fl.tensor([1, 2], undefined, { requiresGrad: true }), fl.tensor([3], undefined, { requiresGrad: true })];
  const opt = new fl.optim.Adam(params, { lr: 0.1 });
  for (const p of params) p.grad = fl.onesLike(p);
  opt.step();
  return { opt, params };
}

const fresh = () => new fl.optim.Adam([fl.tensor([0, 0], undefined, { requiresGrad: true }), fl.tensor([0], undefined, { requiresGrad: true })], { lr: 0.1 });

describe("Optimizer.loadStateDict refuses missing state", () => {
  it("a state dict missing exp_avg, step, or every tensor is an error naming what is missing", () => {
    const sd = stepped().opt.stateDict();
    expect(sd.stateIndices).toEqual([0, 1]);
    const without = (drop: (k: string) => boolean) => ({ ...sd, state: Object.fromEntries(Object.entries(sd.state).filter(([k]) => !drop(k))) });
    expect(() => fresh().loadStateDict(without((k) => k === "0.exp_avg"))).toThrow(/Adam\.loadStateDict: parameter 0: 0\.exp_avg missing/);
    expect(() => fresh().loadStateDict(without((k) => k.endsWith(".step")))).toThrow(/0\.step missing.*1\.step missing/);
    expect(() => fresh().loadStateDict(without(() => true))).toThrow(/parameter 0: its state .* is missing; parameter 1/);
    // a hand-built dict without stateIndices still needs each parameter's state whole
    const { stateIndices: _, ...bare } = without((k) => k === "1.exp_avg_sq");
    expect(() => fresh().loadStateDict(bare)).toThrow(/1\.exp_avg_sq missing/);
    // the complete dict loads, and so does an empty one from an optimiser that never stepped
    expect(() => fresh().loadStateDict(sd)).not.toThrow();
    expect(() => fresh().loadStateDict(fresh().stateDict())).not.toThrow();
  });

  it("a checkpoint file carries stateIndices, so a checkpoint with its optimiser tensors removed is refused", () => {
    const { opt } = stepped();
    const packed = fl.io.packCheckpoint({ model: {}, optimizer: opt.stateDict() });
    const ck = fl.io.unpackCheckpoint(packed);
    expect(ck.optimizer!.stateIndices).toEqual([0, 1]);
    ck.optimizer!.state = {};
    expect(() => fresh().loadStateDict(ck.optimizer!)).toThrow(/is missing/);
  });
});

describe("learning rates and options are checked", () => {
  it("lr set to NaN or Inf after construction is refused; etaMin NaN is refused", () => {
    const { opt } = stepped();
    expect(() => {
      opt.lr = NaN;
    }).toThrow(/Adam: lr must be a finite number ≥ 0, got NaN/);
    expect(() => {
      opt.lr = Infinity;
    }).toThrow(/lr must be a finite number/);
    expect(opt.lr).toBe(0.1);
    expect(() => new fl.optim.CosineAnnealingLR(opt, { tMax: 10, etaMin: NaN })).toThrow(/CosineAnnealingLR: etaMin must be a finite number ≥ 0, got NaN/);
    expect(() => new fl.optim.StepLR(opt, { stepSize: 2, gamma: NaN })).toThrow(/StepLR: gamma must be a finite number/);
  });

  it("new SGD([p]) without options, or without lr, names what is missing", () => {
    const p = fl.tensor([1], undefined, { requiresGrad: true });
    // @ts-expect-error: the options are required
    expect(() => new fl.optim.SGD([p])).toThrow(/SGD: options must be an object with a learning rate.*got undefined/);
    expect(() => new fl.optim.SGD([p], {} as fl.optim.SGDOptions)).toThrow(/SGD: options\.lr is required/);
    expect(() => new fl.optim.SGD([p], { lr: NaN })).toThrow(/SGD: lr must be a finite number ≥ 0, got NaN/);
  });
});
