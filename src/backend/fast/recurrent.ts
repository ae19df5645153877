/**
 * The fused recurrent gate kernels (asm/recurrent.ts) on float32 data: arrays that live in
 * WebAssembly memory are used in place (nn.RNN's sequence buffers do), any other is copied into the
 * kernel module's memory and its outputs copied back; one SIMD pass runs over the gates.
 * float64 data, an engine without wasm SIMD, or arrays over the memory limit run the definitions
 * (src/backend/recurrent-reference.ts). exp, σ and tanh are computed by a polynomial (see exp4 in
 * asm/recurrent.ts): results agree with the definitions to ~1e-7 absolute, not bit for bit.
 */
import type { TypedArray } from "../../dtype.js";
import type { GateBackwardArgs, GateForwardArgs, GatedCell } from "../kernels.js";
import { addColumnSumsReference, checkColumnSums, checkGateArrays, gatesBackwardReference, gatesForwardReference, GATE_BLOCKS } from "../recurrent-reference.js";
import type { Arena } from "./arena.js";
import { fastContext, splitRange, threadsFor, type FastContext } from "./context.js";
import type { Task } from "./pool.js";
import type { TaskName } from "./wasm.js";

function allF32(arrays: Array<TypedArray | null>): boolean {
  return arrays.every((a) => a === null || a instanceof Float32Array);
}

/** `a`'s first n values for the kernel to read (in place, or copied in), or 0 (the kernels' "absent") for null. */
function putOrNull(arena: Arena, a: TypedArray | null, n: number): number {
  return a === null ? 0 : arena.input((a as Float32Array).subarray(0, n));
}

/** Where the kernel writes `a`'s first n values (in place, or copied back by `finish`). */
function out(arena: Arena, a: TypedArray, n: number): number {
  return arena.output((a as Float32Array).subarray(0, n));
}

/**
 * What one hidden unit's gates count as, in GEMM flops, for the thread count (threadsFor): a
 * step's gates go to the pool from about 16K units (B·H; nn.RNN's benchmark step, 64 × 256, splits).
 * The backward's arithmetic is cheaper than the forward's exponentials, but it splits at the same
 * size: between a step's two GEMMs the split keeps the workers awake (measured on lstm-seq, 2
 * threads, a loaded machine: median 217–222 ms with both split, 227–365 ms with the forward only,
 * 258–324 ms with neither).
 */
const FLOPS_PER_UNIT = 256;

/** A gate kernel argument: a byte offset (0: absent) into an array of `width` floats per batch row, or a plain number. */
type GateArg = { at: number; width: number } | number;

/** An array argument at byte offset `at` with `width` floats per batch row. */
function row(at: number, width: number): GateArg {
  return { at, width };
}

/**
 * Run a gate kernel (rows b independent) over rows [0, B), split by rows across the pool's
 * threads: a task for rows [b0, b1) gets every array offset by b0 rows and the row count b1 − b0
 * (an absent array, offset 0, stays 0). `args` ends with the kernel's (B, H).
 */
function runGateKernel(ctx: FastContext, name: TaskName, args: GateArg[], B: number, H: number): void {
  const nt = threadsFor(ctx, B * H * FLOPS_PER_UNIT);
  const tasks: Task[] = splitRange(B, nt).map(([b0, b1]) => ({
    name,
    args: [...args.map((a) => (typeof a === "number" ? a : a.at === 0 ? 0 : a.at + b0 * a.width * 4)), b1 - b0, H],
  }));
  // the kernels take no scratch: a stride of 0 leaves their last argument (H) as it is on every thread
  ctx.pool.run(tasks, nt, 0);
}

