/**
 * 2-D convolution on NCHW input with [Cout, Cin, kH, kW] weights, through the backend's kernels.
 *   y[b,c,i,j] = Σ_{c',di,dj} W[c,c',di,dj] · x[b,c',s·i+di−p, s·j+dj−p] + bias[c]
 *   x.grad[b,c',s·i+di−p, s·j+dj−p] += y.grad[b,c,i,j] · W[c,c',di,dj]     (swap y and x)
 *   W.grad[c,c',di,dj] += y.grad[b,c,i,j] · x[b,c',s·i+di−p, s·j+dj−p]     (swap y and W)
 *   bias.grad[c] += Σ_{b,i,j} y.grad[b,c,i,j]
 * Out-of-range pixels read 0 ("zeros") or wrap around ("circular", a torus).
 */
import { gradBuffer, gradTarget, isGradEnabled, runOp } from "../autograd.js";
import { kernels } from "../backend/index.js";
import type { Conv2dArgs, ConvEpilogueKernels, Kernels } from "../backend/kernels.js";
import { conv2dBackwardBiasReference, conv2dReluForwardReference, reluMaskBiasGradReference } from "../backend/reference.js";
import { uninitialized, type TypedArray } from "../dtype.js";
import { recycle, takeUninitialized } from "../grad-pool.js";
import { locationOf, storageProvider } from "../storage.js";
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
  /**
   * An activation applied inside the convolution's kernels (its epilogue): "relu" gives
   * max(conv2d(x, w, b), 0) as one op, the same numbers as `relu(conv2d(x, w, b))` without a
   * separate pass over the output or its gradient. Default: none.
   */
  activation?: Conv2dActivation | null;
}

