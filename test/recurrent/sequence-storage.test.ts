/**
 * Where nn.RNN's fused sequence path keeps its numbers (fast backend): the per-sequence buffers live
 * in WebAssembly memory, so every per-step GEMM and gate kernel reads and writes them in place; what
 * user code gets back (outputs, the last h and c) is its own storage, intact after later sequences
 * reuse the buffers; 200 sequences leave the wasm heap flat. Also the column-sum kernel that makes
 * the bias gradients against its definition.
 */
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import * as fl from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { getBackend, registerBackend, setBackend } from "../../src/backend/index.js";
import { fastContext } from "../../src/backend/fast/context.js";
import { fastKernels } from "../../src/backend/fast/index.js";
import { fastAddColumnSums } from "../../src/backend/fast/recurrent.js";
import type { GateBackwardArgs, GateForwardArgs, GatedCell, Kernels, MatmulArgs } from "../../src/backend/kernels.js";
import { addColumnSumsReference } from "../../src/backend/recurrent-reference.js";
import type { TypedArray } from "../../src/dtype.js";
import { locationOf } from "../../src/storage.js";

const KINDS = ["lstm", "gru", "ugrnn"] as const;
/** Sizes whose per-step arrays (B·H ≥ 1024 elements) the storage provider puts in wasm memory too. */
const S = { T: 5, B: 8, I: 12, H: 128 };

function makeCell(kind: (typeof KINDS)[number], seed = 3): fl.nn.RecurrentCell<fl.nn.CellState> {
  const o = { seed };
  const cell = kind === "lstm" ? new fl.nn.LSTMCell(S.I, S.H, o) : kind === "gru" ? new fl.nn.GRUCell(S.I, S.H, o) : new fl.nn.UGRNNCell(S.I, S.H, o);
  return cell as unknown as fl.nn.RecurrentCell<fl.nn.CellState>;
}

/** A fixed random weighting of the outputs. */
const R = fl.randn([S.T, S.B, S.H], { seed: 8 });

/** Backward of Σ R⊙outputs (+ Σ h_T, + Σ c_T) through a fused nn.RNN run. */
function runSequence(rnn: fl.nn.RNN<fl.nn.CellState>, x: Tensor): { outputs: Tensor; last: Tensor[] } {
  const { outputs, last } = rnn.forward(x);
  const lastList = Array.isArray(last) ? last : [last];
  let loss = fl.sum(fl.mul(outputs, R));
  for (const t of lastList) loss = fl.add(loss, fl.sum(t));
  loss.backward();
  return { outputs, last: lastList };
}

interface Call {
  kernel: string;
  /** Per argument name: where its array lives. */
  where: Record<string, string>;
}

/** The fast backend with every matmul and gate call recorded (where each array lives). */
function spyBackend(calls: Call[]): Partial<Kernels> {
  const where = (arrays: Record<string, TypedArray | null>): Record<string, string> =>
    Object.fromEntries(Object.entries(arrays).filter(([, a]) => a !== null).map(([k, a]) => [k, locationOf(a!)]));
  return {
    ...fastKernels,
    matmul: (a: TypedArray, b: TypedArray, c: TypedArray, p: MatmulArgs) => {
      calls.push({ kernel: `matmul ${p.m}x${p.n}x${p.k}`, where: where({ a, b, c }) });
      fastKernels.matmul!(a, b, c, p);
    },
    gatesForward: (cell: GatedCell, p: GateForwardArgs) => {
      calls.push({ kernel: "gatesForward", where: where({ px: p.px, ph: p.ph, h: p.h, c: p.c, act: p.act, aux: p.aux, hOut: p.hOut, cOut: p.cOut }) });
      fastKernels.gatesForward!(cell, p);
    },
    gatesBackward: (cell: GatedCell, p: GateBackwardArgs) => {
      const arrays = { gh: p.gh, gc: p.gc, act: p.act, aux: p.aux, h: p.h, c: p.c, ph: p.ph, dpx: p.dpx, dph: p.dph, ghDirect: p.ghDirect, gcPrev: p.gcPrev };
      calls.push({ kernel: "gatesBackward", where: where(arrays) });
      fastKernels.gatesBackward!(cell, p);
    },
  };
}

const inJs = (c: Call): string[] => Object.entries(c.where).filter(([, w]) => w !== "wasm").map(([k]) => k);