/** `gatesForward` in wasm SIMD for float32 (the definition otherwise). */
export function fastGatesForward(cell: GatedCell, p: GateForwardArgs): void {
  const { batch: B, hidden: H } = p;
  checkGateArrays("gatesForward", cell, B, H, { px: p.px, ph: p.ph, h: p.h, c: p.c, act: p.act, aux: p.aux, hOut: p.hOut, cOut: p.cOut });
  const ctx = allF32([p.px, p.ph, p.h, p.c, p.act, p.aux, p.hOut, p.cOut]) ? fastContext() : null;
  if (!ctx) return gatesForwardReference(cell, p);
  const { arena } = ctx;
  const G = GATE_BLOCKS[cell] * H;
  const wide = B * G;
  const n = B * H;
  const ran = arena.run(() => {
    const px = row(putOrNull(arena, p.px, wide), G);
    const ph = row(putOrNull(arena, p.ph, wide), G);
    const act = row(out(arena, p.act, wide), G);
    const hOut = row(out(arena, p.hOut, n), H);
    if (cell === "lstm") {
      const c = row(putOrNull(arena, p.c, n), H);
      const tc = row(out(arena, p.aux!, n), H);
      const cOut = row(out(arena, p.cOut!, n), H);
      runGateKernel(ctx, "lstmGatesForward", [px, ph, c, act, tc, hOut, cOut], B, H);
    } else {
      const h = row(putOrNull(arena, p.h, n), H);
      runGateKernel(ctx, cell === "gru" ? "gruGatesForward" : "ugrnnGatesForward", [px, ph, h, act, hOut], B, H);
    }
  });
  if (!ran) gatesForwardReference(cell, p);
}

/** `gatesBackward` in wasm SIMD for float32 (the definition otherwise). */
export function fastGatesBackward(cell: GatedCell, p: GateBackwardArgs): void {
  const { batch: B, hidden: H } = p;
  checkGateArrays("gatesBackward", cell, B, H, { gh: p.gh, gc: p.gc, act: p.act, aux: p.aux, h: p.h, c: p.c, ph: p.ph, dpx: p.dpx, dph: p.dph, ghDirect: p.ghDirect, gcPrev: p.gcPrev });
  const ctx = allF32([p.gh, p.gc, p.act, p.aux, p.h, p.c, p.ph, p.dpx, p.dph, p.ghDirect, p.gcPrev]) ? fastContext() : null;
  if (!ctx) return gatesBackwardReference(cell, p);
  const { arena } = ctx;
  const G = GATE_BLOCKS[cell] * H;
  const wide = B * G;
  const n = B * H;
  const ran = arena.run(() => {
    const gh = row(putOrNull(arena, p.gh, n), H);
    const act = row(putOrNull(arena, p.act, wide), G);
    const dpx = row(out(arena, p.dpx, wide), G);
    if (cell === "lstm") {
      const gc = row(putOrNull(arena, p.gc, n), H);
      const tc = row(putOrNull(arena, p.aux, n), H);
      const c = row(putOrNull(arena, p.c, n), H);
      const gcPrev = row(out(arena, p.gcPrev!, n), H);
      runGateKernel(ctx, "lstmGatesBackward", [gh, gc, act, tc, c, dpx, gcPrev], B, H);
    } else {
      const h = row(putOrNull(arena, p.h, n), H);
      const direct = row(out(arena, p.ghDirect!, n), H);
      if (cell === "gru") {
        const ph = row(putOrNull(arena, p.ph, wide), G);
        const dph = row(out(arena, p.dph!, wide), G);
        runGateKernel(ctx, "gruGatesBackward", [gh, act, h, ph, dpx, dph, direct], B, H);
      } else runGateKernel(ctx, "ugrnnGatesBackward", [gh, act, h, dpx, direct], B, H);
    }
  });
  if (!ran) gatesBackwardReference(cell, p);
}

/** Below this many elements of g, the column sums stay in JavaScript (a call costs more). */
const MIN_COLUMN_SUMS = 4096;

/** `addColumnSums` in wasm SIMD for float32 (the definition otherwise): out[q] += Σ_r g[r·cols + q]. */
export function fastAddColumnSums(g: TypedArray, rows: number, cols: number, out: TypedArray): void {
  checkColumnSums(g, rows, cols, out);
  const ctx = rows * cols >= MIN_COLUMN_SUMS && allF32([g, out]) ? fastContext() : null;
  if (!ctx) return addColumnSumsReference(g, rows, cols, out);
  const { arena, rt } = ctx;
  const ran = arena.run(() => {
    const pg = putOrNull(arena, g, rows * cols);
    const po = arena.output((out as Float32Array).subarray(0, cols), true);
    rt.exports.addColumnSums(pg, po, rows, cols);
  });
  if (!ran) addColumnSumsReference(g, rows, cols, out);
}