/** Activations `conv2d` can apply in its epilogue. */
export type Conv2dActivation = "relu";

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
  const known = new Set(["stride", "padding", "paddingMode", "activation"]);
  for (const k of Object.keys(options)) if (!known.has(k)) throw new TypeError(`${op}: unknown option "${k}" (expected stride, padding, paddingMode, activation)`);
  const act = options.activation;
  if (act !== undefined && act !== null && act !== "relu") throw new RangeError(`${op}: activation must be "relu" or null, got ${JSON.stringify(act)}`);
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
 * fl.conv2d(x, w, b?, { stride, padding, paddingMode, activation }). The profiler counts
 * B·Ho·Wo·Cout·Cin·kH·kW multiplies (and as many adds, bias included) — in the seed's setting
 * B·D²·N²·Cx·Cy — and `extra.realMultiplies`, the products that touched real pixels.
 *
 * With `activation: "relu"` the op is "conv2dRelu" (one graph node, and one row in the profiler):
 *   y[b,c,i,j] = max(z[b,c,i,j], 0),  z = the convolution above
 *   z.grad[b,c,i,j] = y.grad[b,c,i,j] · 1[y[b,c,i,j] > 0]    (= 1[z > 0]: y > 0 exactly where z > 0)
 * and z.grad feeds the convolution's backward equations. The ReLU runs in the conv kernels'
 * epilogue (with the bias), its mask in one pass with the bias gradient.
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
  const relu = options.activation === "relu";
  const { products, realProducts } = conv2dWork(g);
  const plane = g.ho * g.wo;
  const n = g.batch * g.cout * plane;
  // a recorded graph's backward reads y for the ReLU mask: it keeps its own copy where the kernels
  // use it in place (see `maskCopy`), instead of copying the output back in
  const recorded = relu && isGradEnabled() && inputs.some((t) => t.requiresGrad);
  return runOp(relu ? "conv2dRelu" : "conv2d", inputs, () => {
    const y = outputArray(x.dtype, n); // the kernel writes every element
    const k = kernels();
    let kept: Float32Array | null = null;
    if (relu) {
      // y[b,c,i,j] = max(Σ_{c',di,dj} W[c,c',di,dj] · x[b,c',s·i+di−p, s·j+dj−p] + bias[c], 0)
      const fused = epilogueKernels(k);
      // (an output the graph owns in wasm memory is that already: the backward reads it in place)
      kept = recorded && fused && x.dtype === "float32" && locationOf(y) !== "wasm" ? maskCopy(n) : null;
      const target = kept ?? y;
      if (fused) fused.conv2dReluForward(x.data, w.data, target, g, b ? b.data : null);
      else conv2dReluForwardReference(x.data, w.data, target, g, b ? b.data : null, k.conv2dForward);
      if (kept) y.set(kept);
    } else {
      // y[b,c,i,j] = Σ_{c',di,dj} W[c,c',di,dj] · x[b,c',s·i+di−p, s·j+dj−p] + bias[c]
      k.conv2dForward(x.data, w.data, y, g, b ? b.data : null);
    }
    return {
      out: new Tensor(y, [g.batch, g.cout, g.ho, g.wo]),
      multiplies: products,
      // ReLU: one comparison per output, counted as an add (as relu's own count would be)
      adds: products + (relu ? n : 0),
      extra: { realMultiplies: realProducts },
      attrs: { geometry: g, activation: relu ? "relu" : null },
      backward: (out) => {
        const k = kernels();
        const wantsBias = b !== undefined && b !== null && b.requiresGrad;
        let gy = out.grad!.data;
        let scratch: TypedArray | null = null;
        let biasDone = false;
        if (relu) {
          // z.grad[b,c,i,j] = y.grad[b,c,i,j] · 1[y[b,c,i,j] > 0], and bias.grad[c] += Σ_{b,i,j} z.grad[b,c,i,j] in the same pass.
          // In place over y.grad when nothing else reads it (backward recycles an intermediate's
          // gradient right after this), else into storage of our own.
          const gz = out._retainGrad ? (scratch = takeUninitialized(x.dtype, n, "recycled")) : gy;
          const mask = epilogueKernels(k)?.reluMaskBiasGrad ?? reluMaskBiasGradReference;
          mask(kept ?? out.data, gy, gz, g, wantsBias ? gradBuffer(b!) : null);
          gy = gz;
          biasDone = true;
        }
        if (x.requiresGrad) {
          // x.grad[b,c',s·i+di−p, s·j+dj−p] += y.grad[b,c,i,j] · W[c,c',di,dj]
          const gx = gradTarget(x); // written, not added, when x has no gradient yet
          k.conv2dBackwardInput(gy, w.data, gx.data, g, gx.accumulate);
          countWork(products, products, { realMultiplies: realProducts });
        }
        const gb = wantsBias && !biasDone ? gradBuffer(b!) : null;
        if (w.requiresGrad) {
          // W.grad[c,c',di,dj] += Σ_{b,i,j} y.grad[b,c,i,j] · x[b,c',s·i+di−p, s·j+dj−p]
          // bias.grad[c] += Σ_{b,i,j} y.grad[b,c,i,j]   (same kernel: both reduce y.grad)
          k.conv2dBackwardWeight(gy, x.data, gradBuffer(w), g, gb);
          countWork(products, products, { realMultiplies: realProducts });
        } else if (gb) {
          // bias.grad[c] += Σ_{b,i,j} y.grad[b,c,i,j]   (a frozen weight: the bias alone)
          conv2dBackwardBiasReference(gy, gb, g);
        }
        if (wantsBias) countWork(0, n);
        if (relu) countWork(0, n);
        if (scratch) recycle(scratch);
      },
      // the graph is freed: nothing reads the kept copy of y again
      release: kept ? () => recycle(kept!) : undefined,
    };
  });
}

/**
 * Room for the fused op's private copy of its output, in the fast kernels' WebAssembly memory
 * (null when there is none, or no room): the forward writes y there in place and copies it into
 * the output tensor, and the backward's ReLU mask reads it there, so y is not copied back into wasm
 * memory. Only the op's backward reads it; the op's release hook gives it back when the graph is
 * freed (a graph never run backward leaves it to the storage's FinalizationRegistry backstop).
 */
function maskCopy(n: number): Float32Array | null {
  return storageProvider()?.take(n) ?? null;
}

/** The active backend's conv epilogue kernels, when it has them (the fast backend does). */
function epilogueKernels(k: Required<Kernels>): ConvEpilogueKernels | null {
  const e = k as Required<Kernels> & Partial<ConvEpilogueKernels>;
  return e.conv2dReluForward && e.reluMaskBiasGrad ? (e as ConvEpilogueKernels) : null;
}
