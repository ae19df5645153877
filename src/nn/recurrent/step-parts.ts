/**
 * The pieces the fused recurrent paths (fused-step.ts: one cell step; fused-sequence.ts: nn.RNN over
 * a sequence) share: the GEMM call, the projection with its bias, bias gradients as column sums,
 * handing a private gradient array to a tensor, and LSTM's c' output node.
 */
import { gradBuffer, gradTarget, runOp } from "../../autograd.js";
import { kernels } from "../../backend/index.js";
import type { GatedCell, PackedMatmulKernels, PackedMatrix } from "../../backend/kernels.js";
import type { TypedArray } from "../../dtype.js";
import { recycle, takeUninitialized } from "../../grad-pool.js";
import { Tensor } from "../../tensor.js";

/** C (+)= op(A)·op(B), C m×n, one matrix. */
export function mm(a: TypedArray, b: TypedArray, c: TypedArray, m: number, n: number, k: number, transA: boolean, transB: boolean, accumulate: boolean): void {
  kernels().matmul(a, b, c, { batch: 1, m, n, k, transA, transB, strideA: 0, strideB: 0, accumulate });
}

/**
 * The active backend's packed-operand GEMM (PackedMatmulKernels), or null when it has none or its
 * `matmul` is not the one they agree with.
 */
export function packedKernels(): PackedMatmulKernels | null {
  const k = kernels() as ReturnType<typeof kernels> & Partial<PackedMatmulKernels>;
  return k.packMatmulB && k.matmulPacked && k.freePackedB && k.plainMatmul === k.matmul ? (k as PackedMatmulKernels) : null;
}

/**
 * C (+)= A·op(W), C m×n, with op(W) given packed by `by` when `packed` is set (see PackedMatmulKernels),
 * else the plain matmul on `w` (B stored n×k when transB).
 */
export function mmWith(packed: { by: PackedMatmulKernels; b: PackedMatrix } | null, a: TypedArray, w: TypedArray, c: TypedArray, m: number, n: number, k: number, transB: boolean, accumulate: boolean): void {
  if (packed) packed.by.matmulPacked(a, packed.b, c, m, false, accumulate);
  else mm(a, w, c, m, n, k, false, transB, accumulate);
}

/**
 * out[r,q] = Σ_j src[r,j]·W[q,j] + bias[q]   (out rows × G, W is G × k; no bias: the sum alone),
 * with W given packed (as op(B) = Wᵀ) when `packed` is set.
 */
export function project(src: TypedArray, rows: number, k: number, w: TypedArray, G: number, bias: TypedArray | null, out: TypedArray, packed: { by: PackedMatmulKernels; b: PackedMatrix } | null = null): void {
  if (bias) {
    // out[r,·] = bias: one row, then copies of the rows filled so far (log₂ rows calls, not rows)
    out.set(bias.subarray(0, G), 0);
    for (let filled = 1; filled < rows; filled *= 2) out.copyWithin(filled * G, 0, Math.min(filled, rows - filled) * G);
  }
  mmWith(packed, src, w, out, rows, G, k, true, bias !== null);
}

/** t.grad += a (same length as t): into new storage when t has no gradient yet. */
export function addInto(t: Tensor, a: TypedArray): void {
  const target = gradTarget(t);
  const g = target.data;
  if (!target.accumulate) g.set(a);
  else for (let i = 0; i < g.length; i++) g[i] = g[i]! + a[i]!;
}

/**
 * bias.grad[q] += Σ_r g[r,q] for every bias given (the column sums of g [rows, G], computed once
 * by the backend's `addColumnSums` kernel and added into each).
 */
export function addBiasGrads(biases: Array<Tensor | null>, g: TypedArray, rows: number, G: number): void {
  const need = biases.filter((b): b is Tensor => b !== null && b.requiresGrad);
  if (need.length === 0) return;
  const sums = takeUninitialized(g instanceof Float32Array ? "float32" : "float64", G, "recycled").fill(0);
  kernels().addColumnSums(g, rows, G, sums);
  for (const b of need) addInto(b, sums);
  recycle(sums);
}

/**
 * t.grad += a, where `a` is private storage the caller would otherwise recycle: an intermediate
 * tensor with no gradient yet adopts it (its gradient is recycled by backward() after use); a
 * leaf's or retained gradient, which user code keeps, gets a copy; `a` is recycled unless adopted.
 */
export function adoptOrAdd(t: Tensor, a: TypedArray): void {
  if (t.grad === null && !t.isLeaf && !t._retainGrad) {
    t.grad = new Tensor(a, t.shape, false);
    return;
  }
  addInto(t, a);
  recycle(a);
}

/** LSTM's c' as its own tensor: its node passes c'.grad on to the step node that made h'. */
export function cellStateOutput(kind: GatedCell, hNext: Tensor, c: TypedArray, takeGc: (g: TypedArray) => void): Tensor {
  return runOp(`${kind}CellState`, [hNext], () => ({
    out: new Tensor(c, hNext.shape),
    backward: (cn) => {
      gradBuffer(hNext); // h' must have a gradient (zero if unused) for the step's backward to run
      if (cn._retainGrad) {
        const copy = takeUninitialized(cn.dtype, cn.size, "recycled");
        copy.set(cn.grad!.data);
        takeGc(copy);
      } else {
        takeGc(cn.grad!.data);
        cn.grad = null; // the step's backward owns (and recycles) this storage now
      }
    },
  }));
}

/** The work of a step's forward (for the profiler): multiply-adds of its projections. */
export function work(rows: number, G: number, k: number): { multiplies: number; adds: number } {
  return { multiplies: rows * G * k, adds: rows * G * k };
}
