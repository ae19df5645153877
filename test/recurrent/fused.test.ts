/**
 * The fused recurrent steps against what they replace:
 *  1. the SIMD gate kernels (fast backend, float32) against their definitions (the reference loops),
 *     forward and backward, on random odd sizes;
 *  2. a cell's fused step against the composition of ops it replaced (linear, gate blocks, σ, tanh,
 *     products and sums), values and every gradient, float32 and float64;
 *  3. nn.RNN's sequence path (one GEMM for the input projection, W_hh's gradient after the sweep)
 *     against the composed steps unrolled one by one, with and without truncation;
 *  4. float64 gradient checks of the fused cell step.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as fl from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { getBackend, setBackend } from "../../src/backend/index.js";
import type { GatedCell } from "../../src/backend/kernels.js";
import { fastGatesBackward, fastGatesForward } from "../../src/backend/fast/recurrent.js";
import { GATE_BLOCKS, gatesBackwardReference, gatesForwardReference } from "../../src/backend/recurrent-reference.js";
import { FUSED_RECURRENT_OPS } from "../../src/nn/recurrent/fused-step.js";
import { ugrnnUpdate } from "../../src/ops/ugrnn-update.js";
import { gradcheckModule, maxAbsDiff } from "./helpers.js";

type DType = "float32" | "float64";
const CELLS: GatedCell[] = ["lstm", "gru", "ugrnn"];

function randomArray(n: number, seed: number, scale = 2): Float32Array {
  const g = new fl.Generator(seed);
  return Float32Array.from({ length: n }, () => scale * g.normal());
}

/** The fast gate kernels against the definitions on random data of batch B and hidden size H. */
function checkGates(cell: GatedCell, B: number, H: number, seed: number, withGc: boolean): void {
  const G = GATE_BLOCKS[cell] * H;
  const lstm = cell === "lstm";
  const px = randomArray(B * G, seed), ph = randomArray(B * G, seed + 1), h = randomArray(B * H, seed + 2), c = randomArray(B * H, seed + 3);
  const outs = () => ({ act: new Float32Array(B * G), aux: lstm ? new Float32Array(B * H) : null, hOut: new Float32Array(B * H), cOut: lstm ? new Float32Array(B * H) : null });
  const a = outs(), b = outs();
  const common = { batch: B, hidden: H, px, ph, h, c: lstm ? c : null };
  fastGatesForward(cell, { ...common, ...a });
  gatesForwardReference(cell, { ...common, ...b });
  for (const k of ["act", "aux", "hOut", "cOut"] as const) if (a[k]) expect(maxAbsDiff(a[k]!, b[k]!), `forward ${k}`).toBeLessThan(2e-6);
  const gh = randomArray(B * H, seed + 4), gc = lstm && withGc ? randomArray(B * H, seed + 5) : null;
  const back = () => ({
    dpx: new Float32Array(B * G), dph: cell === "gru" ? new Float32Array(B * G) : null,
    ghDirect: lstm ? null : new Float32Array(B * H), gcPrev: lstm ? new Float32Array(B * H) : null,
  });
  const da = back(), db = back();
  const bcommon = { batch: B, hidden: H, gh, gc, act: b.act, aux: b.aux, h, c: lstm ? c : null, ph: cell === "gru" ? ph : null };
  fastGatesBackward(cell, { ...bcommon, ...da });
  gatesBackwardReference(cell, { ...bcommon, ...db });
  for (const k of ["dpx", "dph", "ghDirect", "gcPrev"] as const) if (da[k]) expect(maxAbsDiff(da[k]!, db[k]!), `backward ${k}`).toBeLessThan(1e-5);
}

