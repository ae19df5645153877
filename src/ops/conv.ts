/**
 * 2-D convolution on NCHW input with [Cout, Cin, kH, kW] weights, through the backend's kernels.
 *   y[b,c,i,j] = Σ_{c',di,dj} W[c,c',di,dj] · x[b,c',s·i+di−p, s·j+dj−p] + bias[c]
 *   x.grad[b,c',s·i+di−p, s·j+dj−p] += y.grad[b,c,i,j] · W[c,c',di,dj]     (swap y and x)
 *   W.grad[c,c',di,dj] += y.grad[b,c,i,j] · x[b,c',s·i+di−p, s·j+dj−p]     (swap y and W)
 *   bias.grad[c] += Σ_{b,i,j} y.grad[b,c,i,j]
 * Out-of-range pixels read 0 ("zeros") or wrap around ("circular", a torus).
 */
import { gradBuffer, gradTarget, runOp } from "../autograd.js";
import { kernels } from "../backend/index.js";
import type { Conv2dArgs } from "../backend/kernels.js";
import { conv2dBackwardBiasReference } from "../backend/reference.js";
import { uninitialized } from "../dtype.js";
import { countWork } from "../profile.js";
import { checkElementCount, fmt, ShapeError } from "../shape.js";
import { Tensor } from "../tensor.js";
import { checkTensor, outputArray, sameDType } from "./util.js";

/** How a convolution pads: with zeros, or circularly (the image wraps around, a torus). */
export type PaddingMode = "zeros" | "circular";
/**
 * Padding of a convolution: pixels on each side (one number or [ph, pw]), "same" (output size = input size at
 * stride 1) or "valid" (none).
 */
export type Conv2dPadding = number | readonly [number, number] | "same" | "valid";

/** Options of `conv2d`: stride, padding and padding mode. */
export interface Conv2dOptions {
  /** Step between output pixels: one number or [sh, sw] (default 1). */
  stride?: number | readonly [number, number];
  /**
   * Padding on each side: a number, [ph, pw], "valid" (0) or "same" (output size = input size,
   * stride 1 only). For "same" the total padding k−1 is split as PyTorch does: ⌊(k−1)/2⌋ before
   * and the rest after — ⌊N/2⌋ on both sides for an odd N, one more after than before for an even N.
   */
  padding?: Conv2dPadding;
  /** "zeros" (default) or "circular" (indices wrap around, at most once per side). */
  paddingMode?: PaddingMode;
}

/** Positive integer pair from a number or [a, b]; `what` names the option in errors. */
export function pair(op: string, what: string, v: number | readonly number[], min: number): [number, number] {
  const p = typeof v === "number" ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((n) => Number.isInteger(n) && n >= min)) {
    throw new RangeError(`${op}: ${what} must be an integer ≥ ${min} or a pair of them, got ${JSON.stringify(v)}`);
  }
  return [p[0]!, p[1]!];
}

/** Output size along one axis from the input size, kernel, stride and total padding (before + after). */
function outSize(op: string, axis: string, n: number, k: number, s: number, padTotal: number, xs: readonly number[], ws: readonly number[]): number {
  if (n + padTotal < k) {
    throw new ShapeError(`${op}: kernel ${axis} ${k} is larger than the padded input ${axis} ${n}+${padTotal}=${n + padTotal} (input ${fmt(xs)}, weight ${fmt(ws)})`);
  }
  return Math.floor((n + padTotal - k) / s) + 1;
}

/** Resolve the options into the kernels' geometry (checking shapes) — exported for the pooling ops and tests. */
export function conv2dGeometry(x: Tensor, w: Tensor, options: Conv2dOptions = {}): Conv2dArgs {
  const op = "conv2d";
  if (x.ndim !== 4) throw new ShapeError(`${op}: input must be NCHW (rank 4), got ${fmt(x.shape)}`);
  if (w.ndim !== 4) throw new ShapeError(`${op}: weight must be [Cout, Cin, kH, kW] (rank 4), got ${fmt(w.shape)}`);
  const [batch, cin, h, wd] = x.shape as [number, number, number, number];
  const [cout, cin2, kh, kw] = w.shape as [number, number, number, number];
  if (cin !== cin2) {
    throw new ShapeError(`${op}: input ${fmt(x.shape)} has ${cin} channels (dim 1) but weight ${fmt(w.shape)} expects ${cin2} (dim 1)`);
  }
  if (cout < 1 || kh < 1 || kw < 1) throw new ShapeError(`${op}: weight ${fmt(w.shape)} has an empty dimension`);
  const known = new Set(["stride", "padding", "paddingMode"]);
  for (const k of Object.keys(options)) if (!known.has(k)) throw new TypeError(`${op}: unknown option "${k}" (expected stride, padding, paddingMode)`);
  const [strideH, strideW] = pair(op, "stride", options.stride ?? 1, 1);
  const padMode = options.paddingMode ?? "zeros";
  if (padMode !== "zeros" && padMode !== "circular") {
    throw new RangeError(`${op}: paddingMode must be "zeros" or "circular", got ${JSON.stringify(padMode)}`);
  }
  const padding = options.padding ?? 0;
  let padH: number, padW: number, totalH: number, totalW: number;
  if (padding === "same") {
    if (strideH !== 1 || strideW !== 1) throw new RangeError(`${op}: padding "same" needs stride 1, got stride [${strideH}, ${strideW}]`);
    padH = Math.floor((kh - 1) / 2);
    padW = Math.floor((kw - 1) / 2);
    totalH = kh - 1;
    totalW = kw - 1;
  } else if (padding === "valid") {
    padH = padW = totalH = totalW = 0;
  } else if (typeof padding === "string") {
    throw new RangeError(`${op}: padding must be a number, [ph, pw], "same" or "valid", got ${JSON.stringify(padding)}`);
  } else {
    [padH, padW] = pair(op, "padding", padding, 0);
    totalH = 2 * padH;
    totalW = 2 * padW;
  }
  if (padMode === "circular" && (totalH - padH > h || padH > h || totalW - padW > wd || padW > wd)) {
    throw new RangeError(`${op}: circular padding [${padH}, ${padW}] would wrap around input ${fmt(x.shape)} more than once`);
  }
  const ho = outSize(op, "height", h, kh, strideH, totalH, x.shape, w.shape);
  const wo = outSize(op, "width", wd, kw, strideW, totalW, x.shape, w.shape);
  const why = `(input ${fmt(x.shape)}, weight ${fmt(w.shape)}, padding [${padH}, ${padW}], stride [${strideH}, ${strideW}])`;
  checkElementCount(op, `the output ${why}`, [batch, cout, ho, wo]);
  checkElementCount(op, `the unfolded input (im2col columns) ${why}`, [cin * kh * kw, ho, wo]);
  return { batch, cin, h, w: wd, cout, kh, kw, ho, wo, strideH, strideW, padH, padW, padMode };
}

