/**
 * The fast convolution kernels: im2col + GEMM (or Winograd F(2×2, 3×3), see winograd.ts) in
 * WebAssembly. Threads take images when the batch is large enough, else channels, so no two threads
 * write the same element and the result does not depend on the thread count. The bias is added
 * inside the forward kernel, and its gradient is reduced beside the weight gradient from the same
 * copy of y.grad. The ReLU epilogue (`fastConv2dReluForward`) applies max(·, 0) in that same pass
 * over the output rows, and its backward mask runs in one pass with the bias gradient
 * (`fastReluMaskBiasGrad`). float64 data and calls too large for the module's memory go to the
 * TypeScript "js" kernels; tiny problems to the definitions.
 */
import type { TypedArray } from "../../dtype.js";
import { conv2dBackwardInputJs, conv2dBackwardWeightJs, conv2dForwardJs } from "../im2col.js";
import type { Conv2dArgs } from "../kernels.js";
import { conv2dBackwardInputReference, conv2dBackwardWeightReference, conv2dForwardReference, reluInPlaceReference, reluMaskBiasGradReference } from "../reference.js";
import { ArenaFull, type Arena } from "./arena.js";
import { chunkCount, fastContext, splitRange, threadsFor, type FastContext } from "./context.js";
import type { Task } from "./pool.js";
import { useWinograd, WINOGRAD_RELU, winogradBackwardInputRun, winogradRun } from "./winograd.js";

const MIN_WASM_WORK = 4096;
const MR = 6;

function allF32(...xs: TypedArray[]): boolean {
  return xs.every((x) => x instanceof Float32Array);
}

/**
 * Run `inWasm` when the call suits the kernel module (float32, not tiny, memory to spare); else tiny
 * problems run the `reference` loops and everything else (float64 data, no wasm, calls too large
 * for the module's memory) the blocked TypeScript kernels `js`.
 */
function dispatch(p: Conv2dArgs, arrays: TypedArray[], inWasm: (ctx: FastContext) => void, reference: () => void, js: () => void): void {
  const work = p.batch * p.cout * p.ho * p.wo * p.cin * p.kh * p.kw;
  if (work < MIN_WASM_WORK) return reference();
  const ctx = allF32(...arrays) ? fastContext() : null;
  if (!ctx) return js();
  try {
    inWasm(ctx);
  } catch (err) {
    if (!(err instanceof ArenaFull)) throw err;
    js();
  }
}

/** Write the geometry block that the wasm conv entry points read (field order of asm/geometry.ts). */
function putGeometry(arena: Arena, p: Conv2dArgs): number {
  const at = arena.alloc(14 * 4);
  arena.i32.set(
    [p.batch, p.cin, p.h, p.w, p.cout, p.kh, p.kw, p.ho, p.wo, p.strideH, p.strideW, p.padH, p.padW, p.padMode === "circular" ? 1 : 0],
    at >> 2,
  );
  return at;
}

/** Scratch for every thread of the pool: [thread 0's pointer, bytes per thread]. */
function threadScratch(ctx: FastContext, geo: number): [number, number] {
  const stride = Math.ceil(ctx.rt.exports.convScratchBytes(geo) / 64) * 64;
  return [ctx.arena.alloc(stride * ctx.pool.size), stride];
}

function flops(p: Conv2dArgs): number {
  return 2 * p.batch * p.cout * p.ho * p.wo * p.cin * p.kh * p.kw;
}

/**
 * Winograd mixes a tile's inputs before multiplying, so one ±Inf or NaN spreads NaN over its whole
 * tile where the definition gives ±Inf; calls with a non-finite operand take im2col + GEMM, which
 * follows the definition. The check runs in wasm on the operands where the kernels read them (a
 * SIMD pass over the exponent bits, asm/finite.ts: src/finite.ts's `firstNonFinite`), small beside
 * the conv.
 */
function finiteInWasm(ctx: FastContext, at: number, n: number): boolean {
  return ctx.rt.exports.firstNonFinite(at, n) < 0;
}

/** y[b,c,i,j] = Σ_{c',di,dj} W[c,c',di,dj] · x[b,c',s·i+di−p, s·j+dj−p] + bias[c] */
export function fastConv2dForward(x: TypedArray, w: TypedArray, y: TypedArray, p: Conv2dArgs, bias?: TypedArray | null): void {
  forward(x, w, y, p, bias ?? null, false);
}

/** y[b,c,i,j] = max(Σ_{c',di,dj} W[c,c',di,dj] · x[b,c',s·i+di−p, s·j+dj−p] + bias[c], 0): the ReLU inside the kernels' epilogue. */
export function fastConv2dReluForward(x: TypedArray, w: TypedArray, y: TypedArray, p: Conv2dArgs, bias?: TypedArray | null): void {
  forward(x, w, y, p, bias ?? null, true);
}

