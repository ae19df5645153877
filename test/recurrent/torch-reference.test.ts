/**
 * GRU, LSTM and RNN cells against independent references:
 *  1. values and gradients computed by PyTorch 1.13 (test/fixtures/recurrent-torch.json, made by
 *     test/fixtures/recurrent-torch.py) after loading PyTorch's state dict;
 *  2. one step written as plain float64 scalar loops from PyTorch's documented equations.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as fl from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { maxAbsDiff } from "./helpers.js";

interface Flat { shape: number[]; data: number[] }
interface Case {
  stateDict: Record<string, Flat>;
  x: Flat; h0: Flat; R: Flat; outputs: Flat; loss: number;
  grads: Record<string, Flat>; xGrad: Flat; h0Grad: Flat;
  c0?: Flat; Rc?: Flat; lastC?: Flat; c0Grad?: Flat;
}
const fixture = JSON.parse(readFileSync(new URL("../fixtures/recurrent-torch.json", import.meta.url), "utf8")) as {
  I: number; H: number; cases: Record<"rnn" | "gru" | "lstm", Case>;
};
const dtype = "float64" as const;
const t64 = (f: Flat, requiresGrad = false): Tensor => fl.tensor(Float64Array.from(f.data), f.shape, { dtype, requiresGrad });

describe("loading a PyTorch state dict gives PyTorch's numbers (values and gradients)", () => {
  const makers = {
    rnn: () => new fl.nn.RNNCell(fixture.I, fixture.H, { dtype }),
    gru: () => new fl.nn.GRUCell(fixture.I, fixture.H, { dtype }),
    lstm: () => new fl.nn.LSTMCell(fixture.I, fixture.H, { dtype }),
  };
  for (const kind of ["rnn", "gru", "lstm"] as const) {
    it(kind, () => {
      const c = fixture.cases[kind];
      const cell = makers[kind]();
      cell.loadStateDict(Object.fromEntries(Object.entries(c.stateDict).map(([k, v]) => [k, t64(v)])));
      const x = t64(c.x, true);
      const h0 = t64(c.h0, true);
      const c0 = c.c0 ? t64(c.c0, true) : null;
      const rnn = new fl.nn.RNN(cell as fl.nn.RecurrentCell<fl.nn.CellState>);
      const { outputs, last } = rnn.forward(x, c0 ? [h0, c0] : h0);
      expect(maxAbsDiff(outputs.data, c.outputs.data)).toBeLessThan(1e-12);
      let loss = fl.sum(fl.mul(outputs, t64(c.R)));
      if (c0) {
        expect(maxAbsDiff((last as [Tensor, Tensor])[1].data, c.lastC!.data)).toBeLessThan(1e-12);
        loss = fl.add(loss, fl.sum(fl.mul((last as [Tensor, Tensor])[1], t64(c.Rc!))));
      }
      expect(loss.item()).toBeCloseTo(c.loss, 11);
      loss.backward();
      for (const [name, p] of cell.namedParameters()) {
        expect(maxAbsDiff(p.grad!.data, c.grads[name]!.data), name).toBeLessThan(1e-11);
      }
      expect(maxAbsDiff(x.grad!.data, c.xGrad.data)).toBeLessThan(1e-11);
      expect(maxAbsDiff(h0.grad!.data, c.h0Grad.data)).toBeLessThan(1e-11);
      if (c0) expect(maxAbsDiff(c0.grad!.data, c.c0Grad!.data)).toBeLessThan(1e-11);
    });
  }
});

describe("in float32 (the fast backend's SIMD gate kernels) PyTorch's float64 numbers hold to float32 rounding", () => {
  const t32 = (f: Flat, requiresGrad = false): Tensor => fl.tensor(Float32Array.from(f.data), f.shape, { dtype: "float32", requiresGrad });
  const makers = {
    gru: () => new fl.nn.GRUCell(fixture.I, fixture.H),
    lstm: () => new fl.nn.LSTMCell(fixture.I, fixture.H),
  };
  for (const kind of ["gru", "lstm"] as const) {
    for (const fused of [true, false]) {
      it(`${kind}, ${fused ? "nn.RNN's sequence path" : "step by step"}`, () => {
        const c = fixture.cases[kind];
        const cell = makers[kind]();
        cell.loadStateDict(Object.fromEntries(Object.entries(c.stateDict).map(([k, v]) => [k, t32(v)])));
        const x = t32(c.x, true);
        const h0 = t32(c.h0, true);
        const c0 = c.c0 ? t32(c.c0, true) : null;
        const rnn = new fl.nn.RNN(cell as fl.nn.RecurrentCell<fl.nn.CellState>, { fused });
        const { outputs, last } = rnn.forward(x, c0 ? [h0, c0] : h0);
        expect(maxAbsDiff(outputs.data, c.outputs.data)).toBeLessThan(1e-5);
        let loss = fl.sum(fl.mul(outputs, t32(c.R)));
        if (c0) loss = fl.add(loss, fl.sum(fl.mul((last as [Tensor, Tensor])[1], t32(c.Rc!))));
        loss.backward();
        for (const [name, p] of cell.namedParameters()) expect(maxAbsDiff(p.grad!.data, c.grads[name]!.data), name).toBeLessThan(5e-5);
        expect(maxAbsDiff(x.grad!.data, c.xGrad.data)).toBeLessThan(5e-5);
        expect(maxAbsDiff(h0.grad!.data, c.h0Grad.data)).toBeLessThan(5e-5);
        if (c0) expect(maxAbsDiff(c0.grad!.data, c.c0Grad!.data)).toBeLessThan(5e-5);
      });
    }
  }
});

// ---------------------------------------------------------------------------------------------
// Scalar-loop references (float64), straight from PyTorch's documented equations
// ---------------------------------------------------------------------------------------------

const sigma = (v: number) => 1 / (1 + Math.exp(-v));

/** pre[b][row] = Σ_j W[row,j]·v[b,j] + bias[row] for rows in [r0, r0+H) */
function affine(W: Tensor, bias: Tensor, v: Tensor, b: number, row: number): number {
  const cols = W.shape[1]!;
  let s = bias.data[row]!;
  for (let j = 0; j < cols; j++) s += W.data[row * cols + j]! * v.data[b * cols + j]!;
  return s;
}

