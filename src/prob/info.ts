/**
 * Information theory on tensors: entropy, cross-entropy, KL divergence (from probabilities or from
 * logits) and the mutual information of a discrete joint table. All are differentiable; the
 * distribution runs along `dim` (default the last). Natural log by default; `{ base: 2 }` or
 * `{ unit: "bits" }` gives bits.
 *
 *   H(p)     = −Σ_k p[k] ln p[k]               (0 ln 0 = 0)
 *   H(p, q)  = −Σ_k p[k] ln q[k]
 *   KL(p‖q)  =  Σ_k p[k] (ln p[k] − ln q[k])   = H(p, q) − H(p)
 *   I(A; B)  =  H(A) + H(B) − H(A, B)          for a joint table p[a, b]
 */
import { gradBuffer, runOp } from "../autograd.js";
import { broadcastOffsets, broadcastShapes, normDim, sameShape, sizeOf } from "../shape.js";
import { Tensor, tensor, type NestedArray } from "../tensor.js";
import { div, exp, mul, neg, sub } from "../ops/elementwise.js";
import { sum } from "../ops/reduce.js";
import { logSoftmax } from "../ops/softmax.js";
import { reshape } from "../ops/view.js";

/** Units of an information quantity: a log base, or a named unit. */
export interface UnitOptions {
  /** Logarithm base (e.g. 2 for bits). Default e. */
  base?: number;
  /** "nats" (base e), "bits" (base 2) or "bans" (base 10). */
  unit?: "nats" | "bits" | "bans";
}

/** ln(base) for the chosen unit: divide a value in nats by this. */
export function logBase(options: UnitOptions = {}, where = "prob"): number {
  if (options.base !== undefined && options.unit !== undefined) {
    const implied = options.unit === "bits" ? 2 : options.unit === "bans" ? 10 : Math.E;
    if (Math.abs(implied - options.base) > 1e-12) throw new RangeError(`${where}: { base: ${options.base} } disagrees with { unit: "${options.unit}" }; give one`);
  }
  if (options.unit !== undefined) {
    if (options.unit === "nats") return 1;
    if (options.unit === "bits") return Math.LN2;
    if (options.unit === "bans") return Math.LN10;
    throw new RangeError(`${where}: unknown unit ${JSON.stringify(options.unit)}; expected "nats", "bits" or "bans"`);
  }
  const b = options.base ?? Math.E;
  if (!(b > 0) || b === 1 || !Number.isFinite(b)) throw new RangeError(`${where}: log base must be positive, finite and ≠ 1, got ${b}`);
  return b === Math.E ? 1 : Math.log(b);
}

/** Convert a value in nats to the requested unit (numbers). */
export function fromNats(nats: number, options: UnitOptions = {}, where = "prob"): number {
  return nats / logBase(options, where);
}

function scaleUnits(t: Tensor, options: UnitOptions, where: string): Tensor {
  const lb = logBase(options, where);
  return lb === 1 ? t : div(t, lb);
}

/** Options of functions of one distribution: the axis that holds it and whether to check that it sums to 1. */
export interface DistOptions extends UnitOptions {
  /** The axis holding the distribution (default −1). */
  dim?: number;
  /** Check that probabilities are ≥ 0 and sum to 1 along dim (default true; tolerance 1e-3 float32, 1e-6 float64). */
  check?: boolean;
}

/** Options of functions of two distributions (cross-entropy, KL divergence): which arguments are logits. */
export interface PairOptions extends DistOptions {
  /** Both arguments are logits (unnormalised log-probabilities along dim). */
  logits?: boolean;
  /** Only p is logits. */
  pLogits?: boolean;
  /** Only q is logits (the common case: p a target distribution, q a model's logits). */
  qLogits?: boolean;
}

function asInput(x: Tensor | NestedArray, where: string, what: string): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === "number" || Array.isArray(x)) return tensor(x, undefined, { dtype: "float64" });
  throw new TypeError(`${where}: ${what} must be a Tensor or (nested) array of numbers, got ${typeof x}`);
}