function forward(x: TypedArray, w: TypedArray, y: TypedArray, p: Conv2dArgs, bias: TypedArray | null, relu: boolean): void {
  const n = p.batch * p.cout * p.ho * p.wo;
  dispatch(
    p,
    bias ? [x, w, y, bias] : [x, w, y],
    (ctx) => forwardInWasm(ctx, x as Float32Array, w as Float32Array, y as Float32Array, p, bias as Float32Array | null, relu),
    () => {
      conv2dForwardReference(x, w, y, p, bias);
      if (relu) reluInPlaceReference(y, n);
    },
    () => {
      conv2dForwardJs(x, w, y, p, bias);
      if (relu) reluInPlaceReference(y, n);
    },
  );
}

function forwardInWasm(ctx: FastContext, x: Float32Array, w: Float32Array, y: Float32Array, p: Conv2dArgs, bias: Float32Array | null, relu: boolean): void {
  const { arena, pool } = ctx;
  arena.reset();
  const nx = p.batch * p.cin * p.h * p.w;
  const nw = p.cout * p.cin * p.kh * p.kw;
  const px = arena.input(x.subarray(0, nx));
  const pw = arena.input(w.subarray(0, nw));
  const pb = bias ? arena.input(bias.subarray(0, p.cout)) : 0; // 0: no bias (the heap never hands out offset 0)
  const py = arena.output(y.subarray(0, p.batch * p.cout * p.ho * p.wo));
  if (useWinograd(p, "forward") && finiteInWasm(ctx, px, nx) && finiteInWasm(ctx, pw, nw)) {
    winogradRun(ctx, p, px, pw, py, pb, false, relu ? WINOGRAD_RELU : 0);
    arena.finish();
    return;
  }
  const geo = putGeometry(arena, p);
  const nt = threadsFor(ctx, flops(p));
  const [scratch, stride] = threadScratch(ctx, geo);
  // tasks take images, or output channels when the batch is too small to share out
  const ranges = p.batch >= 2 * nt ? splitRange(p.batch, chunkCount(p.batch, nt, 4)).map(([lo, hi]) => [lo, hi, 0, p.cout]) : splitRange(p.cout, chunkCount(Math.ceil(p.cout / MR), nt), MR).map(([lo, hi]) => [0, p.batch, lo, hi]);
  const tasks = ranges.map(([b0, b1, c0, c1]): Task => {
    const args = [px, pw, py, pb, geo, b0!, b1!, c0!, c1!, scratch];
    return { name: relu ? "convForwardRelu" : "convForward", args };
  });
  pool.run(tasks, nt, stride);
  arena.finish();
}

/** x.grad[b,c',s·i+di−p, s·j+dj−p] += y.grad[b,c,i,j] · W[c,c',di,dj] */
export function fastConv2dBackwardInput(gy: TypedArray, w: TypedArray, gx: TypedArray, p: Conv2dArgs, accumulate = true): void {
  dispatch(
    p,
    [gy, w, gx],
    (ctx) => backwardInputInWasm(ctx, gy as Float32Array, w as Float32Array, gx as Float32Array, p, accumulate),
    () => conv2dBackwardInputReference(gy, w, gx, p, accumulate),
    () => conv2dBackwardInputJs(gy, w, gx, p, accumulate),
  );
}

function backwardInputInWasm(ctx: FastContext, gy: Float32Array, w: Float32Array, gx: Float32Array, p: Conv2dArgs, accumulate: boolean): void {
  const { arena, pool } = ctx;
  arena.reset();
  const ngy = p.batch * p.cout * p.ho * p.wo;
  const nw = p.cout * p.cin * p.kh * p.kw;
  const pgy = arena.input(gy.subarray(0, ngy));
  const pw = arena.input(w.subarray(0, nw));
  const gxView = gx.subarray(0, p.batch * p.cin * p.h * p.w);
  if (useWinograd(p, "backwardInput") && finiteInWasm(ctx, pgy, ngy) && finiteInWasm(ctx, pw, nw)) {
    const pgx = arena.output(gxView, accumulate);
    winogradBackwardInputRun(ctx, p, pgy, pw, pgx, accumulate);
    arena.finish();
    return;
  }
  const geo = putGeometry(arena, p);
  // the kernel adds into gx: copy the old gradient in, or start from zeros without reading gx
  const pgx = arena.output(gxView, accumulate);
  if (!accumulate) arena.f32.fill(0, pgx >> 2, (pgx >> 2) + gxView.length);
  const nt = threadsFor(ctx, flops(p));
  const [scratch, stride] = threadScratch(ctx, geo);
  // tasks take images, or input channels when the batch is too small to share out
  const ranges = p.batch >= 2 * nt ? splitRange(p.batch, chunkCount(p.batch, nt, 4)).map(([lo, hi]) => [lo, hi, 0, p.cin]) : splitRange(p.cin, chunkCount(p.cin, nt)).map(([lo, hi]) => [0, p.batch, lo, hi]);
  pool.run(ranges.map(([b0, b1, q0, q1]) => ({ name: "convBackwardInput", args: [pgy, pw, pgx, geo, b0!, b1!, q0!, q1!, scratch] })), nt, stride);
  arena.finish();
}

