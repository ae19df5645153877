import { describe, expect, it } from "vitest";
import * as fl from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { maxAbsDiff } from "./helpers.js";

const dtype = "float64" as const;

describe("nn.RNN unrolls a cell over a sequence", () => {
  it("returns every step's output and the last state; outputs[t] is the cell applied step by step", () => {
    const cell = new fl.nn.GRUCell(3, 4, { dtype, seed: 1 });
    const rnn = new fl.nn.RNN(cell);
    const x = fl.randn([5, 2, 3], { dtype, seed: 2 });
    const { outputs, last } = rnn.forward(x);
    expect(outputs.shape).toEqual([5, 2, 4]);
    expect(last.shape).toEqual([2, 4]);
    let h = fl.zeros([2, 4], { dtype });
    for (let t = 0; t < 5; t++) {
      h = cell.forward(fl.select(x, 0, t), h);
      expect(maxAbsDiff(fl.select(outputs, 0, t).data, h.data)).toBe(0);
    }
    expect(maxAbsDiff(last.data, h.data)).toBe(0);
  });

  it("batchFirst takes [B, T, I] and gives [B, T, H] with the same numbers", () => {
    const cell = new fl.nn.UGRNNCell(3, 4, { dtype, seed: 3 });
    const x = fl.randn([5, 2, 3], { dtype, seed: 4 });
    const a = new fl.nn.RNN(cell).forward(x);
    const b = new fl.nn.RNN(cell, { batchFirst: true }).forward(fl.transpose(x, 0, 1));
    expect(b.outputs.shape).toEqual([2, 5, 4]);
    expect(maxAbsDiff(fl.transpose(b.outputs, 0, 1).data, a.outputs.data)).toBe(0);
  });

  it("LSTM: last is [h, c], outputs are the h's, and an initial [h0, c0] is used", () => {
    const cell = new fl.nn.LSTMCell(2, 3, { dtype, seed: 5 });
    const x = fl.randn([4, 2, 2], { dtype, seed: 6 });
    const h0 = fl.randn([2, 3], { dtype, seed: 7 });
    const c0 = fl.randn([2, 3], { dtype, seed: 8 });
    const { outputs, last } = new fl.nn.RNN(cell).forward(x, [h0, c0]);
    expect(last).toHaveLength(2);
    expect(maxAbsDiff(fl.select(outputs, 0, 3).data, last[0].data)).toBe(0);
    const zeroStart = new fl.nn.RNN(cell).forward(x);
    expect(maxAbsDiff(zeroStart.outputs.data, outputs.data)).toBeGreaterThan(1e-6);
  });

  it("truncate: k cuts gradients k steps back but leaves the values, and equals running chunks with a detached state", () => {
    const cell = new fl.nn.RNNCell(2, 3, { dtype, seed: 9 });
    const xs = () => fl.randn([6, 1, 2], { dtype, seed: 10, requiresGrad: true });
    const full = xs();
    const yFull = new fl.nn.RNN(cell).forward(full).outputs;
    const cut = xs();
    const yCut = new fl.nn.RNN(cell, { truncate: 2 }).forward(cut).outputs;
    expect(maxAbsDiff(yFull.data, yCut.data)).toBe(0);
    fl.sum(fl.select(yFull, 0, 5)).backward();
    cell.zeroGrad();
    fl.sum(fl.select(yCut, 0, 5)).backward();
    const gradCut = Array.from(cell.weight_hh.grad!.data);
    const perStep = (g: Tensor) => Array.from({ length: 6 }, (_, t) => Math.max(...Array.from(fl.select(g, 0, t).data, Math.abs)));
    // untruncated: every step's input influences the last output; truncated: only steps 4 and 5
    expect(perStep(full.grad!).every((v) => v > 0)).toBe(true);
    expect(perStep(cut.grad!).slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(perStep(cut.grad!).slice(4).every((v) => v > 0)).toBe(true);
    // the same as two calls: the first 4 steps, then 2 more from the detached state
    cell.zeroGrad();
    const rnn = new fl.nn.RNN(cell);
    const x = fl.randn([6, 1, 2], { dtype, seed: 10 });
    const first = rnn.forward(fl.slice(x, 0, 0, 4));
    const second = rnn.forward(fl.slice(x, 0, 4, 6), rnn.detachState(first.last));
    fl.sum(fl.select(second.outputs, 0, 1)).backward();
    expect(maxAbsDiff(cell.weight_hh.grad!.data, gradCut)).toBeLessThan(1e-15);
  });

  it("gradient clipping (fl.optim.clipGradNorm_) bounds the global norm after BPTT", () => {
    const cell = new fl.nn.RNNCell(2, 8, { dtype, seed: 11 });
    const x = fl.randn([30, 4, 2], { dtype, seed: 12 });
    fl.sum(fl.mul(new fl.nn.RNN(cell).forward(x).outputs, 10)).backward();
    const before = fl.optim.clipGradNorm_(cell.parameters(), 1);
    expect(before).toBeGreaterThan(1);
    let sq = 0;
    for (const p of cell.parameters()) for (const v of p.grad!.data) sq += v * v;
    expect(Math.sqrt(sq)).toBeCloseTo(1, 5);
  });

  it("runs backward through 1,000 steps, with work linear in the length", () => {
    const cell = new fl.nn.GRUCell(2, 8, { dtype, seed: 13 });
    const rnn = new fl.nn.RNN(cell);
    // the work of forward and backward, counted by the profiler (deterministic, unlike a timing)
    const work = (T: number) => {
      const x = fl.randn([T, 2, 2], { dtype, seed: 14 });
      const report = fl.profile(() => {
        const { last } = rnn.forward(x);
        cell.zeroGrad();
        fl.sum(last).backward();
      });
      expect(cell.weight_hh.grad!.data.every(Number.isFinite)).toBe(true);
      return report;
    };
    const [w500, w1000] = [work(500), work(1000)];
    // linear cost doubles the multiplies; every op that runs per step (forward and backward) runs
    // exactly twice as often, and every other op as often as before (nothing walks the chain again)
    expect(w1000.total.multiplies).toBe(2 * w500.total.multiplies);
    expect(Object.keys(w1000.byOp).sort()).toEqual(Object.keys(w500.byOp).sort());
    for (const [op, stats] of Object.entries(w500.byOp)) {
      expect([stats.calls, 2 * stats.calls], op).toContain(w1000.byOp[op]!.calls);
    }
    expect(w1000.byOp["gruStep.backward"]?.calls).toBe(1000);
    // the gradient reaches the first step's input through the whole chain
    const x = fl.randn([1000, 1, 2], { dtype, seed: 15, requiresGrad: true });
    fl.sum(rnn.forward(x).last).backward();
    expect(x.grad!.shape).toEqual([1000, 1, 2]);
  });

  it("rejects bad inputs with clear errors", () => {
    const rnn = new fl.nn.RNN(new fl.nn.GRUCell(3, 4));
    expect(() => rnn.forward(fl.zeros([5, 3]))).toThrow(/RNN: input must be \[time, batch, features\], got \[5, 3\]/);
    expect(() => rnn.forward(fl.zeros([5, 2, 4]))).toThrow(/GRUCell: input x has shape \[2, 4\] but the cell's inputSize is 3/);
    expect(() => new fl.nn.RNN(new fl.nn.GRUCell(3, 4), { truncate: 0 })).toThrow(/truncate must be a positive integer/);
  });
});