/** Throw unless p ≥ 0 and Σ_dim p = 1 (within tolerance). */
function checkProbabilities(p: Tensor, dim: number, where: string, what: string): void {
  if (p.ndim === 0) throw new RangeError(`${where}: ${what} must have at least one dimension (the distribution's axis)`);
  const d = normDim(where, dim, p.ndim);
  const size = p.shape[d]!;
  const inner = sizeOf(p.shape.slice(d + 1));
  const outer = sizeOf(p.shape.slice(0, d));
  const tol = p.dtype === "float64" ? 1e-6 : 1e-3;
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      let s = 0;
      for (let k = 0; k < size; k++) {
        const v = p.data[(o * size + k) * inner + i]!;
        if (!(v >= 0)) throw new RangeError(`${where}: ${what} has a negative or NaN probability ${v} (shape [${p.shape.join(", ")}], dim ${d}); pass logits with { logits: true }?`);
        s += v;
      }
      if (Math.abs(s - 1) > tol) {
        throw new RangeError(`${where}: ${what} sums to ${s} along dim ${d} (shape [${p.shape.join(", ")}]), not 1; normalise it, pass logits with { logits: true }, or { check: false }`);
      }
    }
}

/**
 * z = x · ln y elementwise (broadcasting), with z = 0 wherever x = 0 (so 0 ln 0 = 0).
 *   x.grad[i] += z.grad[i] · ln y[i]      y.grad[i] += z.grad[i] · x[i] / y[i]   (0 where x[i] = 0)
 */
export function xlogy(x: Tensor, y: Tensor): Tensor {
  if (x.dtype !== y.dtype) throw new TypeError(`xlogy: dtype mismatch: x is ${x.dtype}, y is ${y.dtype}`);
  const shape = broadcastShapes("xlogy", x.shape, y.shape);
  const n = sizeOf(shape);
  const ix = broadcastOffsets(x.shape, shape);
  const iy = broadcastOffsets(y.shape, shape);
  return runOp("xlogy", [x, y], () => {
    const out = new Tensor(x.dtype === "float64" ? new Float64Array(n) : new Float32Array(n), shape);
    const xd = x.data;
    const yd = y.data;
    // z[i] = x[i] · ln y[i]   (0 where x[i] = 0)
    for (let i = 0; i < n; i++) {
      const xv = xd[ix[i]!]!;
      out.data[i] = xv === 0 ? 0 : xv * Math.log(yd[iy[i]!]!);
    }
    return {
      out,
      multiplies: n,
      extra: { logs: n },
      backward: (z) => {
        const g = z.grad!.data;
        if (x.requiresGrad) {
          const gx = gradBuffer(x);
          // x.grad[i] += z.grad[i] · ln y[i]
          for (let i = 0; i < n; i++) gx[ix[i]!] += g[i]! * Math.log(yd[iy[i]!]!);
        }
        if (y.requiresGrad) {
          const gy = gradBuffer(y);
          // y.grad[i] += z.grad[i] · x[i] / y[i]
          for (let i = 0; i < n; i++) {
            const xv = xd[ix[i]!]!;
            if (xv !== 0) gy[iy[i]!] += (g[i]! * xv) / yd[iy[i]!]!;
          }
        }
      },
    };
  });
}

/**
 * Entropy H(p) = −Σ_k p[k] ln p[k] along `dim` (reduced away). With `{ logits: true }` the input is
 * logits and p = softmax(logits). Differentiable; where p[k] = 0 the gradient is the limit +∞.
 */
export function entropy(p: Tensor | NestedArray, options: DistOptions & { logits?: boolean } = {}): Tensor {
  const dim = options.dim ?? -1;
  const t = asInput(p, "entropy", "p");
  if (t.ndim === 0) throw new RangeError("entropy: p must have at least one dimension (the distribution's axis)");
  let h: Tensor;
  if (options.logits) {
    const lp = logSoftmax(t, dim);
    h = neg(sum(mul(exp(lp), lp), dim));
  } else {
    if (options.check !== false) checkProbabilities(t, dim, "entropy", "p");
    h = neg(sum(xlogy(t, t), dim));
  }
  return scaleUnits(h, options, "entropy");
}

function logOf(t: Tensor, isLogits: boolean, dim: number): Tensor | null {
  return isLogits ? logSoftmax(t, dim) : null;
}