describe("SIMD gate kernels equal their definitions (float32, random odd sizes)", () => {
  for (const cell of CELLS) {
    it(cell, () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 13 }), fc.integer({ min: 0, max: 1000 }), fc.boolean(), (B, H, seed, withGc) => checkGates(cell, B, H, seed, withGc)),
        { numRuns: 25 },
      );
    });
  }

  it("split by batch rows across the pool's threads (sizes large enough for a split, odd row counts)", () => {
    // the kernels split from B·H ≈ 16K units (two threads)
    for (const cell of CELLS) for (const [B, H] of [[67, 251], [131, 127]] as const) checkGates(cell, B, H, B + H, true);
  });

  it("saturate to the right limits and keep NaN", () => {
    const px = Float32Array.from([200, -200, Number.NaN, 0, 200, -200, 0, 0]); // B 1, H 4: UGRNN's f block | d block
    const out = { act: new Float32Array(8), aux: null, hOut: new Float32Array(4), cOut: null };
    fastGatesForward("ugrnn", { batch: 1, hidden: 4, px, ph: new Float32Array(8), h: new Float32Array(4), c: null, ...out });
    expect(out.act[0]).toBe(1);
    expect(out.act[1]).toBeGreaterThanOrEqual(0);
    expect(out.act[1]).toBeLessThan(1e-37); // σ(−200) = 1.4e−87: e^200 is clamped to e^88.3, leaving a tiny normal float
    expect(out.act[2]).toBeNaN();
    expect(out.act[3]).toBe(0.5);
    expect(Array.from(out.act.subarray(4, 6))).toEqual([1, -1]);
  });

  it("reject arrays shorter than the batch and hidden size need", () => {
    const a = new Float32Array(4);
    expect(() => fastGatesForward("gru", { batch: 2, hidden: 2, px: a, ph: a, h: a, c: null, act: a, aux: null, hOut: a, cOut: null })).toThrow(/gatesForward \(gru\): px has 4 elements, needs 12/);
  });
});

/** The k column blocks [B, H] of gate pre-activations [B, k·H], by the general slice op. */
function gateBlocks(g: Tensor, k: number): Tensor[] {
  const H = g.shape[1]! / k;
  return Array.from({ length: k }, (_, q) => fl.slice(g, 1, q * H, (q + 1) * H));
}

/** The cells' steps as the compositions of ops that the fused nodes replaced. */
function composedStep(cell: fl.nn.RecurrentCell<fl.nn.CellState>, x: Tensor, state: fl.nn.CellState): fl.nn.CellState {
  if (cell instanceof fl.nn.LSTMCell) {
    const [h, c] = state as [Tensor, Tensor];
    const gates = fl.add(fl.linear(x, cell.weight_ih, cell.bias_ih), fl.linear(h, cell.weight_hh, cell.bias_hh));
    const [pi, pf, pg, po] = gateBlocks(gates, 4) as [Tensor, Tensor, Tensor, Tensor];
    const cNext = fl.add(fl.mul(fl.sigmoid(pf), c), fl.mul(fl.sigmoid(pi), fl.tanh(pg)));
    return [fl.mul(fl.sigmoid(po), fl.tanh(cNext)), cNext];
  }
  if (cell instanceof fl.nn.GRUCell) {
    const h = state as Tensor;
    const [ir, iz, inn] = gateBlocks(fl.linear(x, cell.weight_ih, cell.bias_ih), 3) as [Tensor, Tensor, Tensor];
    const [hr, hz, hn] = gateBlocks(fl.linear(h, cell.weight_hh, cell.bias_hh), 3) as [Tensor, Tensor, Tensor];
    const r = fl.sigmoid(fl.add(ir, hr));
    const z = fl.sigmoid(fl.add(iz, hz));
    return ugrnnUpdate(z, h, fl.tanh(fl.add(inn, fl.mul(r, hn))));
  }
  return (cell as fl.nn.UGRNNCell).forwardComposed(x, state as Tensor);
}

interface Shape { B: number; I: number; H: number; T: number }
const SHAPES: Record<string, Shape> = {
  "odd sizes": { B: 3, I: 5, H: 7, T: 4 },
  "the adding task (I 2, H 32, B 32)": { B: 32, I: 2, H: 32, T: 3 },
  "the lab (B 3, I 4, H 5)": { B: 3, I: 4, H: 5, T: 5 },
  "the lab (B 2, I 7, H 3)": { B: 2, I: 7, H: 3, T: 5 },
};

