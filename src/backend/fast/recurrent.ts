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
import { ArenaFull, type Arena } from "./arena.js";
import { fastContext } from "./context.js";

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

/** `gatesForward` in wasm SIMD for float32 (the definition otherwise). */
export function fastGatesForward(cell: GatedCell, p: GateForwardArgs): void {
  const { batch: B, hidden: H } = p;
  checkGateArrays("gatesForward", cell, B, H, { px: p.px, ph: p.ph, h: p.h, c: p.c, act: p.act, aux: p.aux, hOut: p.hOut, cOut: p.cOut });
  const ctx = allF32([p.px, p.ph, p.h, p.c, p.act, p.aux, p.hOut, p.cOut]) ? fastContext() : null;
  if (!ctx) return gatesForwardReference(cell, p);
  const { arena, rt } = ctx;
  const wide = B * GATE_BLOCKS[cell] * H;
  const n = B * H;
  try {
    arena.reset();
    const px = putOrNull(arena, p.px, wide);
    const ph = putOrNull(arena, p.ph, wide);
    const act = out(arena, p.act, wide);
    const hOut = out(arena, p.hOut, n);
    if (cell === "lstm") {
      const c = putOrNull(arena, p.c, n);
      const tc = out(arena, p.aux!, n);
      const cOut = out(arena, p.cOut!, n);
      rt.exports.lstmGatesForward(px, ph, c, act, tc, hOut, cOut, B, H);
    } else {
      const h = putOrNull(arena, p.h, n);
      (cell === "gru" ? rt.exports.gruGatesForward : rt.exports.ugrnnGatesForward)(px, ph, h, act, hOut, B, H);
    }
    arena.finish();
  } catch (err) {
    if (!(err instanceof ArenaFull)) throw err;
    gatesForwardReference(cell, p);
  }
}

/** `gatesBackward` in wasm SIMD for float32 (the definition otherwise). */
export function fastGatesBackward(cell: GatedCell, p: GateBackwardArgs): void {
  const { batch: B, hidden: H } = p;
  checkGateArrays("gatesBackward", cell, B, H, { gh: p.gh, gc: p.gc, act: p.act, aux: p.aux, h: p.h, c: p.c, ph: p.ph, dpx: p.dpx, dph: p.dph, ghDirect: p.ghDirect, gcPrev: p.gcPrev });
  const ctx = allF32([p.gh, p.gc, p.act, p.aux, p.h, p.c, p.ph, p.dpx, p.dph, p.ghDirect, p.gcPrev]) ? fastContext() : null;
  if (!ctx) return gatesBackwardReference(cell, p);
  const { arena, rt } = ctx;
  const wide = B * GATE_BLOCKS[cell] * H;
  const n = B * H;
  try {
    arena.reset();
    const gh = putOrNull(arena, p.gh, n);
    const act = putOrNull(arena, p.act, wide);
    const dpx = out(arena, p.dpx, wide);
    if (cell === "lstm") {
      const gc = putOrNull(arena, p.gc, n);
      const tc = putOrNull(arena, p.aux, n);
      const c = putOrNull(arena, p.c, n);
      const gcPrev = out(arena, p.gcPrev!, n);
      rt.exports.lstmGatesBackward(gh, gc, act, tc, c, dpx, gcPrev, B, H);
    } else {
      const h = putOrNull(arena, p.h, n);
      const direct = out(arena, p.ghDirect!, n);
      if (cell === "gru") {
        const ph = putOrNull(arena, p.ph, wide);
        const dph = out(arena, p.dph!, wide);
        rt.exports.gruGatesBackward(gh, act, h, ph, dpx, dph, direct, B, H);
      } else rt.exports.ugrnnGatesBackward(gh, act, h, dpx, direct, B, H);
    }
    arena.finish();
  } catch (err) {
    if (!(err instanceof ArenaFull)) throw err;
    gatesBackwardReference(cell, p);
  }
}

/** Below this many elements of g, the column sums stay in JavaScript (a call costs more). */
const MIN_COLUMN_SUMS = 4096;

/** `addColumnSums` in wasm SIMD for float32 (the definition otherwise): out[q] += Σ_r g[r·cols + q]. */
export function fastAddColumnSums(g: TypedArray, rows: number, cols: number, out: TypedArray): void {
  checkColumnSums(g, rows, cols, out);
  const ctx = rows * cols >= MIN_COLUMN_SUMS && allF32([g, out]) ? fastContext() : null;
  if (!ctx) return addColumnSumsReference(g, rows, cols, out);
  const { arena, rt } = ctx;
  try {
    arena.reset();
    const pg = putOrNull(arena, g, rows * cols);
    const po = arena.output((out as Float32Array).subarray(0, cols), true);
    rt.exports.addColumnSums(pg, po, rows, cols);
    arena.finish();
  } catch (err) {
    if (!(err instanceof ArenaFull)) throw err;
    addColumnSumsReference(g, rows, cols, out);
  }
}