/** Σ over output positions of the taps that land on real pixels along one axis (padded zeros excluded). */
function validTaps(n: number, k: number, out: number, s: number, p: number, mode: PaddingMode): number {
  if (mode === "circular") return out * k;
  let t = 0;
  for (let i = 0; i < out; i++) {
    const lo = Math.max(0, p - s * i);
    const hi = Math.min(k, n + p - s * i);
    if (hi > lo) t += hi - lo;
  }
  return t;
}

/**
 * Work of one pass: every product of the index equation (padded zeros included), and how many of
 * them touched real pixels.
 */
export function conv2dWork(g: Conv2dArgs): { products: number; realProducts: number } {
  const products = g.batch * g.ho * g.wo * g.cout * g.cin * g.kh * g.kw;
  const rows = validTaps(g.h, g.kh, g.ho, g.strideH, g.padH, g.padMode);
  const cols = validTaps(g.w, g.kw, g.wo, g.strideW, g.padW, g.padMode);
  return { products, realProducts: g.batch * g.cout * g.cin * rows * cols };
}

/**
 * fl.conv2d(x, w, b?, { stride, padding, paddingMode }). The profiler counts
 * B·Ho·Wo·Cout·Cin·kH·kW multiplies (and as many adds, bias included) — in the seed's setting
 * B·D²·N²·Cx·Cy — and `extra.realMultiplies`, the products that touched real pixels.
 */
export function conv2d(x: Tensor, w: Tensor, b?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  checkTensor("conv2d", x);
  checkTensor("conv2d", w, "weight");
  if (b !== undefined && b !== null) checkTensor("conv2d", b, "bias");
  const g = conv2dGeometry(x, w, options);
  if (b && (b.ndim !== 1 || b.shape[0] !== g.cout)) {
    throw new ShapeError(`conv2d: bias ${fmt(b.shape)} does not match weight ${fmt(w.shape)}: expected [${g.cout}] (Cout, dim 0)`);
  }
  const inputs = b ? [x, w, b] : [x, w];
  sameDType("conv2d", ...inputs);
  const { products, realProducts } = conv2dWork(g);
  const plane = g.ho * g.wo;
  return runOp("conv2d", inputs, () => {
    const y = outputArray(x.dtype, g.batch * g.cout * plane); // the kernel writes every element
    // y[b,c,i,j] = Σ_{c',di,dj} W[c,c',di,dj] · x[b,c',s·i+di−p, s·j+dj−p] + bias[c]
    kernels().conv2dForward(x.data, w.data, y, g, b ? b.data : null);
    return {
      out: new Tensor(y, [g.batch, g.cout, g.ho, g.wo]),
      multiplies: products,
      adds: products,
      extra: { realMultiplies: realProducts },
      attrs: { geometry: g },
      backward: (out) => {
        const gy = out.grad!.data;
        if (x.requiresGrad) {
          // x.grad[b,c',s·i+di−p, s·j+dj−p] += y.grad[b,c,i,j] · W[c,c',di,dj]
          const gx = gradTarget(x); // written, not added, when x has no gradient yet
          kernels().conv2dBackwardInput(gy, w.data, gx.data, g, gx.accumulate);
          countWork(products, products, { realMultiplies: realProducts });
        }
        const gb = b && b.requiresGrad ? gradBuffer(b) : null;
        if (w.requiresGrad) {
          // W.grad[c,c',di,dj] += Σ_{b,i,j} y.grad[b,c,i,j] · x[b,c',s·i+di−p, s·j+dj−p]
          // bias.grad[c] += Σ_{b,i,j} y.grad[b,c,i,j]   (same kernel: both reduce y.grad)
          kernels().conv2dBackwardWeight(gy, x.data, gradBuffer(w), g, gb);
          countWork(products, products, { realMultiplies: realProducts });
        } else if (gb) {
          // bias.grad[c] += Σ_{b,i,j} y.grad[b,c,i,j]   (a frozen weight: the bias alone)
          conv2dBackwardBiasReference(gy, gb, g);
        }
        if (gb) countWork(0, g.batch * g.cout * plane);
      },
    };
  });
}
