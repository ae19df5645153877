/**
 * Reductions over chosen dims (all by default), with keepDims: sum, mean, max, min, logSumExp,
 * argmax, var. Each backward spreads y.grad back over the reduced positions.
 */
import { gradBuffer, gradTarget, runOp } from "../autograd.js";
import { kernels } from "../backend/index.js";
import { broadcastOffsets, normDims, sizeOf } from "../shape.js";
import { Tensor } from "../tensor.js";
import { checkTensor, empty } from "./util.js";
import { div, mul, sub } from "./elementwise.js";

/** One dimension or a list of them (negative counts from the end). */
export type Dims = number | readonly number[];

interface Reduction {
  /** Output shape with reduced dims kept as 1, and without them. */
  keptShape: number[];
  outShape: number[];
  /** For each input element, the flat index of the output element it reduces into. */
  readonly map: Int32Array;
  outSize: number;
  /** How many inputs reduce into each output. */
  count: number;
  /** The reduced dims (non-negative, for the ONNX tracer's attrs). */
  dims: number[];
}

function plan(op: string, x: Tensor, dims: Dims | undefined, keepDims: boolean): Reduction {
  const rank = x.ndim;
  const ds = normDims(op, dims, rank);
  const keptShape = x.shape.map((s, i) => (ds.includes(i) ? 1 : s));
  const outShape = keepDims ? keptShape : x.shape.filter((_, i) => !ds.includes(i));
  const outSize = sizeOf(keptShape);
  // map[i]: the output element input i reduces into — broadcasting the kept shape back over x
  // (made on first use: the last-axis kernels never need it)
  let map: Int32Array | null = null;
  return {
    keptShape,
    outShape,
    get map() {
      return (map ??= broadcastOffsets(keptShape, x.shape));
    },
    outSize,
    count: outSize === 0 ? 0 : x.size / outSize,
    dims: [...ds],
  };
}

/**
 * When the reduced dims are the trailing ones (the last axis, or all of them), x is rows × cols with
 * each output one row: the shape the backend's last-axis kernels take. Null otherwise.
 */
function trailing(x: Tensor, r: Reduction): { rows: number; cols: number } | null {
  if (x.size === 0 || r.dims.length === 0) return null;
  const ds = [...r.dims].sort((p, q) => p - q);
  if (!ds.every((d, i) => d === x.ndim - ds.length + i)) return null;
  return { rows: r.outSize, cols: x.size / r.outSize };
}

/** y[o] = Σ_{i→o} x[i]  —  x.grad[i] += y.grad[o] */
export function sum(x: Tensor, dims?: Dims, keepDims = false): Tensor {
  checkTensor("sum", x);
  const r = plan("sum", x, dims, keepDims);
  const rc = trailing(x, r);
  return runOp("sum", [x], () => {
    const out = empty(x.dtype, r.outSize);
    const xd = x.data;
    // y[r] = Σ_c x[r, c] by the backend's kernel when the reduced dims are the trailing ones
    if (rc) kernels().sumLast(xd, out, rc.rows, rc.cols);
    else {
      const map = r.map;
      for (let i = 0; i < xd.length; i++) out[map[i]!] += xd[i]!;
    }
    return {
      out: new Tensor(out, r.outShape),
      adds: x.size - r.outSize,
      attrs: { dims: r.dims, keepDims },
      backward: (y) => {
        if (rc) {
          // x.grad[r, c] += y.grad[r]   (written, not added, when x has no gradient yet)
          const gx = gradTarget(x);
          return kernels().expandLast(y.grad!.data, gx.data, rc.rows, rc.cols, gx.accumulate);
        }
        const g = y.grad!.data;
        const gx = gradBuffer(x);
        const map = r.map;
        for (let i = 0; i < gx.length; i++) gx[i] = gx[i]! + g[map[i]!]!;
      },
    };
  });
}

