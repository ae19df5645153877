/**
 * Fast elementwise and last-axis kernels: float32 arrays run in WebAssembly SIMD (asm/pointwise.ts,
 * asm/rows.ts); float64, small JavaScript arrays, and anything the wasm memory cannot take run the
 * definitions (src/backend/elementwise-reference.ts). An operand that lives in wasm memory (an
 * intermediate gradient) is used in place; any other is copied in (and an output copied back), so
 * below a size that depends on how much work an element takes the copies cost more than the SIMD
 * saves (thresholds measured by scripts/bench-elementwise.mjs). +, −, ×, ÷, √, neg, abs and square give the
 * definitions' float32 results bit for bit; exp, ln, tanh and σ come from polynomials (asm/mathf.ts)
 * within a few units in the last place; sums are added in four lanes, so they round differently.
 * NaN and ±∞ propagate as in the definitions, with one exception inherent to float32 arithmetic:
 * where the definition's float64 intermediate stays finite but the float32 one overflows (a
 * gradient over a subnormal x) or underflows, and meets an infinite value, the result may differ
 * (e.g. −∞ + g/x with g/x past 3.4e38: the definition −∞, the kernel NaN). Underflowing e^d times an
 * infinite gradient is handled as the definition (asm/rows.ts, mulExp); a finite gradient near the
 * float32 limit times a subnormal e^d keeps only the bits the subnormal has.
 */
import type { TypedArray } from "../../dtype.js";
import type { BinaryArgs, BinaryKernelOp, Kernels, UnaryKernelOp } from "../kernels.js";
import {
  binaryBackwardReference,
  binaryForwardReference,
  layoutLength,
  expandLastReference,
  extremeLastReference,
  logSumExpLastBackwardReference,
  logSumExpLastReference,
  softmaxLastBackwardReference,
  softmaxLastReference,
  sumLastReference,
  unaryBackwardReference,
  unaryForwardReference,
} from "../elementwise-reference.js";
import { ArenaFull } from "./arena.js";
import { fastContext, type FastContext } from "./context.js";

/** The op codes of asm/pointwise.ts. */
const UNARY_CODE: Record<UnaryKernelOp, number> = { neg: 0, exp: 1, log: 2, sqrt: 3, square: 4, abs: 5, tanh: 6, sigmoid: 7 };
const BINARY_CODE: Record<BinaryKernelOp, number> = { add: 0, sub: 1, mul: 2, div: 3 };

/** Ops whose f is a polynomial in wasm and a Math call in JavaScript (~10× more work per element than +). */
const TRANSCENDENTAL = new Set<UnaryKernelOp>(["exp", "log", "tanh", "sigmoid"]);

/**
 * When a call runs in wasm, by elements of work: with some operand to copy in or out, from
 * `copiedCheap` for cheap arithmetic (+, ×, neg, sums, f' from y) and `copiedTranscendental` for
 * exp-like work; with every operand already in wasm memory, from `inPlaceCheap` and
 * `inPlaceTranscendental`. Measured crossovers (scripts/bench-elementwise.mjs --force, one thread,
 * load ~5): copying, + and e^x's backward pay from ~1,000 elements and exp, tanh, σ, ln from ~200;
 * in place, + pays from ~200 and tanh, σ from 64 or fewer.
 */
export const elementwiseThresholds = { copiedCheap: 1024, copiedTranscendental: 256, inPlaceCheap: 256, inPlaceTranscendental: 64 };

type Operand = TypedArray | Int32Array;

function allF32(arrays: readonly Operand[]): arrays is Float32Array[] {
  return arrays.every((a) => a instanceof Float32Array);
}

/** The context when the kernel should run in wasm for `n` elements of work on these arrays, else null. */
function wasmFor(arrays: readonly Operand[], n: number, transcendental: boolean): FastContext | null {
  const t = elementwiseThresholds;
  if (n < (transcendental ? t.inPlaceTranscendental : t.inPlaceCheap)) return null;
  const ctx = fastContext();
  if (!ctx) return null;
  if (n >= (transcendental ? t.copiedTranscendental : t.copiedCheap)) return ctx;
  return arrays.every((a) => ctx.heap.owns(a)) ? ctx : null;
}