function makeCell(kind: string, I: number, H: number, dtype: DType, bias = true): fl.nn.RecurrentCell<fl.nn.CellState> {
  const o = { dtype, seed: 5, bias };
  const cells: Record<string, () => unknown> = {
    lstm: () => new fl.nn.LSTMCell(I, H, o),
    gru: () => new fl.nn.GRUCell(I, H, o),
    "ugrnn concat": () => new fl.nn.UGRNNCell(I, H, { ...o, form: "concat" }),
    "ugrnn split": () => new fl.nn.UGRNNCell(I, H, { ...o, form: "split" }),
  };
  return cells[kind]!() as fl.nn.RecurrentCell<fl.nn.CellState>;
}

const stateTensors = (s: fl.nn.CellState): Tensor[] => (Array.isArray(s) ? s : [s]);

/** Runs `unroll` on fresh leaves, backward of Σ R⊙outputs (+ Σ R'⊙last c), returning values and gradients. */
function runAndGrad(cell: fl.nn.RecurrentCell<fl.nn.CellState>, s: Shape, dtype: DType, unroll: (x: Tensor, s0: fl.nn.CellState) => { outputs: Tensor; last: fl.nn.CellState }) {
  const x = fl.randn([s.T, s.B, cell.inputSize], { dtype, seed: 11, requiresGrad: true });
  const h0 = fl.randn([s.B, cell.hiddenSize], { dtype, seed: 12, requiresGrad: true });
  const c0 = fl.randn([s.B, cell.hiddenSize], { dtype, seed: 13, requiresGrad: true });
  const s0: fl.nn.CellState = cell instanceof fl.nn.LSTMCell ? [h0, c0] : h0;
  for (const p of cell.parameters()) p.grad = null;
  const { outputs, last } = unroll(x, s0);
  let loss = fl.sum(fl.mul(outputs, fl.randn(outputs.shape, { dtype, seed: 14 })));
  if (Array.isArray(last)) loss = fl.add(loss, fl.sum(fl.mul(last[1], fl.randn(last[1].shape, { dtype, seed: 15 }))));
  loss.backward();
  const grads = [x, ...stateTensors(s0), ...cell.parameters()].map((t) => Array.from(t.grad?.data ?? []));
  return { values: [outputs, ...stateTensors(last)].map((t) => Array.from(t.data)), grads };
}

function composedUnroll(cell: fl.nn.RecurrentCell<fl.nn.CellState>, truncate = 0) {
  return (x: Tensor, s0: fl.nn.CellState) => {
    let state = s0;
    const outs: Tensor[] = [];
    const xs = fl.unbind(x, 0);
    xs.forEach((xt, t) => {
      state = composedStep(cell, xt, state);
      outs.push(cell.outputOf(state));
      if (truncate && (t + 1) % truncate === 0 && t + 1 < xs.length) state = cell.detachState(state);
    });
    return { outputs: fl.stack(outs, 0), last: state };
  };
}

function expectClose(a: number[][], b: number[][], tol: number, what: string): void {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => {
    const scale = Math.max(1, ...b[i]!.map(Math.abs));
    expect(maxAbsDiff(v, b[i]!) / scale, `${what} ${i}`).toBeLessThan(tol);
  });
}

