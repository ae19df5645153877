import { describe, expect, it } from "vitest";
import * as fl from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { gradcheckModule, maxAbsDiff } from "./helpers.js";

const dtype = "float64" as const;
const T = 3, B = 2, I = 3, H = 4;

function seqInputs(seed: number): Tensor[] {
  return [fl.randn([T, B, I], { dtype, seed }), fl.randn([B, H], { dtype, seed: seed + 1 })];
}

describe("every cell passes a float64 gradient check over a few steps (parameters, inputs, initial state)", () => {
  const single: [string, () => fl.nn.RecurrentCell<Tensor>][] = [
    ["RNNCell tanh", () => new fl.nn.RNNCell(I, H, { dtype, seed: 1 })],
    ["RNNCell relu", () => new fl.nn.RNNCell(I, H, { dtype, seed: 1, nonlinearity: "relu" })],
    ["GRUCell", () => new fl.nn.GRUCell(I, H, { dtype, seed: 2 })],
    ["UGRNNCell concat", () => new fl.nn.UGRNNCell(I, H, { dtype, seed: 3, form: "concat" })],
    ["UGRNNCell split", () => new fl.nn.UGRNNCell(I, H, { dtype, seed: 3, form: "split" })],
    ["GRUCell without bias", () => new fl.nn.GRUCell(I, H, { dtype, seed: 4, bias: false })],
  ];
  for (const [name, make] of single) {
    it(name, () => {
      const cell = make();
      const rnn = new fl.nn.RNN(cell);
      const r = gradcheckModule(cell, seqInputs(7), (x, h0) => rnn.forward(x!, h0!).outputs);
      expect(r.ok, `${name}: ${JSON.stringify(r.worst)}`).toBe(true);
    });
  }

  it("LSTMCell (h and c)", () => {
    const cell = new fl.nn.LSTMCell(I, H, { dtype, seed: 5 });
    const rnn = new fl.nn.RNN(cell);
    const [x, h0] = seqInputs(9);
    const c0 = fl.randn([B, H], { dtype, seed: 99 });
    const r = gradcheckModule(cell, [x!, h0!, c0], (xx, hh, cc) => {
      const { outputs, last } = rnn.forward(xx!, [hh!, cc!]);
      return fl.concat([fl.reshape(outputs, [-1]), fl.reshape(last[1], [-1])]);
    });
    expect(r.ok, JSON.stringify(r.worst)).toBe(true);
  });
});

describe("UGRNN: concat and split forms", () => {
  function runBoth(a: fl.nn.UGRNNCell, b: fl.nn.UGRNNCell) {
    const x = fl.randn([5, B, I], { dtype, seed: 30, requiresGrad: true });
    const x2 = x.clone().requiresGrad_();
    const h0 = fl.randn([B, H], { dtype, seed: 31 });
    const g = fl.randn([5, B, H], { dtype, seed: 32 });
    const ya = new fl.nn.RNN(a).forward(x, h0).outputs;
    const yb = new fl.nn.RNN(b).forward(x2, h0).outputs;
    ya.backward(g);
    yb.backward(g);
    return { ya, yb, x, x2 };
  }

  it("the split form is the concat form with W^f = [W^{f,x} | W^{f,h}]: same outputs and gradients after conversion", () => {
    const concat = new fl.nn.UGRNNCell(I, H, { dtype, seed: 40, form: "concat" });
    const split = fl.nn.convertUGRNN(concat);
    expect(split.form).toBe("split");
    expect(Object.keys(split.stateDict()).sort()).toEqual(["bias_d", "bias_f", "weight_dh", "weight_dx", "weight_fh", "weight_fx"]);
    expect(split.weight_fx!.shape).toEqual([H, I]);
    expect(split.weight_fh!.shape).toEqual([H, H]);
    const { ya, yb, x, x2 } = runBoth(concat, split);
    expect(maxAbsDiff(ya.data, yb.data)).toBeLessThan(1e-13);
    expect(maxAbsDiff(x.grad!.data, x2.grad!.data)).toBeLessThan(1e-13);
    // W^f.grad = [W^{f,x}.grad | W^{f,h}.grad], likewise for d; bias grads equal
    const sg = split.stateDict();
    const gradsAsSplit = Object.fromEntries(["weight_fx", "weight_fh", "weight_dx", "weight_dh"].map((k) => [k, sg[k]!.grad!]));
    const joined = fl.nn.ugrnnSplitToConcat(gradsAsSplit);
    expect(maxAbsDiff(joined.weight_f!.data, concat.weight_f!.grad!.data)).toBeLessThan(1e-13);
    expect(maxAbsDiff(joined.weight_d!.data, concat.weight_d!.grad!.data)).toBeLessThan(1e-13);
    expect(maxAbsDiff(concat.bias_f!.grad!.data, split.bias_f!.grad!.data)).toBeLessThan(1e-13);
    expect(maxAbsDiff(concat.bias_d!.grad!.data, split.bias_d!.grad!.data)).toBeLessThan(1e-13);
  });

  it("converts back: split → concat reproduces the original parameters exactly", () => {
    const split = new fl.nn.UGRNNCell(I, H, { dtype, seed: 41, form: "split" });
    const concat = fl.nn.convertUGRNN(split);
    expect(concat.form).toBe("concat");
    expect(concat.weight_f!.shape).toEqual([H, I + H]);
    const back = fl.nn.convertUGRNN(concat, "split");
    for (const [k, t] of Object.entries(split.stateDict())) expect(Array.from(back.stateDict()[k]!.data)).toEqual(Array.from(t.data));
    const { ya, yb } = runBoth(split, concat);
    expect(maxAbsDiff(ya.data, yb.data)).toBeLessThan(1e-13);
  });

  it("the same seed gives the same function in either form", () => {
    const a = new fl.nn.UGRNNCell(I, H, { dtype, seed: 42, form: "concat" });
    const b = new fl.nn.UGRNNCell(I, H, { dtype, seed: 42, form: "split" });
    const { ya, yb } = runBoth(a, b);
    expect(maxAbsDiff(ya.data, yb.data)).toBeLessThan(1e-13);
  });

  it("matches the definition written as scalar loops (σ for f, tanh for d)", () => {
    const cell = new fl.nn.UGRNNCell(2, 3, { dtype, seed: 43 });
    const x = fl.randn([2, 2], { dtype, seed: 44 });
    const h = fl.randn([2, 3], { dtype, seed: 45 });
    const out = cell.forward(x, h);
    const W = (w: Tensor, c: number, j: number) => w.data[c * 5 + j]!;
    for (let b = 0; b < 2; b++)
      for (let c = 0; c < 3; c++) {
        let pf = cell.bias_f!.data[c]!;
        let pd = cell.bias_d!.data[c]!;
        for (let j = 0; j < 2; j++) {
          pf += W(cell.weight_f!, c, j) * x.data[b * 2 + j]!;
          pd += W(cell.weight_d!, c, j) * x.data[b * 2 + j]!;
        }
        for (let k = 0; k < 3; k++) {
          pf += W(cell.weight_f!, c, 2 + k) * h.data[b * 3 + k]!;
          pd += W(cell.weight_d!, c, 2 + k) * h.data[b * 3 + k]!;
        }
        const f = 1 / (1 + Math.exp(-pf));
        const d = Math.tanh(pd);
        expect(out.data[b * 3 + c]).toBeCloseTo(f * h.data[b * 3 + c]! + (1 - f) * d, 13);
      }
  });

  it("rejects a bad form and bad state dicts", () => {
    expect(() => new fl.nn.UGRNNCell(2, 3, { form: "stacked" as never })).toThrow(/form must be "concat" or "split"/);
    expect(() => fl.nn.ugrnnConcatToSplit({ weight_f: fl.zeros([3, 5]) }, 2)).toThrow(/no "weight_d"/);
    expect(() => fl.nn.ugrnnConcatToSplit({ weight_f: fl.zeros([3, 2]), weight_d: fl.zeros([3, 2]) }, 2)).toThrow(/expected \[H, 2 \+ H\]/);
  });
});