describe("one step against scalar loops", () => {
  const I = 3, H = 5, B = 2;
  const x = fl.randn([B, I], { dtype, seed: 70 });
  const h = fl.randn([B, H], { dtype, seed: 71 });
  const c = fl.randn([B, H], { dtype, seed: 72 });

  it("GRUCell: r, z, n blocks; r multiplies (W_hn h + b_hn); h' = (1−z)n + z h", () => {
    const cell = new fl.nn.GRUCell(I, H, { dtype, seed: 73 });
    const out = cell.forward(x, h);
    const { weight_ih: Wi, weight_hh: Wh, bias_ih: bi, bias_hh: bh } = cell;
    for (let b = 0; b < B; b++)
      for (let k = 0; k < H; k++) {
        const r = sigma(affine(Wi, bi!, x, b, k) + affine(Wh, bh!, h, b, k));
        const z = sigma(affine(Wi, bi!, x, b, H + k) + affine(Wh, bh!, h, b, H + k));
        const n = Math.tanh(affine(Wi, bi!, x, b, 2 * H + k) + r * affine(Wh, bh!, h, b, 2 * H + k));
        const expected = (1 - z) * n + z * h.data[b * H + k]!;
        expect(Math.abs(out.data[b * H + k]! - expected)).toBeLessThan(1e-14);
      }
  });

  it("LSTMCell: i, f, g, o blocks; c' = f c + i g; h' = o tanh(c')", () => {
    const cell = new fl.nn.LSTMCell(I, H, { dtype, seed: 74 });
    const [h2, c2] = cell.forward(x, [h, c]);
    const { weight_ih: Wi, weight_hh: Wh, bias_ih: bi, bias_hh: bh } = cell;
    for (let b = 0; b < B; b++)
      for (let k = 0; k < H; k++) {
        const pre = (blk: number) => affine(Wi, bi!, x, b, blk * H + k) + affine(Wh, bh!, h, b, blk * H + k);
        const i = sigma(pre(0)), f = sigma(pre(1)), g = Math.tanh(pre(2)), o = sigma(pre(3));
        const cc = f * c.data[b * H + k]! + i * g;
        expect(Math.abs(c2.data[b * H + k]! - cc)).toBeLessThan(1e-14);
        expect(Math.abs(h2.data[b * H + k]! - o * Math.tanh(cc))).toBeLessThan(1e-14);
      }
  });

  it("RNNCell: h' = tanh(W_ih x + b_ih + W_hh h + b_hh)", () => {
    const cell = new fl.nn.RNNCell(I, H, { dtype, seed: 75 });
    const out = cell.forward(x, h);
    for (let b = 0; b < B; b++)
      for (let k = 0; k < H; k++) {
        const expected = Math.tanh(affine(cell.weight_ih, cell.bias_ih!, x, b, k) + affine(cell.weight_hh, cell.bias_hh!, h, b, k));
        expect(Math.abs(out.data[b * H + k]! - expected)).toBeLessThan(1e-14);
      }
  });
});