describe("fused cell steps and nn.RNN's sequence path equal the composed steps (values and all gradients)", () => {
  for (const dtype of ["float32", "float64"] as const) {
    const tol = dtype === "float32" ? 2e-5 : 1e-12;
    for (const kind of ["lstm", "gru", "ugrnn concat", "ugrnn split"]) {
      for (const [shapeName, s] of Object.entries(SHAPES)) {
        if (dtype === "float64" && shapeName !== "odd sizes") continue; // float64 takes the same code as the reference
        it(`${kind}, ${dtype}, ${shapeName}`, () => {
          const cell = makeCell(kind, s.I, s.H, dtype);
          const want = runAndGrad(cell, s, dtype, composedUnroll(cell));
          // the cell's own forward (a fused node per step), step by step
          const stepwise = new fl.nn.RNN(cell, { fused: false });
          const got1 = runAndGrad(cell, s, dtype, (x, s0) => stepwise.forward(x, s0));
          expectClose(got1.values, want.values, tol, "stepwise value");
          expectClose(got1.grads, want.grads, tol, "stepwise gradient");
          // the sequence path
          const rnn = new fl.nn.RNN(cell);
          const got2 = runAndGrad(cell, s, dtype, (x, s0) => rnn.forward(x, s0));
          expectClose(got2.values, want.values, tol, "sequence value");
          expectClose(got2.grads, want.grads, tol, "sequence gradient");
        });
      }
    }
  }

  it("with truncation, without biases, and when only some steps reach the loss", () => {
    for (const kind of ["lstm", "gru", "ugrnn concat"]) {
      const s = SHAPES["odd sizes"]!;
      const cell = makeCell(kind, s.I, s.H, "float64", false);
      const want = runAndGrad(cell, s, "float64", composedUnroll(cell, 2));
      const got = runAndGrad(cell, s, "float64", (x, s0) => new fl.nn.RNN(cell, { truncate: 2 }).forward(x, s0));
      expectClose(got.values, want.values, 1e-12, `${kind} truncated value`);
      expectClose(got.grads, want.grads, 1e-12, `${kind} truncated gradient`);
      // a loss on step 1's output only: the later steps' backward never runs, their rows count as zero
      const early = (u: (x: Tensor, s0: fl.nn.CellState) => { outputs: Tensor; last: fl.nn.CellState }) => (x: Tensor, s0: fl.nn.CellState) => {
        const r = u(x, s0);
        return { outputs: fl.select(r.outputs, 0, 1), last: cell.outputOf(r.last).detach() };
      };
      const w2 = runAndGrad(cell, s, "float64", early(composedUnroll(cell)));
      const g2 = runAndGrad(cell, s, "float64", early((x, s0) => new fl.nn.RNN(cell).forward(x, s0)));
      expectClose(g2.grads, w2.grads, 1e-12, `${kind} early-loss gradient`);
    }
  });

  it("run on the reference backend too (the definitions throughout)", () => {
    const saved = getBackend();
    setBackend("reference");
    try {
      const s = SHAPES["odd sizes"]!;
      const cell = makeCell("lstm", s.I, s.H, "float32");
      const want = runAndGrad(cell, s, "float32", composedUnroll(cell));
      const got = runAndGrad(cell, s, "float32", (x, s0) => new fl.nn.RNN(cell).forward(x, s0));
      expectClose(got.grads, want.grads, 2e-5, "reference backend gradient");
    } finally {
      setBackend(saved);
    }
  });
});

describe("fused cell steps pass float64 gradient checks", () => {
  for (const kind of ["lstm", "gru", "ugrnn concat", "ugrnn split"]) {
    it(kind, () => {
      const cell = makeCell(kind, 3, 4, "float64");
      const x = fl.randn([2, 3], { dtype: "float64", seed: 1 });
      const h = fl.randn([2, 4], { dtype: "float64", seed: 2 });
      const c = fl.randn([2, 4], { dtype: "float64", seed: 3 });
      const lstm = cell instanceof fl.nn.LSTMCell;
      const r = gradcheckModule(cell, lstm ? [x, h, c] : [x, h], (xx, hh, cc) => {
        const out = cell.forward(xx!, lstm ? [hh!, cc!] : hh!);
        // both outputs of an LSTM step reach the checked function
        return Array.isArray(out) ? fl.add(out[0], fl.mul(out[1], fl.tensor([0.7], [1], { dtype: "float64" }))) : out;
      });
      expect(r.ok, `${kind}: ${JSON.stringify(r.worst)}`).toBe(true);
    });
  }
});

