/**
 * softmax and logSoftmax along one dim, with their backwards written out:
 *   y[i] = e^{x[i]} / Σ_j e^{x[j]}      x.grad[i] += y[i] · (y.grad[i] − Σ_j y.grad[j] · y[j])
 *   y[i] = x[i] − ln Σ_j e^{x[j]}       x.grad[i] += y.grad[i] − e^{y[i]} · Σ_j y.grad[j]
 */
import { gradBuffer, gradTarget, runOp } from "../autograd.js";
import { kernels } from "../backend/index.js";
import { normDim, sizeOf } from "../shape.js";
import { Tensor } from "../tensor.js";
import { checkTensor, empty } from "./util.js";

/** Geometry for "along dim": outer × size × inner, element (o, k, i) at (o·size + k)·inner + i. */
function along(op: string, x: Tensor, dim: number): { outer: number; size: number; inner: number } {
  checkTensor(op, x);
  if (x.ndim === 0) throw new RangeError(`${op}: needs a tensor with at least one dimension`);
  const d = normDim(op, dim, x.ndim);
  return { outer: sizeOf(x.shape.slice(0, d)), size: x.shape[d]!, inner: sizeOf(x.shape.slice(d + 1)) };
}

function logSoftmaxData(x: Tensor, outer: number, size: number, inner: number): Float32Array | Float64Array {
  const xd = x.data;
  const out = empty(x.dtype, xd.length);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      const base = o * size * inner + i;
      let m = -Infinity;
      for (let k = 0; k < size; k++) m = Math.max(m, xd[base + k * inner]!);
      // an infinite max shifts by 0 instead (as PyTorch's logsumexp): ln Σ e^{x} is then ±Inf, not NaN
      if (Math.abs(m) === Infinity) m = 0;
      let s = 0;
      for (let k = 0; k < size; k++) s += Math.exp(xd[base + k * inner]! - m);
      const lse = m + Math.log(s);
      // y[k] = x[k] − ln Σ_j e^{x[j]}
      for (let k = 0; k < size; k++) out[base + k * inner] = xd[base + k * inner]! - lse;
    }
  return out;
}

/** softmax (log false) or logSoftmax along the last axis, by the backend's last-axis kernels (same definitions). */
function softmaxLast(name: string, x: Tensor, dim: number, rows: number, cols: number, log: boolean): Tensor {
  return runOp(name, [x], () => {
    const y = empty(x.dtype, x.size);
    // y[r, c] = x[r, c] − ln Σ_j e^{x[r, j]}   (softmax: e^ of that)
    kernels().softmaxLast(x.data, y, rows, cols, log);
    return {
      out: new Tensor(y, x.shape),
      attrs: { dim },
      backward: (out) => {
        // softmax: x.grad[k] += y[k]·(y.grad[k] − Σ_j y.grad[j]·y[j]);  logSoftmax: x.grad[k] += y.grad[k] − e^{y[k]}·Σ_j y.grad[j]
        const gx = gradTarget(x);
        kernels().softmaxLastBackward(y, out.grad!.data, gx.data, rows, cols, log, gx.accumulate);
      },
    };
  });
}

/** y = exp(x) / Σ exp(x) along `dim` (default the last), computed stably. */
export function softmax(x: Tensor, dim = -1): Tensor {
  const { outer, size, inner } = along("softmax", x, dim);
  if (inner === 1 && x.size > 0) return softmaxLast("softmax", x, dim, outer, size, false);
  return runOp("softmax", [x], () => {
    const y = logSoftmaxData(x, outer, size, inner);
    for (let i = 0; i < y.length; i++) y[i] = Math.exp(y[i]!);
    return {
      out: new Tensor(y, x.shape),
      attrs: { dim },
      backward: (out) => {
        const g = out.grad!.data;
        const gx = gradBuffer(x);
        for (let o = 0; o < outer; o++)
          for (let i = 0; i < inner; i++) {
            const base = o * size * inner + i;
            let dot = 0;
            for (let k = 0; k < size; k++) dot += g[base + k * inner]! * y[base + k * inner]!;
            // x.grad[k] += y[k] · (y.grad[k] − Σ_j y.grad[j]·y[j])
            for (let k = 0; k < size; k++) {
              const p = base + k * inner;
              gx[p] = gx[p]! + y[p]! * (g[p]! - dot);
            }
          }
      },
    };
  });
}

/** y = x − log Σ exp(x) along `dim` (default the last), computed stably. */
export function logSoftmax(x: Tensor, dim = -1): Tensor {
  const { outer, size, inner } = along("logSoftmax", x, dim);
  if (inner === 1 && x.size > 0) return softmaxLast("logSoftmax", x, dim, outer, size, true);
  return runOp("logSoftmax", [x], () => {
    const y = logSoftmaxData(x, outer, size, inner);
    return {
      out: new Tensor(y, x.shape),
      attrs: { dim },
      backward: (out) => {
        const g = out.grad!.data;
        const gx = gradBuffer(x);
        for (let o = 0; o < outer; o++)
          for (let i = 0; i < inner; i++) {
            const base = o * size * inner + i;
            let gs = 0;
            for (let k = 0; k < size; k++) gs += g[base + k * inner]!;
            // x.grad[k] += y.grad[k] − e^{y[k]} · Σ_j y.grad[j]
            for (let k = 0; k < size; k++) {
              const p = base + k * inner;
              gx[p] = gx[p]! + g[p]! - Math.exp(y[p]!) * gs;
            }
          }
      },
    };
  });
}