describe("nn.RNN's fused sequence path keeps its buffers in WebAssembly memory", () => {
  const saved = getBackend();
  afterEach(() => setBackend(saved));

  for (const kind of KINDS) {
    it(`${kind}: every per-step GEMM and gate kernel runs on wasm arrays in place (the last step's outputs aside)`, () => {
      expect(fastContext()?.rt.shared, "this test needs the fast backend on shared memory").toBe(true);
      const calls: Call[] = [];
      registerBackend("spy-rnn", spyBackend(calls));
      setBackend("spy-rnn");
      const rnn = new fl.nn.RNN(makeCell(kind));
      const x = fl.randn([S.T, S.B, S.I], { seed: 4 });
      runSequence(rnn, x); // the first run sizes the pools
      calls.length = 0;
      runSequence(rnn, x);
      const G = { lstm: 4, gru: 3, ugrnn: 2 }[kind] * S.H;
      const stepForward = calls.filter((c) => c.kernel === `matmul ${S.B}x${G}x${S.H}`);
      const stepBackward = calls.filter((c) => c.kernel === `matmul ${S.B}x${S.H}x${G}`);
      const forward = calls.filter((c) => c.kernel === "gatesForward");
      const backward = calls.filter((c) => c.kernel === "gatesBackward");
      // (step 0's h is the zero initial state, which needs no gradient: T − 1 backward GEMMs)
      expect([stepForward.length, stepBackward.length, forward.length, backward.length]).toEqual([S.T, S.T - 1, S.T, S.T]);
      // ph = h·W_hhᵀ and h.grad += ∂ph·W_hh: h, W_hh's snapshot, ph and ∂ph all in wasm memory
      for (const c of [...stepForward, ...stepBackward]) expect(inJs(c), c.kernel).toEqual([]);
      // the gates: all in wasm but the last step's h' and c' (the user's) and their gradients
      forward.slice(0, -1).forEach((c, t) => expect(inJs(c), `forward step ${t}`).toEqual([]));
      expect(inJs(forward.at(-1)!).every((k) => k === "hOut" || k === "cOut")).toBe(true);
      backward.slice(1).forEach((c, i) => expect(inJs(c), `backward of step ${S.T - 2 - i}`).toEqual([]));
      expect(inJs(backward[0]!).every((k) => k === "gh" || k === "gc")).toBe(true);
    });
  }

  for (const kind of KINDS) {
    it(`${kind}: outputs and the last state are the user's own storage, intact after later sequences reuse the buffers`, () => {
      setBackend("fast");
      const rnn = new fl.nn.RNN(makeCell(kind));
      const x1 = fl.randn([S.T, S.B, S.I], { seed: 21 });
      const kept: Array<{ tensors: Tensor[]; values: number[][] }> = [];
      const keep = (tensors: Tensor[]): void => void kept.push({ tensors, values: tensors.map((t) => Array.from(t.data)) });
      // with backward (the graph is freed and its storage given back), grad on without backward, and under noGrad
      const a = runSequence(rnn, x1);
      keep([a.outputs, ...a.last]);
      const b = rnn.forward(fl.randn([S.T, S.B, S.I], { seed: 22 }));
      keep([b.outputs, ...(Array.isArray(b.last) ? b.last : [b.last])]);
      const c = fl.noGrad(() => rnn.forward(fl.randn([S.T, S.B, S.I], { seed: 23 })));
      keep([c.outputs, ...(Array.isArray(c.last) ? c.last : [c.last])]);
      for (const { tensors } of kept) for (const t of tensors) expect(locationOf(t.data)).toBe("js");
      // later sequences of the same sizes take the same blocks and overwrite them
      for (let i = 0; i < 3; i++) runSequence(rnn, fl.randn([S.T, S.B, S.I], { seed: 30 + i }));
      kept.forEach(({ tensors, values }, k) => tensors.forEach((t, i) => expect(Array.from(t.data), `run ${k}, tensor ${i}`).toEqual(values[i])));
      // and the outputs hold what a fresh run computes
      const again = fl.noGrad(() => rnn.forward(x1).outputs);
      expect(Array.from(again.data)).toEqual(kept[0]!.values[0]);
    });
  }

  it("200 forward+backward LSTM sequences (and 60 GRU and UGRNN ones) leave the wasm heap flat", () => {
    setBackend("fast");
    const heap = fastContext()!.heap;
    for (const kind of KINDS) {
      const n = kind === "lstm" ? 200 : 60;
      const rnn = new fl.nn.RNN(makeCell(kind));
      const x = fl.randn([S.T, S.B, S.I], { seed: 5 });
      for (let i = 0; i < 5; i++) runSequence(rnn, x);
      const before = heap.stats();
      for (let i = 0; i < n; i++) runSequence(rnn, x);
      const after = heap.stats();
      // (the backstop may free blocks that earlier tests dropped meanwhile, so in use may only fall)
      expect(after.inUse, kind).toBeLessThanOrEqual(before.inUse);
      expect(after.blocks, kind).toBeLessThanOrEqual(before.blocks);
      expect(after.memory, kind).toBe(before.memory);
    }
  });
});

describe("addColumnSums (the bias gradient) equals its definition", () => {
  it("fast float32 kernel on random odd sizes, adding into out", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 1000 }), (rows, cols, seed) => {
        const gen = new fl.Generator(seed);
        const g = Float32Array.from({ length: rows * cols }, () => gen.normal());
        const out0 = Float32Array.from({ length: cols }, () => gen.normal());
        const want = new Float64Array(out0);
        addColumnSumsReference(g, rows, cols, want);
        const got = new Float32Array(out0);
        fastAddColumnSums(g, rows, cols, got);
        for (let q = 0; q < cols; q++) expect(Math.abs(got[q]! - want[q]!)).toBeLessThan(1e-5 * (1 + Math.sqrt(rows)));
      }),
      { numRuns: 60, examples: [[67, 133, 1], [64, 1024, 2]] },
    );
  });

  it("rejects arrays shorter than rows × cols", () => {
    expect(() => fastAddColumnSums(new Float32Array(10), 3, 4, new Float32Array(4))).toThrow(/addColumnSums: g has 10 elements, needs 12/);
    expect(() => addColumnSumsReference(new Float32Array(12), 3, 4, new Float32Array(3))).toThrow(/out has 3 elements, needs 4/);
  });
});