/** W.grad[c,c',di,dj] += y.grad[b,c,i,j] · x[b,c',s·i+di−p, s·j+dj−p], and bias.grad[c] += Σ_{b,i,j} y.grad[b,c,i,j] when gb is given */
export function fastConv2dBackwardWeight(gy: TypedArray, x: TypedArray, gw: TypedArray, p: Conv2dArgs, gb?: TypedArray | null): void {
  dispatch(
    p,
    gb ? [gy, x, gw, gb] : [gy, x, gw],
    (ctx) => backwardWeightInWasm(ctx, gy as Float32Array, x as Float32Array, gw as Float32Array, p, (gb ?? null) as Float32Array | null),
    () => conv2dBackwardWeightReference(gy, x, gw, p, gb),
    () => conv2dBackwardWeightJs(gy, x, gw, p, gb),
  );
}

function backwardWeightInWasm(ctx: FastContext, gy: Float32Array, x: Float32Array, gw: Float32Array, p: Conv2dArgs, gb: Float32Array | null): void {
  const { arena, pool } = ctx;
  arena.reset();
  const K = p.cin * p.kh * p.kw;
  const geo = putGeometry(arena, p);
  const pgy = arena.input(gy);
  const px = arena.input(x);
  const pgw = arena.output(gw.subarray(0, p.cout * K), true);
  const nt = threadsFor(ctx, flops(p));
  // threads take input channels (each unfolds only its own), or output channels when inputs are few
  const [scratch, stride] = threadScratch(ctx, geo);
  const ranges = p.cin >= nt ? splitRange(p.cin, chunkCount(p.cin, nt)).map(([lo, hi]) => [0, p.cout, lo, hi]) : splitRange(p.cout, chunkCount(Math.ceil(p.cout / MR), nt), MR).map(([lo, hi]) => [lo, hi, 0, p.cin]);
  const tasks: Task[] = ranges.map(([c0, c1, q0, q1]) => ({ name: "convBackwardWeight", args: [pgy, px, pgw, geo, c0!, c1!, q0!, q1!, scratch] }));
  const gbView = gb ? gb.subarray(0, p.cout) : null;
  const pgb = gbView ? arena.output(gbView, true) : 0;
  if (gbView) {
    // bias.grad[c] += Σ_{b,i,j} y.grad[b,c,i,j], one task per range of channels beside the weight tasks
    for (const [c0, c1] of splitRange(p.cout, Math.min(nt, p.cout))) {
      tasks.push({ name: "biasGrad", args: [pgy, pgb, p.batch, p.cout, p.ho * p.wo, c0, c1, scratch] });
    }
  }
  pool.run(tasks, nt, stride);
  arena.finish();
}

/**
 * The ReLU epilogue's backward: gm[b,c,i,j] = y.grad[b,c,i,j] · 1[y[b,c,i,j] > 0], and bias.grad[c] +=
 * Σ_{b,i,j} gm[b,c,i,j] in the same pass (gm may be gy itself). In wasm for float32 (threads take
 * ranges of channels), else the definition.
 */
export function fastReluMaskBiasGrad(y: TypedArray, gy: TypedArray, gm: TypedArray, p: Conv2dArgs, gb?: TypedArray | null): void {
  const n = p.batch * p.cout * p.ho * p.wo;
  const ctx = n >= MIN_WASM_WORK && allF32(y, gy, gm, ...(gb ? [gb] : [])) ? fastContext() : null;
  if (ctx) {
    try {
      const { arena, pool } = ctx;
      arena.reset();
      const py = arena.input((y as Float32Array).subarray(0, n));
      // gm over gy when they are one array: one region, read and then written by the kernel
      const pgy = gm === gy ? arena.output((gy as Float32Array).subarray(0, n), true) : arena.input((gy as Float32Array).subarray(0, n));
      const pgm = gm === gy ? pgy : arena.output((gm as Float32Array).subarray(0, n));
      const pgb = gb ? arena.output((gb as Float32Array).subarray(0, p.cout), true) : 0;
      const nt = threadsFor(ctx, 4 * n);
      const tasks = splitRange(p.cout, Math.min(nt, p.cout)).map(([c0, c1]) =>
        ({ name: "reluMaskBiasGrad" as const, args: [py, pgy, pgm, pgb, p.batch, p.cout, p.ho * p.wo, c0, c1, 0] }),
      );
      pool.run(tasks, nt, 0);
      arena.finish();
      return;
    } catch (err) {
      if (!(err instanceof ArenaFull)) throw err;
    }
  }
  reluMaskBiasGradReference(y, gy, gm, p, gb);
}