/** Cross-entropy H(p, q) = −Σ_k p[k] ln q[k] along `dim`. Differentiable in both. */
export function crossEntropy(p: Tensor | NestedArray, q: Tensor | NestedArray, options: PairOptions = {}): Tensor {
  const dim = options.dim ?? -1;
  const [tp, tq] = pair("crossEntropy", p, q);
  const pl = options.logits || options.pLogits || false;
  const ql = options.logits || options.qLogits || false;
  if (options.check !== false) {
    if (!pl) checkProbabilities(tp, dim, "crossEntropy", "p");
    if (!ql) checkProbabilities(tq, dim, "crossEntropy", "q");
  }
  const lq = logOf(tq, ql, dim);
  const pp = pl ? exp(logSoftmax(tp, dim)) : tp;
  // −Σ p ln q : with q as logits, p·logSoftmax(q) (0·(−∞) cannot occur: logSoftmax is finite)
  const h = lq ? neg(sum(mul(pp, lq), dim)) : neg(sum(xlogy(pp, tq), dim));
  return scaleUnits(h, options, "crossEntropy");
}

/** KL(p‖q) = Σ_k p[k] (ln p[k] − ln q[k]) along `dim`. Differentiable in both; +∞ where q = 0 < p. */
export function kl(p: Tensor | NestedArray, q: Tensor | NestedArray, options: PairOptions = {}): Tensor {
  const dim = options.dim ?? -1;
  const [tp, tq] = pair("kl", p, q);
  const pl = options.logits || options.pLogits || false;
  const ql = options.logits || options.qLogits || false;
  if (options.check !== false) {
    if (!pl) checkProbabilities(tp, dim, "kl", "p");
    if (!ql) checkProbabilities(tq, dim, "kl", "q");
  }
  let d: Tensor;
  if (pl) {
    const lp = logSoftmax(tp, dim);
    const lq = ql ? logSoftmax(tq, dim) : null;
    const pp = exp(lp);
    d = lq ? sum(mul(pp, sub(lp, lq)), dim) : sub(sum(mul(pp, lp), dim), sum(xlogy(pp, tq), dim));
  } else {
    const plogp = sum(xlogy(tp, tp), dim);
    const plogq = ql ? sum(mul(tp, logSoftmax(tq, dim)), dim) : sum(xlogy(tp, tq), dim);
    d = sub(plogp, plogq);
  }
  return scaleUnits(d, options, "kl");
}

function pair(where: string, p: Tensor | NestedArray, q: Tensor | NestedArray): [Tensor, Tensor] {
  const tp = asInput(p, where, "p");
  const tq = asInput(q, where, "q");
  if (tp.dtype !== tq.dtype) throw new TypeError(`${where}: dtype mismatch: p is ${tp.dtype}, q is ${tq.dtype}; convert one with .to()`);
  if (!sameShape(tp.shape, tq.shape)) broadcastShapes(where, tp.shape, tq.shape); // throws a named shape error
  return [tp, tq];
}

/** Options of `mutualInformation`: whether to normalise the table first, and the unit. */
export interface MutualInformationOptions extends UnitOptions {
  /** Divide the table by its sum first (so counts can be passed). Default false: it must sum to 1. */
  normalize?: boolean;
}

/**
 * Mutual information of a discrete joint table p[a, b] (2-D):
 *   I(A; B) = Σ_{a,b} p[a,b] ln( p[a,b] / (p[a] p[b]) ) = H(A) + H(B) − H(A, B).
 * Differentiable in the table. `{ normalize: true }` accepts counts.
 */
export function mutualInformation(joint: Tensor | NestedArray, options: MutualInformationOptions = {}): Tensor {
  let p = asInput(joint, "mutualInformation", "joint");
  if (p.ndim !== 2) throw new RangeError(`mutualInformation: the joint table must be 2-D [A, B], got shape [${p.shape.join(", ")}]`);
  if (options.normalize) p = div(p, sum(p));
  const flat = reshape(p, [p.size]);
  checkProbabilities(flat, 0, "mutualInformation", "the joint table");
  const pa = sum(p, 1, true); // [A, 1]
  const pb = sum(p, 0, true); // [1, B]
  // I = Σ p ln p − Σ p ln p[a] − Σ p ln p[b]
  const i = sub(sub(sum(xlogy(p, p)), sum(xlogy(p, pa))), sum(xlogy(p, pb)));
  return scaleUnits(i, options, "mutualInformation");
}