/** y[o] = (1/n) Σ_{i→o} x[i]  —  x.grad[i] += y.grad[o] / n */
export function mean(x: Tensor, dims?: Dims, keepDims = false): Tensor {
  checkTensor("mean", x);
  const r = plan("mean", x, dims, keepDims);
  if (r.count === 0) throw new RangeError(`mean: reducing over an empty dimension of shape [${x.shape.join(", ")}]`);
  const rc = trailing(x, r);
  return runOp("mean", [x], () => {
    const out = empty(x.dtype, r.outSize);
    const xd = x.data;
    // Σ by the backend's kernel when the reduced dims are the trailing ones
    if (rc) kernels().sumLast(xd, out, rc.rows, rc.cols);
    else {
      const map = r.map;
      for (let i = 0; i < xd.length; i++) out[map[i]!] += xd[i]!;
    }
    for (let o = 0; o < out.length; o++) out[o] = out[o]! / r.count;
    return {
      out: new Tensor(out, r.outShape),
      adds: x.size - r.outSize,
      multiplies: r.outSize,
      attrs: { dims: r.dims, keepDims },
      backward: (y) => {
        if (rc) {
          // x.grad[r, c] += y.grad[r] / n   (written, not added, when x has no gradient yet)
          const g = y.grad!.data;
          const scaled = empty(x.dtype, g.length);
          for (let o = 0; o < g.length; o++) scaled[o] = g[o]! / r.count;
          const gx = gradTarget(x);
          return kernels().expandLast(scaled, gx.data, rc.rows, rc.cols, gx.accumulate);
        }
        const g = y.grad!.data;
        const gx = gradBuffer(x);
        const map = r.map;
        for (let i = 0; i < gx.length; i++) gx[i] = gx[i]! + g[map[i]!]! / r.count;
      },
    };
  });
}

function extreme(op: "max" | "min", x: Tensor, dims: Dims | undefined, keepDims: boolean): { values: Tensor; indices: Int32Array } {
  checkTensor(op, x);
  const r = plan(op, x, dims, keepDims);
  if (r.count === 0) throw new RangeError(`${op}: reducing over an empty dimension of shape [${x.shape.join(", ")}]`);
  const arg = new Int32Array(r.outSize).fill(-1);
  const rc = trailing(x, r);
  const values = runOp(op, [x], () => {
    const out = empty(x.dtype, r.outSize);
    const xd = x.data;
    if (rc) {
      // y[r] = max_c x[r, c] by the backend's kernel; arg as a flat index into x
      kernels().extremeLast(op, xd, out, arg, rc.rows, rc.cols);
      for (let o = 0; o < arg.length; o++) arg[o] = o * rc.cols + arg[o]!;
    } else {
      const better = op === "max" ? (a: number, b: number) => a > b : (a: number, b: number) => a < b;
      const map = r.map;
      for (let i = 0; i < xd.length; i++) {
        const o = map[i]!;
        const v = xd[i]!;
        if (arg[o] === -1 || better(v, out[o]!) || Number.isNaN(v)) {
          if (arg[o] === -1 || !Number.isNaN(out[o]!)) {
            out[o] = v;
            arg[o] = i;
          }
        }
      }
    }
    return {
      out: new Tensor(out, r.outShape),
      attrs: { dims: r.dims, keepDims },
      backward: (y) => {
        // x.grad[argmax(o)] += y.grad[o]  (the first maximal element takes the gradient)
        const g = y.grad!.data;
        const gx = gradBuffer(x);
        for (let o = 0; o < arg.length; o++) gx[arg[o]!] = gx[arg[o]!]! + g[o]!;
      },
    };
  });
  return { values, indices: arg };
}

/** Largest value over dims; the gradient goes to the first maximal element. */
export function max(x: Tensor, dims?: Dims, keepDims = false): Tensor {
  return extreme("max", x, dims, keepDims).values;
}

/**
 * The smallest value over `dims` (all dims when omitted), keeping them as size 1 when `keepDims`; the gradient
 * goes to the first minimal element.
 */
export function min(x: Tensor, dims?: Dims, keepDims = false): Tensor {
  return extreme("min", x, dims, keepDims).values;
}

