/**
 * nn.RNN's sequence path with W_hh packed once (fast backend, PackedMatmulKernels): each sequence
 * packs W_hh once for the forward and once for the backward, runs every per-step GEMM against
 * W_hh through matmulPacked, frees both packs (after the forward when no
 * backward can run), and gives the same outputs and gradients as the plain matmul path.
 */
import { afterEach, describe, expect, it } from "vitest";
import * as fl from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { getBackend, registerBackend, setBackend } from "../../src/backend/index.js";
import { fastKernels, fastPackedMatmul } from "../../src/backend/fast/index.js";
import type { Kernels, MatmulArgs, PackedMatrix } from "../../src/backend/kernels.js";
import type { TypedArray } from "../../src/dtype.js";

const KINDS = ["lstm", "gru", "ugrnn"] as const;
const S = { T: 6, B: 7, I: 11, H: 40 };

function makeRnn(kind: (typeof KINDS)[number]): fl.nn.RNN<fl.nn.CellState> {
  const o = { seed: 5 };
  const cell = kind === "lstm" ? new fl.nn.LSTMCell(S.I, S.H, o) : kind === "gru" ? new fl.nn.GRUCell(S.I, S.H, o) : new fl.nn.UGRNNCell(S.I, S.H, o);
  return new fl.nn.RNN(cell as unknown as fl.nn.RecurrentCell<fl.nn.CellState>);
}

/** Backward of Σ R⊙outputs + Σ h_T (+ Σ c_T); returns the outputs and every gradient. */
function run(rnn: fl.nn.RNN<fl.nn.CellState>, x: Tensor): number[][] {
  const R = fl.randn([S.T, S.B, S.H], { seed: 8 });
  const { outputs, last } = rnn.forward(x);
  let loss = fl.sum(fl.mul(outputs, R));
  for (const t of Array.isArray(last) ? last : [last]) loss = fl.add(loss, fl.sum(t));
  loss.backward();
  const grads = [x, ...rnn.parameters()].map((p) => Array.from(p.grad!.data));
  for (const p of rnn.parameters()) p.grad = null;
  x.grad = null;
  return [Array.from(outputs.data), ...grads];
}

interface Counts { packs: number; frees: number; products: string[] }

/** The fast kernels with the packed GEMM's calls counted (each product by its m×n×k). */
function countingBackend(n: Counts): Partial<Kernels> {
  const k = fastPackedMatmul;
  return {
    ...fastKernels,
    packMatmulB: (b: TypedArray, transB: boolean, kk: number, nn: number) => (n.packs++, k.packMatmulB(b, transB, kk, nn)),
    freePackedB: (b: PackedMatrix) => (n.frees++, k.freePackedB(b)),
    matmulPacked: (a: TypedArray, b: PackedMatrix, c: TypedArray, m: number, transA: boolean, acc: boolean) => {
      n.products.push(`${m}x${b.n}x${b.k}`);
      k.matmulPacked(a, b, c, m, transA, acc);
    },
  } as Partial<Kernels>;
}

/** The fast kernels with matmul wrapped (so the packed path is not taken: its plainMatmul differs). */
const plainBackend = { ...fastKernels, matmul: (a: TypedArray, b: TypedArray, c: TypedArray, p: MatmulArgs) => fastKernels.matmul!(a, b, c, p) };

describe("nn.RNN's sequence path packs W_hh once per sweep", () => {
  const saved = getBackend();
  afterEach(() => setBackend(saved));

  for (const kind of KINDS) {
    it(`${kind}: two packs per forward+backward, every per-step product against them, all freed; same numbers as the plain path`, () => {
      const G = { lstm: 4, gru: 3, ugrnn: 2 }[kind] * S.H;
      const x = fl.randn([S.T, S.B, S.I], { seed: 4, requiresGrad: true });
      const counts: Counts = { packs: 0, frees: 0, products: [] };
      registerBackend("count-packed", countingBackend(counts));
      setBackend("count-packed");
      const rnn = makeRnn(kind);
      const packed = run(rnn, x);
      expect([counts.packs, counts.frees]).toEqual([2, 2]);
      const forward = counts.products.filter((p) => p === `${S.B}x${G}x${S.H}`);
      const backward = counts.products.filter((p) => p === `${S.B}x${S.H}x${G}`);
      // (step 0's h is the zero initial state, which needs no gradient: T − 1 backward products)
      expect([forward.length, backward.length, counts.products.length]).toEqual([S.T, S.T - 1, 2 * S.T - 1]);
      // forward-only: the forward's pack alone, freed when the forward ends
      counts.packs = counts.frees = 0;
      fl.noGrad(() => rnn.forward(x));
      expect([counts.packs, counts.frees]).toEqual([1, 1]);
      rnn.forward(x); // a graph no backward runs on: freed at the end of the forward all the same
      expect([counts.packs, counts.frees]).toEqual([2, 2]);
      registerBackend("plain-rnn", plainBackend);
      setBackend("plain-rnn");
      const plain = run(rnn, x);
      packed.forEach((a, i) => {
        const tol = 1e-5 * Math.max(1, ...a.map(Math.abs));
        a.forEach((v, j) => {
          if (Math.abs(v - plain[i]![j]!) > tol) expect.fail(`array ${i} element ${j}: packed ${v}, plain ${plain[i]![j]}`);
        });
      });
    });
  }

  it("float64 sequences take the plain matmul (the packed GEMM is float32 only)", () => {
    const counts: Counts = { packs: 0, frees: 0, products: [] };
    registerBackend("count-packed", countingBackend(counts));
    setBackend("count-packed");
    const cell = new fl.nn.GRUCell(S.I, S.H, { seed: 2, dtype: "float64" });
    const rnn = new fl.nn.RNN(cell as unknown as fl.nn.RecurrentCell<fl.nn.CellState>);
    const x = fl.randn([S.T, S.B, S.I], { seed: 4, dtype: "float64" });
    const { outputs } = rnn.forward(x);
    fl.sum(outputs).backward();
    expect(counts.packs).toBe(2); // asked, declined (null): nothing to free, no packed products
    expect([counts.frees, counts.products.length]).toEqual([0, 0]);
  });
});