/** How many kernel calls have run in wasm (tests check that the kernel, not the fallback, ran). */
export const wasmCalls = { count: 0 };

/**
 * Run `call` with the byte offsets of `inputs` then `outputs` (each output read first when its flag
 * says so); false when the wasm memory cannot take them.
 */
function inWasm(ctx: FastContext, inputs: readonly Float32Array[], outputs: ReadonlyArray<[Float32Array | Int32Array, boolean]>, call: (ptrs: number[]) => void): boolean {
  const { arena } = ctx;
  const ran = arena.run(() => {
    const ptrs = inputs.map((a) => arena.input(a));
    for (const [a, readsOld] of outputs) ptrs.push(arena.output(a, readsOld));
    call(ptrs);
  });
  if (ran) wasmCalls.count++;
  return ran;
}

/** `unaryForward` in wasm SIMD for float32 (the definition otherwise). */
export function fastUnaryForward(op: UnaryKernelOp, x: TypedArray, y: TypedArray): void {
  const n = x.length;
  const ctx = allF32([x, y]) ? wasmFor([x, y], n, TRANSCENDENTAL.has(op)) : null;
  // y[i] = f(x[i])
  if (ctx && inWasm(ctx, [x as Float32Array], [[y.subarray(0, n) as Float32Array, false]], ([px, py]) => ctx.rt.exports.unaryForward(UNARY_CODE[op], px!, py!, n))) return;
  unaryForwardReference(op, x, y);
}

/** `unaryBackward` in wasm SIMD for float32 (the definition otherwise). */
export function fastUnaryBackward(op: UnaryKernelOp, x: TypedArray, y: TypedArray, gy: TypedArray, gx: TypedArray, accumulate = true): void {
  const n = x.length;
  const ctx = allF32([x, y, gy, gx]) ? wasmFor([x, y, gy, gx], n, op === "tanh" || op === "sigmoid" || op === "log" || op === "sqrt") : null;
  // x.grad[i] (+)= y.grad[i] · f'(x[i])   (overwriting needs no copy of gx into wasm)
  const out = gx.subarray(0, n) as Float32Array;
  if (ctx && inWasm(ctx, [x, y, gy] as Float32Array[], [[out, accumulate]], ([px, py, pg, pgx]) => ctx.rt.exports.unaryBackward(UNARY_CODE[op], px!, py!, pg!, pgx!, n, accumulate ? 1 : 0))) return;
  unaryBackwardReference(op, x, y, gy, gx, accumulate);
}

/** `binaryForward` in wasm SIMD for float32 (the definition otherwise). */
export function fastBinaryForward(op: BinaryKernelOp, a: TypedArray, b: TypedArray, out: TypedArray, p: BinaryArgs): void {
  const n = p.rows * p.cols;
  const ctx = allF32([a, b, out]) ? wasmFor([a, b, out], n, op === "div") : null;
  // out[r, c] = a[r·aRow + c·aCol] ⊙ b[r·bRow + c·bCol]
  if (
    ctx &&
    inWasm(ctx, [a, b] as Float32Array[], [[out.subarray(0, n) as Float32Array, false]], ([pa, pb, py]) =>
      ctx.rt.exports.binaryForward(BINARY_CODE[op], pa!, p.a.rowStride, p.a.colStep, pb!, p.b.rowStride, p.b.colStep, py!, p.rows, p.cols),
    )
  )
    return;
  binaryForwardReference(op, a, b, out, p);
}

