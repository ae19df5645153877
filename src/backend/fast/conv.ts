/**
 * The fast convolution kernels: im2col + GEMM in WebAssembly. Threads take images when the batch is
 * large enough, else channels, so no two threads write the same element and the result does not
 * depend on the thread count.
 */
import type { TypedArray } from "../../dtype.js";
import type { Conv2dArgs } from "../kernels.js";
import { conv2dBackwardInputReference, conv2dBackwardWeightReference, conv2dForwardReference } from "../reference.js";
import type { Arena } from "./arena.js";
import { fastContext, splitRange, threadsFor, type FastContext } from "./context.js";
import type { Task } from "./pool.js";

const MIN_WASM_WORK = 4096;
const MR = 6;
const NR = 8;

function allF32(...xs: TypedArray[]): boolean {
  return xs.every((x) => x instanceof Float32Array);
}

/** The context when this call should run in wasm, else null (float64 data or a tiny problem). */
function contextFor(p: Conv2dArgs, ...xs: TypedArray[]): FastContext | null {
  const work = p.batch * p.cout * p.ho * p.wo * p.cin * p.kh * p.kw;
  if (!allF32(...xs) || work < MIN_WASM_WORK) return null;
  return fastContext();
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

function flops(p: Conv2dArgs): number {
  return 2 * p.batch * p.cout * p.ho * p.wo * p.cin * p.kh * p.kw;
}

function isPointwise(p: Conv2dArgs): boolean {
  return p.kh === 1 && p.kw === 1 && p.strideH === 1 && p.strideW === 1 && p.padH === 0 && p.padW === 0;
}

/** y[b,c,i,j] = Σ_{c',di,dj} W[c,c',di,dj] · x[b,c',s·i+di−p, s·j+dj−p] */
export function fastConv2dForward(x: TypedArray, w: TypedArray, y: TypedArray, p: Conv2dArgs): void {
  const ctx = contextFor(p, x, w, y);
  if (!ctx) return conv2dForwardReference(x, w, y, p);
  const { arena, pool, rt } = ctx;
  arena.reset();
  const geo = putGeometry(arena, p);
  const px = arena.put(x as Float32Array);
  const pw = arena.put(w as Float32Array);
  const yView = (y as Float32Array).subarray(0, p.batch * p.cout * p.ho * p.wo);
  const py = arena.alloc(yView.length * 4);
  const nt = threadsFor(ctx, flops(p));
  const scratchBytes = rt.exports.convScratchBytes(geo);
  const tasks: Task[] = [];
  const ranges = p.batch >= nt ? splitRange(p.batch, nt).map(([lo, hi]) => [lo, hi, 0, p.cout]) : splitRange(p.cout, nt, MR).map(([lo, hi]) => [0, p.batch, lo, hi]);
  for (const [b0, b1, c0, c1] of ranges) tasks.push({ name: "convForward", args: [px, pw, py, geo, b0!, b1!, c0!, c1!, arena.alloc(scratchBytes)] });
  pool.run(tasks);
  arena.get(py, yView);
}

/** x.grad[b,c',s·i+di−p, s·j+dj−p] += y.grad[b,c,i,j] · W[c,c',di,dj] */
export function fastConv2dBackwardInput(gy: TypedArray, w: TypedArray, gx: TypedArray, p: Conv2dArgs): void {
  const ctx = contextFor(p, gy, w, gx);
  if (!ctx) return conv2dBackwardInputReference(gy, w, gx, p);
  const { arena, pool, rt } = ctx;
  arena.reset();
  const geo = putGeometry(arena, p);
  const pgy = arena.put(gy as Float32Array);
  const pw = arena.put(w as Float32Array);
  const gxView = (gx as Float32Array).subarray(0, p.batch * p.cin * p.h * p.w);
  const pgx = arena.put(gxView);
  const nt = threadsFor(ctx, flops(p));
  const scratchBytes = rt.exports.convScratchBytes(geo);
  const tasks: Task[] = [];
  const ranges = p.batch >= nt ? splitRange(p.batch, nt).map(([lo, hi]) => [lo, hi, 0, p.cin]) : splitRange(p.cin, nt).map(([lo, hi]) => [0, p.batch, lo, hi]);
  for (const [b0, b1, q0, q1] of ranges) tasks.push({ name: "convBackwardInput", args: [pgy, pw, pgx, geo, b0!, b1!, q0!, q1!, arena.alloc(scratchBytes)] });
  pool.run(tasks);
  arena.get(pgx, gxView);
}

/** W.grad[c,c',di,dj] += y.grad[b,c,i,j] · x[b,c',s·i+di−p, s·j+dj−p] */
export function fastConv2dBackwardWeight(gy: TypedArray, x: TypedArray, gw: TypedArray, p: Conv2dArgs): void {
  const ctx = contextFor(p, gy, x, gw);
  if (!ctx) return conv2dBackwardWeightReference(gy, x, gw, p);
  const { arena, pool, rt } = ctx;
  arena.reset();
  const K = p.cin * p.kh * p.kw;
  const N = p.ho * p.wo;
  const geo = putGeometry(arena, p);
  const pgy = arena.put(gy as Float32Array);
  const px = arena.put(x as Float32Array);
  const gwView = (gw as Float32Array).subarray(0, p.cout * K);
  const pgw = arena.put(gwView);
  const nt = threadsFor(ctx, flops(p));
  // phase 1: unfold every image (threads take images); a pointwise convolution multiplies x itself
  let cols = px;
  if (!isPointwise(p)) {
    cols = arena.alloc(p.batch * K * N * 4);
    pool.run(splitRange(p.batch, nt).map(([b0, b1]) => ({ name: "im2colImages", args: [px, geo, b0, b1, cols] })));
  }
  // phase 2: gw += Σ_b gy[b] · col[b]^T, threads take output channels, or unfolded rows when channels are few
  const scratchBytes = rt.exports.gemmScratchBytes();
  const ranges = p.cout >= nt * 2 * MR ? splitRange(p.cout, nt, MR).map(([lo, hi]) => [lo, hi, 0, K]) : splitRange(K, nt, NR).map(([lo, hi]) => [0, p.cout, lo, hi]);
  const tasks: Task[] = ranges.map(([c0, c1, r0, r1]) => ({ name: "convBackwardWeight", args: [pgy, cols, pgw, geo, c0!, c1!, r0!, r1!, arena.alloc(scratchBytes)] }));
  pool.run(tasks);
  arena.get(pgw, gwView);
}
