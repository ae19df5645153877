/** The fast matmul: batched float32 GEMM in WebAssembly, split across threads by batch, rows or columns. */
import type { TypedArray } from "../../dtype.js";
import type { MatmulArgs, PackedMatrix } from "../kernels.js";
import { matmulJs } from "../im2col.js";
import { matmulReference } from "../reference.js";
import { ArenaFull } from "./arena.js";
import { WasmMemoryFull } from "./heap.js";
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

/** The fast backend's packed operand: gemmPackB's panels (asm/gemm.ts) in a heap block at `offset`. */
interface FastPackedMatrix extends PackedMatrix {
  readonly offset: number;
  freed: boolean;
}

/**
 * op(B) (k×n) packed once into the GEMM's panel layout, in a block of the WebAssembly heap, for
 * `fastMatmulPacked`; null for float64 data, without the wasm kernels, or when the heap is full
 * (callers then use `matmul`). `b` must not change while the handle lives (it is the fallback's operand).
 */
export function fastPackMatmulB(b: TypedArray, transB: boolean, k: number, n: number): PackedMatrix | null {
  if (b.length < k * n) throw new RangeError(`packMatmulB: B holds ${b.length} elements, fewer than k·n = ${k}·${n}`);
  const ctx = b instanceof Float32Array && k > 0 && n > 0 ? fastContext() : null;
  if (!ctx) return null;
  const ex = ctx.rt.exports;
  let offset: number;
  try {
    offset = ctx.heap.alloc(ex.gemmPackedBFloats(n, k) * 4);
  } catch (err) {
    if (err instanceof WasmMemoryFull) return null;
    throw err;
  }
  try {
    ctx.arena.reset();
    const pb = residentOffset(b) ?? ctx.arena.input((b as Float32Array).subarray(0, k * n));
    ex.gemmPackB(transB ? 1 : 0, n, k, pb, transB ? k : n, offset);
  } catch (err) {
    ctx.heap.free(offset);
    if (err instanceof ArenaFull) return null;
    throw err;
  }
  const packed: FastPackedMatrix = { k, n, transB, source: b, offset, freed: false };
  return packed;
}

/** Give back the heap block of a handle from `fastPackMatmulB` (a second free is an error). */
export function fastFreePackedB(b: PackedMatrix): void {
  const p = b as FastPackedMatrix;
  if (p.freed) throw new Error("freePackedB: this packed matrix was already freed");
  p.freed = true;
  fastContext()!.heap.free(p.offset);
}

/**
 * C[i,j] (+)= Σ_p op(A)[i,p] · op(B)[p,j] for i < m, j < b.n, with op(B) packed by `fastPackMatmulB`:
 * the same split across threads as `fastMatmul` (rows of C when m ≥ n, else columns), but no task
 * packs B. Data that is not float32 goes to the blocked TypeScript GEMM on `b.source`.
 */
export function fastMatmulPacked(a: TypedArray, b: PackedMatrix, c: TypedArray, m: number, transA: boolean, accumulate: boolean): void {
  const p = b as FastPackedMatrix;
  if (p.freed) throw new Error("matmulPacked: the packed matrix was freed");
  const args: MatmulArgs = { batch: 1, m, n: p.n, k: p.k, transA, transB: p.transB, strideA: 0, strideB: 0, accumulate };
  const ctx = a instanceof Float32Array && c instanceof Float32Array ? fastContext() : null;
  if (!ctx || m <= 0) return matmulJs(a, p.source, c, args);
  try {
    wasmMatmulPacked(ctx, a as Float32Array, p, c as Float32Array, m, transA, accumulate);
  } catch (err) {
    if (!(err instanceof ArenaFull)) throw err;
    matmulJs(a, p.source, c, args);
  }
}

function wasmMatmulPacked(ctx: FastContext, a: Float32Array, b: FastPackedMatrix, c: Float32Array, m: number, transA: boolean, accumulate: boolean): void {
  const { n, k, offset } = b;
  const { arena, pool } = ctx;
  arena.reset();
  const pa = residentOffset(a) ?? arena.input(a.subarray(0, m * k));
  const pc = arena.output(c.subarray(0, m * n), accumulate);
  const lda = transA ? m : k;
  // nn.RNN's per-step products (64×256·256×1024 and 64×1024·1024×256) measured faster on two threads
  // than on one (about 0.65 against 1.15 ms each on the 2-core machine), so the usual threshold stands
  const nt = threadsFor(ctx, 2 * m * n * k);
  const scratchBytes = Math.ceil(ctx.rt.exports.gemmPackedScratchBytes() / 64) * 64;
  const scratch = arena.alloc(scratchBytes * pool.size);
  const acc = accumulate ? 1 : 0;
  const tasks: Task[] = [];
  if (m >= n) {
    // tasks take rows i of C: A rows (A columns when transposed) and C rows move; every task reads all of B
    for (const [lo, hi] of splitRange(m, tasksAlong(m, MR, nt), MR)) {
      tasks.push({ name: "gemmPacked", args: [transA ? 1 : 0, hi - lo, n, k, pa + (transA ? lo : lo * lda) * 4, lda, offset, 0, n, pc + lo * n * 4, n, acc, scratch] });
    }
  } else {
    // tasks take columns [lo, hi) of C (whole NR strips of the packed B); each packs all of A
    for (const [lo, hi] of splitRange(n, tasksAlong(n, NR, nt), NR)) {
      tasks.push({ name: "gemmPacked", args: [transA ? 1 : 0, m, n, k, pa, lda, offset, lo, hi, pc, n, acc, scratch] });
    }
  }
  pool.run(tasks, nt, scratchBytes);
  arena.finish();
}