/** `binaryBackward` in wasm SIMD for float32 (the definition otherwise). */
export function fastBinaryBackward(op: BinaryKernelOp, side: 0 | 1, g: TypedArray, a: TypedArray, b: TypedArray, out: TypedArray, gx: TypedArray, p: BinaryArgs, accumulate = true): void {
  const n = p.rows * p.cols;
  const l = side === 0 ? p.a : p.b;
  const ctx = allF32([g, a, b, out, gx]) ? wasmFor([g, a, b, out, gx], n, op === "div") : null;
  if (ctx) {
    const { arena } = ctx;
    try {
      // x.grad (+)= Σ over the positions that read each element of x of its contribution
      arena.reset();
      const [pg, pa, pb, py] = [g, a, b, out].map((v) => arena.input(v as Float32Array));
      const pt = arena.output(gx.subarray(0, layoutLength(l, p.rows, p.cols)) as Float32Array, accumulate);
      const red = arena.alloc(Math.max(p.rows, p.cols) * 4);
      ctx.rt.exports.binaryBackward(BINARY_CODE[op], side, pg!, pa!, p.a.rowStride, p.a.colStep, pb!, p.b.rowStride, p.b.colStep, py!, pt, l.rowStride, l.colStep, p.rows, p.cols, accumulate ? 1 : 0, red);
      arena.finish();
      wasmCalls.count++;
      return;
    } catch (err) {
      if (!(err instanceof ArenaFull)) throw err;
    }
  }
  binaryBackwardReference(op, side, g, a, b, out, gx, p, accumulate);
}

/** `sumLast` in wasm SIMD for float32 (the definition otherwise). */
export function fastSumLast(x: TypedArray, y: TypedArray, rows: number, cols: number): void {
  const ctx = allF32([x, y]) ? wasmFor([x, y], rows * cols, false) : null;
  // y[r] = Σ_c x[r, c]
  if (ctx && inWasm(ctx, [x.subarray(0, rows * cols) as Float32Array], [[y.subarray(0, rows) as Float32Array, false]], ([px, py]) => ctx.rt.exports.sumLast(px!, py!, rows, cols))) return;
  sumLastReference(x, y, rows, cols);
}

/** `expandLast` in wasm SIMD for float32 (the definition otherwise). */
export function fastExpandLast(gy: TypedArray, gx: TypedArray, rows: number, cols: number, accumulate = true): void {
  const ctx = allF32([gy, gx]) ? wasmFor([gy, gx], rows * cols, false) : null;
  // x.grad[r, c] (+)= y.grad[r]
  if (ctx && inWasm(ctx, [gy.subarray(0, rows) as Float32Array], [[gx.subarray(0, rows * cols) as Float32Array, accumulate]], ([pg, pgx]) => ctx.rt.exports.expandLast(pg!, pgx!, rows, cols, accumulate ? 1 : 0))) return;
  expandLastReference(gy, gx, rows, cols, accumulate);
}

/** `extremeLast` in wasm SIMD for float32 (the definition otherwise). */
export function fastExtremeLast(which: "max" | "min", x: TypedArray, y: TypedArray, arg: Int32Array, rows: number, cols: number): void {
  const ctx = allF32([x, y]) && cols >= 1 ? wasmFor([x, y, arg], rows * cols, false) : null;
  // y[r] = max_c x[r, c], arg[r] = its first c (a NaN wins)
  if (
    ctx &&
    inWasm(ctx, [x.subarray(0, rows * cols) as Float32Array], [[y.subarray(0, rows) as Float32Array, false], [arg.subarray(0, rows), false]], ([px, py, pa]) =>
      ctx.rt.exports.extremeLast(px!, py!, pa!, rows, cols, which === "min" ? 1 : 0),
    )
  )
    return;
  extremeLastReference(which, x, y, arg, rows, cols);
}

