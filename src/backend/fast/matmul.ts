/** The fast matmul: batched float32 GEMM in WebAssembly, split across threads by batch, rows or columns. */
import type { TypedArray } from "../../dtype.js";
import type { MatmulArgs } from "../kernels.js";
import { matmulJs } from "../im2col.js";
import { matmulReference } from "../reference.js";
import { ArenaFull } from "./arena.js";
import { chunkCount, fastContext, splitRange, threadsFor, type FastContext } from "./context.js";
import type { Task } from "./pool.js";
import { residentOffset } from "./resident.js";

/** Products smaller than this (m·n·k) stay in JavaScript: copying into wasm would cost more. */
const MIN_WASM_WORK = 4096;
/** The micro-kernel's tile: row splits are multiples of MR, column splits of NR. */
const MR = 6;
const NR = 8;

/**
 * Tasks for splitting `dim` (rows or columns) over `nt` threads: each task re-packs the whole other
 * operand, so take more tasks than threads only when the split dimension is long enough for that
 * packing to stay small next to the arithmetic (about 2·dim/tasks flops per packed element).
 */
function tasksAlong(dim: number, unit: number, nt: number): number {
  return Math.min(Math.ceil(dim / unit), Math.max(nt, Math.min(2 * nt, Math.floor(dim / 256))));
}

/** Elements of an operand that the batch touches (one matrix when the stride is 0). */
function extent(batch: number, stride: number, size: number): number {
  return stride === 0 ? size : (batch - 1) * stride + size;
}

/**
 * C[b,i,j] (+)= Σ_k A[b,i,k] · B[b,k,j]: float32 in wasm; tiny products in the definition's loop;
 * float64 data, an engine without wasm SIMD, or a product too large for the kernel module's memory
 * in the blocked TypeScript GEMM of the "js" backend.
 */
export function fastMatmul(a: TypedArray, b: TypedArray, c: TypedArray, p: MatmulArgs): void {
  if (p.m * p.n * p.k < MIN_WASM_WORK || p.batch === 0) return matmulReference(a, b, c, p);
  const ctx = a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array ? fastContext() : null;
  if (!ctx) return matmulJs(a, b, c, p);
  try {
    wasmMatmul(ctx, a as Float32Array, b as Float32Array, c as Float32Array, p);
  } catch (err) {
    if (!(err instanceof ArenaFull)) throw err;
    matmulJs(a, b, c, p);
  }
}

function wasmMatmul(ctx: FastContext, a: Float32Array, b: Float32Array, c: Float32Array, p: MatmulArgs): void {
  const { batch, m, n, k, transA, transB, strideA, strideB, accumulate } = p;
  const { arena, pool } = ctx;
  arena.reset();
  const pa = residentOffset(a) ?? arena.input(a.subarray(0, extent(batch, strideA, m * k)));
  const pb = residentOffset(b) ?? arena.input(b.subarray(0, extent(batch, strideB, k * n)));
  const pc = arena.output(c.subarray(0, batch * m * n), accumulate);
  const lda = transA ? m : k;
  const ldb = transB ? k : n;
  const nt = threadsFor(ctx, 2 * batch * m * n * k);
  const scratchBytes = Math.ceil(ctx.rt.exports.gemmScratchBytes() / 64) * 64;
  const scratch = arena.alloc(scratchBytes * pool.size);
  const tasks: Task[] = [];
  const task = (count: number, a0: number, b0: number, c0: number, mm: number, nn: number): void => {
    tasks.push({
      name: "gemmBatch",
      args: [count, strideA, strideB, m * n, transA ? 1 : 0, transB ? 1 : 0, mm, nn, k, a0, lda, b0, ldb, c0, n, accumulate ? 1 : 0, scratch],
    });
  };
  if (batch >= 2 * nt) {
    // tasks take whole matrices: C[b] for b in their range
    for (const [lo, hi] of splitRange(batch, chunkCount(batch, nt))) task(hi - lo, pa + lo * strideA * 4, pb + lo * strideB * 4, pc + lo * m * n * 4, m, n);
  } else if (m >= n) {
    // tasks take rows i of every C[b]: A rows (A columns when transposed) and C rows move
    for (const [lo, hi] of splitRange(m, tasksAlong(m, MR, nt), MR)) task(batch, pa + (transA ? lo : lo * lda) * 4, pb, pc + lo * n * 4, hi - lo, n);
  } else {
    // tasks take columns j of every C[b]: B columns (B rows when transposed) and C columns move
    for (const [lo, hi] of splitRange(n, tasksAlong(n, NR, nt), NR)) task(batch, pa, pb + (transB ? lo * ldb : lo) * 4, pc + lo * 4, m, hi - lo);
  }
  pool.run(tasks, nt, scratchBytes);
  arena.finish();
}
