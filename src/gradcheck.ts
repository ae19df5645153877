/**
 * Gradient checking as a public tool: compare autograd's gradients with central finite
 * differences, in float64. A non-scalar output y is reduced to Σ y·r with a fixed random r.
 */
import { noGrad } from "./autograd.js";
import { Generator } from "./random.js";
import { Tensor } from "./tensor.js";

/** Options of `gradcheck`: finite-difference step and tolerances. */
export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Allowed |analytic − numeric| ≤ atol + rtol·|numeric| (defaults 1e-5 and 1e-3). */
  atol?: number;
  rtol?: number;
  /** Check at most this many elements per input (chosen evenly); default all. */
  maxElements?: number;
}

/**
 * The element of a gradient check nearest to (or furthest past) its tolerance: input, index, both gradients and
 * their error.
 */
export interface GradcheckWorst {
  /** Which input (its position in the list). */
  input: number;
  /** The element's index in that input. */
  index: number[];
  /** The gradient from backward. */
  analytic: number;
  /** The central finite difference. */
  numeric: number;
  /** |analytic − numeric|. */
  error: number;
}

/**
 * What `gradcheck` returns: whether every analytic gradient matched finite differences, the largest error, and
 * the worst element.
 */
export interface GradcheckResult {
  /** True when every analytic gradient element is within tolerance of its finite difference. */
  ok: boolean;
  /** The largest |analytic − numeric| over every checked element. */
  maxError: number;
  /** The element that came closest to (or furthest past) the tolerance. */
  worst: GradcheckWorst | null;
}

function unravel(i: number, shape: readonly number[]): number[] {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(i % shape[d]!);
    i = Math.floor(i / shape[d]!);
  }
  return idx;
}

/**
 * Check `fn`'s gradients with respect to every input. Inputs are copied to float64 leaves that
 * require grad; `fn` must be deterministic and build its output from them.
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], options: GradcheckOptions = {}): GradcheckResult {
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-3;
  const xs = inputs.map((t) => new Tensor(Float64Array.from(t.data), t.shape, true));
  const probe = fn(...xs);
  if (!(probe instanceof Tensor)) throw new TypeError("gradcheck: fn must return a Tensor");
  if (probe.dtype !== "float64") throw new TypeError("gradcheck: fn's output is not float64; build it from the (float64) inputs it is given");
  const gen = new Generator(12345);
  const r = Float64Array.from({ length: probe.size }, () => gen.normal());
  const project = (y: Tensor): number => {
    let s = 0;
    for (let i = 0; i < y.size; i++) s += y.data[i]! * r[i]!;
    return s;
  };
  // analytic: backward of Σ y·r
  if (!probe.requiresGrad) throw new Error("gradcheck: fn's output does not depend on any input through differentiable ops");
  probe.backward(new Tensor(Float64Array.from(r), probe.shape));
  let maxError = 0;
  let worst: GradcheckWorst | null = null;
  let worstRatio = -1;
  let ok = true;
  noGrad(() => {
    xs.forEach((x, k) => {
      const analytic = x.grad?.data ?? new Float64Array(x.size);
      const step = options.maxElements && x.size > options.maxElements ? x.size / options.maxElements : 1;
      for (let f = 0; f < x.size; f += step) {
        const i = Math.floor(f);
        const saved = x.data[i]!;
        x.data[i] = saved + eps;
        const plus = project(fn(...xs));
        x.data[i] = saved - eps;
        const minus = project(fn(...xs));
        x.data[i] = saved;
        const numeric = (plus - minus) / (2 * eps);
        const err = Math.abs(analytic[i]! - numeric);
        const ratio = err / (atol + rtol * Math.abs(numeric));
        if (!(ratio <= 1)) ok = false;
        if (err > maxError || Number.isNaN(err)) maxError = Number.isNaN(err) ? NaN : err;
        if (ratio > worstRatio || Number.isNaN(ratio)) {
          worstRatio = Number.isNaN(ratio) ? Infinity : ratio;
          worst = { input: k, index: unravel(i, x.shape), analytic: analytic[i]!, numeric, error: err };
        }
      }
    });
  });
  return { ok, maxError, worst };
}