/** `logSumExpLast` in wasm SIMD for float32 (the definition otherwise). */
export function fastLogSumExpLast(x: TypedArray, y: TypedArray, rows: number, cols: number): void {
  const ctx = allF32([x, y]) ? wasmFor([x, y], rows * cols, true) : null;
  // y[r] = m + ln Σ_c e^{x[r, c] − m}
  if (ctx && inWasm(ctx, [x.subarray(0, rows * cols) as Float32Array], [[y.subarray(0, rows) as Float32Array, false]], ([px, py]) => ctx.rt.exports.logSumExpLast(px!, py!, rows, cols))) return;
  logSumExpLastReference(x, y, rows, cols);
}

/** `logSumExpLastBackward` in wasm SIMD for float32 (the definition otherwise). */
export function fastLogSumExpLastBackward(x: TypedArray, y: TypedArray, gy: TypedArray, gx: TypedArray, rows: number, cols: number, accumulate = true): void {
  const n = rows * cols;
  const ctx = allF32([x, y, gy, gx]) ? wasmFor([x, y, gy, gx], n, true) : null;
  // x.grad[r, c] (+)= y.grad[r] · e^{x[r, c] − y[r]}
  if (
    ctx &&
    inWasm(ctx, [x.subarray(0, n), y.subarray(0, rows), gy.subarray(0, rows)] as Float32Array[], [[gx.subarray(0, n) as Float32Array, accumulate]], ([px, py, pg, pgx]) =>
      ctx.rt.exports.logSumExpLastBackward(px!, py!, pg!, pgx!, rows, cols, accumulate ? 1 : 0),
    )
  )
    return;
  logSumExpLastBackwardReference(x, y, gy, gx, rows, cols, accumulate);
}

/** `softmaxLast` in wasm SIMD for float32 (the definition otherwise). */
export function fastSoftmaxLast(x: TypedArray, y: TypedArray, rows: number, cols: number, log: boolean): void {
  const n = rows * cols;
  const ctx = allF32([x, y]) ? wasmFor([x, y], n, true) : null;
  // y[r, c] = x[r, c] − lse[r]   (softmax: e^ of that)
  if (ctx && inWasm(ctx, [x.subarray(0, n) as Float32Array], [[y.subarray(0, n) as Float32Array, false]], ([px, py]) => ctx.rt.exports.softmaxLast(px!, py!, rows, cols, log ? 1 : 0))) return;
  softmaxLastReference(x, y, rows, cols, log);
}

/** `softmaxLastBackward` in wasm SIMD for float32 (the definition otherwise). */
export function fastSoftmaxLastBackward(y: TypedArray, gy: TypedArray, gx: TypedArray, rows: number, cols: number, log: boolean, accumulate = true): void {
  const n = rows * cols;
  const ctx = allF32([y, gy, gx]) ? wasmFor([y, gy, gx], n, log) : null;
  // softmax: x.grad (+)= y·(y.grad − Σ y.grad·y);  logSoftmax: x.grad (+)= y.grad − e^y · Σ y.grad
  if (
    ctx &&
    inWasm(ctx, [y.subarray(0, n), gy.subarray(0, n)] as Float32Array[], [[gx.subarray(0, n) as Float32Array, accumulate]], ([py, pg, pgx]) =>
      ctx.rt.exports.softmaxLastBackward(py!, pg!, pgx!, rows, cols, log ? 1 : 0, accumulate ? 1 : 0),
    )
  )
    return;
  softmaxLastBackwardReference(y, gy, gx, rows, cols, log, accumulate);
}

/** The fast overrides of the elementwise and last-axis kernels. */
export const fastElementwiseKernels: Partial<Kernels> = {
  unaryForward: fastUnaryForward,
  unaryBackward: fastUnaryBackward,
  binaryForward: fastBinaryForward,
  binaryBackward: fastBinaryBackward,
  sumLast: fastSumLast,
  expandLast: fastExpandLast,
  extremeLast: fastExtremeLast,
  logSumExpLast: fastLogSumExpLast,
  logSumExpLastBackward: fastLogSumExpLastBackward,
  softmaxLast: fastSoftmaxLast,
  softmaxLastBackward: fastSoftmaxLastBackward,
};