/** Sizes whose h buffer [T·B·H] and GRU W_hh [3H·H] are large enough (≥ 4096) for the grad pool to reuse. */
const POOLED: Shape = { B: 11, I: 5, H: 48, T: 8 };

describe("nn.RNN's sequence path with W_hh frozen (no W_hh node, step nodes still run backward)", () => {
  // The steps' backward reads h_prev from the sequence's h buffer: it must not go back to the
  // grad pool (and come out again as the stacked output's gradient) before they have run.
  for (const kind of ["gru", "ugrnn split", "lstm"]) {
    it(`${kind}: gradients for x and W_ih equal the step-by-step path's`, () => {
      const s = POOLED; // T·B·H ≥ the grad pool's smallest size, so the h buffer can be pooled
      const cell = makeCell(kind, s.I, s.H, "float32");
      const frozen = ["weight_hh", "bias_hh", "weight_fh", "weight_dh"];
      for (const [name, p] of cell.namedParameters()) if (frozen.includes(name.split(".").pop()!)) p.requiresGrad = false;
      const want = runAndGrad(cell, s, "float32", (x, s0) => new fl.nn.RNN(cell, { fused: false }).forward(x, s0));
      for (let round = 0; round < 2; round++) {
        const got = runAndGrad(cell, s, "float32", (x, s0) => new fl.nn.RNN(cell).forward(x, s0));
        expectClose(got.values, want.values, 2e-5, `${kind} value`);
        expectClose(got.grads, want.grads, 2e-5, `${kind} gradient (round ${round})`);
      }
    });
  }
});

describe("nn.RNN's W_hh snapshot when the backend changes between forward and backward", () => {
  it("is released from the backend that pinned it, so a later fast RNN reads its own W_hh", () => {
    const saved = getBackend();
    const s = POOLED;
    try {
      setBackend("fast");
      const a = makeCell("gru", s.I, s.H, "float32");
      for (const p of a.parameters()) p.requiresGrad = false; // no W_hh gradient to take the snapshot's storage first
      const rnnA = new fl.nn.RNN(a);
      const x = fl.randn([s.T, s.B, s.I], { seed: 21, requiresGrad: true });
      const outA = rnnA.forward(x).outputs;
      setBackend("js");
      fl.sum(outA).backward(); // frees the graph, the snapshot with it
      setBackend("fast");
      // a second GRU of the same size, other weights: its snapshot takes the first one's storage from the pool
      const b = new fl.nn.GRUCell(s.I, s.H, { seed: 99 });
      const want = new fl.nn.RNN(b, { fused: false }).forward(x.detach()).outputs;
      const got = new fl.nn.RNN(b).forward(x.detach()).outputs;
      expect(maxAbsDiff(Array.from(got.data), Array.from(want.data))).toBeLessThan(2e-5);
    } finally {
      setBackend(saved);
    }
  });
});

describe("FUSED_RECURRENT_OPS (ONNX export's hint list) names the ops the fused paths record", () => {
  it("every listed name is recorded by a cell step or nn.RNN's sequence path, and every recurrent op recorded is listed", () => {
    const recorded = new Set<string>();
    for (const kind of ["lstm", "gru", "ugrnn split"]) {
      const cell = makeCell(kind, 3, 4, "float32");
      const x = fl.randn([2, 2, 3], { seed: 1 });
      const report = fl.profile(() => {
        new fl.nn.RNN(cell).forward(x);
        cell.forward(fl.select(x, 0, 0), cell.initialState(2));
      });
      for (const op of Object.keys(report.byOp)) recorded.add(op.replace(/\.backward$/, ""));
    }
    for (const op of FUSED_RECURRENT_OPS) expect(recorded.has(op), op).toBe(true);
    const recurrent = [...recorded].filter((op) => /Cell|Step|^rnn/.test(op));
    expect(recurrent.filter((op) => !FUSED_RECURRENT_OPS.includes(op))).toEqual([]);
  });
});