describe("cells: names, shapes, errors", () => {
  it("use PyTorch's parameter names and layouts", () => {
    const shapes = (m: fl.nn.Module) => Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, t.shape]));
    expect(shapes(new fl.nn.GRUCell(3, 4))).toEqual({ weight_ih: [12, 3], weight_hh: [12, 4], bias_ih: [12], bias_hh: [12] });
    expect(shapes(new fl.nn.LSTMCell(3, 4))).toEqual({ weight_ih: [16, 3], weight_hh: [16, 4], bias_ih: [16], bias_hh: [16] });
    expect(shapes(new fl.nn.RNNCell(3, 4))).toEqual({ weight_ih: [4, 3], weight_hh: [4, 4], bias_ih: [4], bias_hh: [4] });
    expect(shapes(new fl.nn.RNN(new fl.nn.GRUCell(3, 4)))).toHaveProperty("cell.weight_ih", [12, 3]);
  });

  it("initialise from U(−1/√H, 1/√H), deterministically per seed", () => {
    const a = new fl.nn.LSTMCell(3, 16, { seed: 5 });
    const b = new fl.nn.LSTMCell(3, 16, { seed: 5 });
    expect(Array.from(a.weight_hh.data)).toEqual(Array.from(b.weight_hh.data));
    const all = a.parameters().flatMap((p) => Array.from(p.data));
    expect(Math.max(...all.map(Math.abs))).toBeLessThanOrEqual(0.25);
    expect(Math.max(...all.map(Math.abs))).toBeGreaterThan(0.2);
  });

  it("name the disagreeing dimension in shape errors", () => {
    const gru = new fl.nn.GRUCell(3, 4);
    expect(() => gru.forward(fl.zeros([2, 5]), fl.zeros([2, 4]))).toThrow(/GRUCell: input x has shape \[2, 5\] but the cell's inputSize is 3/);
    expect(() => gru.forward(fl.zeros([2, 3]), fl.zeros([3, 4]))).toThrow(/state h has shape \[3, 4\] but must be \[2, 4\].*dimension 0 \(batch\)/);
    expect(() => gru.forward(fl.zeros([2, 3], { dtype }), fl.zeros([2, 4]))).toThrow(/input x is float64 but the cell's parameters are float32/);
    const lstm = new fl.nn.LSTMCell(3, 4);
    expect(() => lstm.forward(fl.zeros([2, 3]), fl.zeros([2, 4]) as never)).toThrow(/state must be a pair \[h, c\]/);
    expect(() => lstm.forward(fl.zeros([2, 3]), [fl.zeros([2, 4]), fl.zeros([2, 5])])).toThrow(/state c has shape \[2, 5\].*dimension 1 \(hidden\)/);
    expect(() => new fl.nn.RNNCell(0, 4)).toThrow(/inputSize must be a positive integer/);
  });
});
