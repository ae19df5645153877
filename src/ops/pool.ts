/**
 * 2-D pooling on NCHW input, window k, stride s (default k), zero padding p (≤ k/2, as in PyTorch).
 *   maxPool2d: y[b,c,i,j] = max_{di,dj} x[b,c,s·i+di−p, s·j+dj−p]   (padded pixels never win)
 *              x.grad[b,c,argmax] += y.grad[b,c,i,j]               (first maximum on ties; a NaN wins)
 *   avgPool2d: y[b,c,i,j] = (1/k²) Σ_{di,dj} x[b,c,s·i+di−p, s·j+dj−p]   (padded zeros counted, PyTorch's default)
 *              x.grad[b,c,s·i+di−p, s·j+dj−p] += y.grad[b,c,i,j] / k²
 */
import { gradBuffer, gradTarget, isGradEnabled, runOp } from "../autograd.js";
import { kernels } from "../backend/index.js";
import { uninitialized } from "../dtype.js";
import { recycle, takeInt32 } from "../grad-pool.js";
import { storageProvider } from "../storage.js";
import { countWork } from "../profile.js";
import { fmt, ShapeError } from "../shape.js";
import { Tensor } from "../tensor.js";
import { pair } from "./conv.js";
import { checkTensor, empty, outputArray } from "./util.js";

/** Options of `maxPool2d` and `avgPool2d`: window, stride and padding. */
export interface Pool2dOptions {
  /** Window size: a number or [kH, kW]. */
  kernel: number | readonly [number, number];
  /** Step between windows (default: the kernel size). */
  stride?: number | readonly [number, number];
  /** Zero padding on each side (default 0, at most half the kernel). */
  padding?: number | readonly [number, number];
  /** avgPool2d only: divide by the whole window including padded zeros (default true, as PyTorch). */
  countIncludePad?: boolean;
}

interface PoolGeometry {
  batch: number; ch: number; h: number; w: number;
  kh: number; kw: number; sh: number; sw: number; ph: number; pw: number; ho: number; wo: number;
}

function geometry(op: string, x: Tensor, o: Pool2dOptions): PoolGeometry {
  checkTensor(op, x);
  if (x.ndim !== 4) throw new ShapeError(`${op}: input must be NCHW (rank 4), got ${fmt(x.shape)}`);
  if (o === undefined || o === null || o.kernel === undefined) throw new TypeError(`${op}: options { kernel } are required`);
  const known = new Set(["kernel", "stride", "padding", "countIncludePad"]);
  for (const k of Object.keys(o)) if (!known.has(k)) throw new TypeError(`${op}: unknown option "${k}" (expected kernel, stride, padding, countIncludePad)`);
  const [kh, kw] = pair(op, "kernel", o.kernel, 1);
  const [sh, sw] = pair(op, "stride", o.stride ?? [kh, kw], 1);
  const [ph, pw] = pair(op, "padding", o.padding ?? 0, 0);
  if (2 * ph > kh || 2 * pw > kw) throw new RangeError(`${op}: padding [${ph}, ${pw}] must be at most half the kernel [${kh}, ${kw}]`);
  const [batch, ch, h, w] = x.shape as [number, number, number, number];
  if (h + 2 * ph < kh || w + 2 * pw < kw) {
    throw new ShapeError(`${op}: kernel [${kh}, ${kw}] is larger than the padded input ${fmt(x.shape)} (padding [${ph}, ${pw}])`);
  }
  const ho = Math.floor((h + 2 * ph - kh) / sh) + 1;
  const wo = Math.floor((w + 2 * pw - kw) / sw) + 1;
  return { batch, ch, h, w, kh, kw, sh, sw, ph, pw, ho, wo };
}

/**
 * The argmax of one maxPool2d call: 32-bit indices in the kernels' WebAssembly memory when the fast
 * backend has room (the backward's kernel reads them in place), else a pooled JavaScript array.
 * Private to the op's backward; `free` hands the storage back once nothing can read it.
 */
function argmaxStorage(n: number): { arg: Int32Array; free: () => void } {
  const block = storageProvider()?.take(n) ?? null;
  if (block === null) {
    const arg = takeInt32(n);
    return { arg, free: () => recycle(arg) };
  }
  return { arg: new Int32Array(block.buffer, block.byteOffset, n), free: () => recycle(block) };
}

