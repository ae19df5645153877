/**
 * Fast max pooling. The common 2×2, stride-2, unpadded window runs branch-free in WebAssembly SIMD
 * for float32 (data-dependent branches mispredict on real activations) and as straight-line code
 * otherwise; its backward runs in wasm from the forward's argmax (one write per input pixel, no
 * zero-fill). Every other geometry goes to the definition. Same answers as the definition, ties
 * and NaN included.
 */
import type { TypedArray } from "../../dtype.js";
import type { Pool2dArgs } from "../kernels.js";
import { maxPool2dBackwardReference, maxPool2dForwardReference } from "../reference.js";
import { fastContext, splitRange, threadsFor } from "./context.js";
import type { Task } from "./pool.js";

/** Below this many outputs the copy into wasm memory costs more than it saves. */
const MIN_WASM_OUTPUTS = 4096;

function isPlain2x2(p: Pool2dArgs): boolean {
  return p.kh === 2 && p.kw === 2 && p.strideH === 2 && p.strideW === 2 && p.padH === 0 && p.padW === 0;
}

function pool2x2(x: TypedArray, y: TypedArray, argmax: Int32Array, p: Pool2dArgs): void {
  const { h, w, ho, wo } = p;
  const planes = p.batch * p.channels;
  for (let bc = 0; bc < planes; bc++) {
    for (let i = 0; i < ho; i++) {
      const top = (bc * h + 2 * i) * w;
      const o0 = (bc * ho + i) * wo;
      for (let j = 0; j < wo; j++) {
        // y[b,c,i,j] = max(x[2i,2j], x[2i,2j+1], x[2i+1,2j], x[2i+1,2j+1])   (first maximum; a NaN wins)
        let at = top + 2 * j;
        let best = x[at]!;
        if (best === best) {
          const k1 = at + 1, k2 = at + w, k3 = at + w + 1;
          const v1 = x[k1]!, v2 = x[k2]!, v3 = x[k3]!;
          if (v1 > best || v1 !== v1) { best = v1; at = k1; }
          if (best === best && (v2 > best || v2 !== v2)) { best = v2; at = k2; }
          if (best === best && (v3 > best || v3 !== v3)) { best = v3; at = k3; }
        }
        y[o0 + j] = best;
        argmax[o0 + j] = at;
      }
    }
  }
}

/** The 2×2 pooling in wasm; false when it cannot run there (no runtime, or memory exhausted). */
function pool2x2InWasm(x: Float32Array, y: Float32Array, argmax: Int32Array, p: Pool2dArgs): boolean {
  const ctx = fastContext();
  if (!ctx) return false;
  const { arena, pool } = ctx;
  const n = p.batch * p.channels * p.ho * p.wo;
  const planes = p.batch * p.channels;
  return arena.run(() => {
    const px = arena.input(x.subarray(0, planes * p.h * p.w));
    const py = arena.output(y.subarray(0, n));
    const pa = arena.output(argmax.subarray(0, n));
    // threads take ranges of planes (each writes only its own outputs)
    const nt = threadsFor(ctx, 4 * planes * p.h * p.w);
    const tasks: Task[] = splitRange(planes, nt).map(([p0, p1]) => ({ name: "maxPool2x2", args: [px, py, pa, p.h, p.w, p.ho, p.wo, p0, p1, 0] }));
    pool.run(tasks, nt, 0);
  });
}

export function fastMaxPool2dForward(x: TypedArray, y: TypedArray, argmax: Int32Array, p: Pool2dArgs): void {
  if (!isPlain2x2(p)) return maxPool2dForwardReference(x, y, argmax, p);
  const big = p.batch * p.channels * p.ho * p.wo >= MIN_WASM_OUTPUTS;
  if (big && x instanceof Float32Array && y instanceof Float32Array && pool2x2InWasm(x, y, argmax, p)) return;
  pool2x2(x, y, argmax, p);
}

/**
 * x.grad[argmax[o]] (+)= y.grad[o]. The 2×2, stride-2 window in wasm (float32, large enough): each
 * window's four gradients are written in one pass (y.grad where the tap is the argmax, else 0), so
 * overwriting needs no zero-fill and every x.grad element is written once; operands that live in
 * wasm memory are used in place. Everything else runs the definition's scatter.
 */
export function fastMaxPool2dBackward(gy: TypedArray, argmax: Int32Array, gx: TypedArray, accumulate = true, p?: Pool2dArgs): void {
  if (p && isPlain2x2(p) && gy instanceof Float32Array && gx instanceof Float32Array) {
    const n = p.batch * p.channels * p.ho * p.wo;
    if (n >= MIN_WASM_OUTPUTS && gy.length >= n && argmax.length >= n && gx.length >= p.batch * p.channels * p.h * p.w && backward2x2InWasm(gy, argmax, gx, p, accumulate)) return;
  }
  maxPool2dBackwardReference(gy, argmax, gx, accumulate);
}

/** The 2×2 backward in wasm; false when it cannot run there (no runtime, or memory exhausted). */
function backward2x2InWasm(gy: Float32Array, argmax: Int32Array, gx: Float32Array, p: Pool2dArgs, accumulate: boolean): boolean {
  const ctx = fastContext();
  if (!ctx) return false;
  const { arena, pool } = ctx;
  const planes = p.batch * p.channels;
  const n = planes * p.ho * p.wo;
  return arena.run(() => {
    const pgy = arena.input(gy.subarray(0, n));
    const pa = arena.input(argmax.subarray(0, n));
    const pgx = arena.output(gx.subarray(0, planes * p.h * p.w), accumulate);
    // threads take ranges of planes (each writes only its own planes of x.grad)
    const nt = threadsFor(ctx, 4 * planes * p.h * p.w);
    const tasks = splitRange(planes, nt).map(([p0, p1]) => ({ name: "maxPool2x2Backward" as const, args: [pgy, pa, pgx, p.h, p.w, p.ho, p.wo, p0, p1, accumulate ? 1 : 0, 0] }));
    pool.run(tasks, nt, 0);
  });
}