/** Index (along `dim`) of the largest value, as a float tensor of integers; no gradient. */
export function argmax(x: Tensor, dim: number, keepDims = false): Tensor {
  const { values, indices } = extreme("max", x, dim, keepDims);
  const d = dim < 0 ? dim + x.ndim : dim;
  const stride = sizeOf(x.shape.slice(d + 1));
  const out = empty(x.dtype, indices.length);
  for (let o = 0; o < indices.length; o++) out[o] = Math.floor(indices[o]! / stride) % x.shape[d]!;
  return new Tensor(out, values.shape);
}

/**
 * y[o] = m[o] + ln Σ_{i→o} exp(x[i] − m[o]) with m the max (stable).
 * x.grad[i] += y.grad[o] · exp(x[i] − y[o])
 */
export function logSumExp(x: Tensor, dims?: Dims, keepDims = false): Tensor {
  checkTensor("logSumExp", x);
  const r = plan("logSumExp", x, dims, keepDims);
  const rc = trailing(x, r);
  if (rc) return logSumExpTrailing(x, r, rc.rows, rc.cols, keepDims);
  return runOp("logSumExp", [x], () => {
    const xd = x.data;
    const m = empty(x.dtype, r.outSize).fill(-Infinity);
    const map = r.map;
    for (let i = 0; i < xd.length; i++) if (xd[i]! > m[map[i]!]!) m[map[i]!] = xd[i]!;
    // shift by the max, or by 0 when the max is ±Inf (as PyTorch): Σ e^{x} is then +Inf or 0 and
    // ln of it gives +Inf or −Inf, where x − max would give ∞ − ∞ = NaN
    for (let o = 0; o < m.length; o++) if (Math.abs(m[o]!) === Infinity) m[o] = 0;
    const s = empty(x.dtype, r.outSize);
    for (let i = 0; i < xd.length; i++) s[map[i]!] += Math.exp(xd[i]! - m[map[i]!]!);
    // y[o] = shift[o] + ln Σ_{i→o} e^{x[i] − shift[o]}
    const out = empty(x.dtype, r.outSize);
    for (let o = 0; o < out.length; o++) out[o] = m[o]! + Math.log(s[o]!);
    return {
      out: new Tensor(out, r.outShape),
      adds: 2 * x.size,
      attrs: { dims: r.dims, keepDims },
      backward: (y) => {
        const g = y.grad!.data;
        const yd = y.data;
        const gx = gradBuffer(x);
        for (let i = 0; i < gx.length; i++) {
          const o = map[i]!;
          if (yd[o] !== -Infinity) gx[i] = gx[i]! + g[o]! * Math.exp(xd[i]! - yd[o]!);
        }
      },
    };
  });
}

/** logSumExp over trailing dims by the backend's last-axis kernels (same definitions as above). */
function logSumExpTrailing(x: Tensor, r: Reduction, rows: number, cols: number, keepDims: boolean): Tensor {
  return runOp("logSumExp", [x], () => {
    const out = empty(x.dtype, r.outSize);
    // y[r] = m + ln Σ_c e^{x[r, c] − m}
    kernels().logSumExpLast(x.data, out, rows, cols);
    return {
      out: new Tensor(out, r.outShape),
      adds: 2 * x.size,
      attrs: { dims: r.dims, keepDims },
      backward: (y) => {
        // x.grad[r, c] += y.grad[r] · e^{x[r, c] − y[r]}   (written, not added, when x has no gradient yet)
        const gx = gradTarget(x);
        kernels().logSumExpLastBackward(x.data, y.data, y.grad!.data, gx.data, rows, cols, gx.accumulate);
      },
    };
  });
}

/** Variance over dims (unbiased by default, like PyTorch), built from differentiable ops. */
export function variance(x: Tensor, dims?: Dims, keepDims = false, unbiased = true): Tensor {
  const r = plan("var", x, dims, true);
  const mu = mean(x, dims, true);
  const d = sub(x, mu);
  const n = r.count - (unbiased ? 1 : 0);
  if (n <= 0) throw new RangeError(`var: needs at least ${unbiased ? 2 : 1} elements per reduction`);
  return div(sum(mul(d, d), dims, keepDims), n);
}