/** fl.maxPool2d(x, { kernel, stride?, padding? }) */
export function maxPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  const g = geometry("maxPool2d", x, options);
  const { batch, ch, h, w, kh, kw, sh, sw, ph, pw, ho, wo } = g;
  const nOut = batch * ch * ho * wo;
  const args = { batch, channels: ch, h, w, kh, kw, ho, wo, strideH: sh, strideW: sw, padH: ph, padW: pw };
  // only a recorded graph's backward reads the argmax; without one it goes back right after the forward
  const recorded = isGradEnabled() && x.requiresGrad;
  return runOp("maxPool2d", [x], () => {
    // the kernel writes every element of both
    const y = outputArray(x.dtype, nOut);
    const { arg, free } = argmaxStorage(nOut); // flat index into x of each window's maximum (only the backward reads it)
    // y[b,c,i,j] = max_{di,dj} x[b,c,s·i+di−p, s·j+dj−p]   (first maximum on ties; a NaN wins its window)
    kernels().maxPool2dForward(x.data, y, arg, args);
    if (!recorded) free();
    return {
      out: new Tensor(y, [batch, ch, ho, wo]),
      extra: { comparisons: nOut * kh * kw },
      attrs: { geometry: g },
      backward: (out) => {
        // x.grad[b,c,argmax(i,j)] += y.grad[b,c,i,j]   (into zeros when x has no gradient yet)
        const gx = gradTarget(x);
        kernels().maxPool2dBackward(out.grad!.data, arg, gx.data, gx.accumulate, args);
        countWork(0, nOut);
      },
      // the graph is freed: nothing can read the argmax again
      release: recorded ? free : undefined,
    };
  });
}

/** fl.avgPool2d(x, { kernel, stride?, padding?, countIncludePad? }) */
export function avgPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  const g = geometry("avgPool2d", x, options);
  const { batch, ch, h, w, kh, kw, sh, sw, ph, pw, ho, wo } = g;
  const includePad = options.countIncludePad ?? true;
  const nOut = batch * ch * ho * wo;
  // the divisor of window (i,j): k² or, without padded zeros, the number of real pixels in it
  const divisor = (i: number, j: number): number => {
    if (includePad) {
      // PyTorch clips the window to the padded input (relevant only at the far edge)
      const r1 = Math.min(sh * i - ph + kh, h + ph), q1 = Math.min(sw * j - pw + kw, w + pw);
      return (r1 - (sh * i - ph)) * (q1 - (sw * j - pw));
    }
    const r0 = Math.max(sh * i - ph, 0), r1 = Math.min(sh * i - ph + kh, h);
    const q0 = Math.max(sw * j - pw, 0), q1 = Math.min(sw * j - pw + kw, w);
    return (r1 - r0) * (q1 - q0);
  };
  return runOp("avgPool2d", [x], () => {
    const y = empty(x.dtype, nOut);
    const xd = x.data;
    let adds = 0;
    for (let bc = 0; bc < batch * ch; bc++) {
      const xo = bc * h * w;
      for (let i = 0; i < ho; i++)
        for (let j = 0; j < wo; j++) {
          // y[b,c,i,j] = (1/|window|) Σ_{di,dj} x[b,c,s·i+di−p, s·j+dj−p]
          let s = 0;
          for (let di = 0; di < kh; di++) {
            const r = sh * i + di - ph;
            if (r < 0 || r >= h) continue;
            for (let dj = 0; dj < kw; dj++) {
              const q = sw * j + dj - pw;
              if (q < 0 || q >= w) continue;
              s += xd[xo + r * w + q]!;
              adds++;
            }
          }
          y[(bc * ho + i) * wo + j] = s / divisor(i, j);
        }
    }
    return {
      out: new Tensor(y, [batch, ch, ho, wo]),
      multiplies: nOut,
      adds,
      attrs: { geometry: g, countIncludePad: includePad },
      backward: (out) => {
        const gy = out.grad!.data;
        const gx = gradBuffer(x);
        for (let bc = 0; bc < batch * ch; bc++) {
          const xo = bc * h * w;
          for (let i = 0; i < ho; i++)
            for (let j = 0; j < wo; j++) {
              // x.grad[b,c,s·i+di−p, s·j+dj−p] += y.grad[b,c,i,j] / |window|
              const gv = gy[(bc * ho + i) * wo + j]! / divisor(i, j);
              for (let di = 0; di < kh; di++) {
                const r = sh * i + di - ph;
                if (r < 0 || r >= h) continue;
                for (let dj = 0; dj < kw; dj++) {
                  const q = sw * j + dj - pw;
                  if (q < 0 || q >= w) continue;
                  gx[xo + r * w + q] = gx[xo + r * w + q]! + gv;
                }
              }
            }
        }
        countWork(nOut, adds);
      },
    };
  });
}
