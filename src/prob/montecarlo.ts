/**
 * Monte-Carlo estimates with a standard error.
 *   E[f] ≈ (1/n) Σ_i f(x_i),  stderr = s / √n  with s² the unbiased sample variance (i.i.d. samples)
 *   H(p) = E_{x∼p}[−ln p(x)]  — differential entropy from samples of p and its log-density.
 * For correlated samples (a Markov chain, e.g. Gibbs) `batchMeans` gives an honest stderr.
 */
import { noGrad } from "../autograd.js";
import { Tensor } from "../tensor.js";
import { fromNats, type UnitOptions } from "./info.js";

/** A Monte Carlo estimate with its standard error and the number of samples behind it. */
export interface Estimate {
  /** The estimated value. */
  estimate: number;
  /** Its standard error. */
  stderr: number;
  /** Number of samples (or batches, for batchMeans) the stderr is based on. */
  n: number;
}

function values(v: Tensor | ArrayLike<number>, where: string): ArrayLike<number> {
  const a = v instanceof Tensor ? v.data : v;
  if (a.length < 2) throw new RangeError(`${where}: needs at least 2 values for a standard error, got ${a.length}`);
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) throw new RangeError(`${where}: value ${i} is ${a[i]} (not finite)`);
  return a;
}

/** Mean of i.i.d. values with its standard error s/√n. */
export function mcMean(v: Tensor | ArrayLike<number>): Estimate {
  const a = values(v, "mcMean");
  const n = a.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += a[i]!;
  m /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (a[i]! - m) ** 2;
  return { estimate: m, stderr: Math.sqrt(ss / (n - 1) / n), n };
}

/**
 * Mean of a correlated sequence with the batch-means standard error: split into `batches`
 * contiguous batches (default ⌊√n⌋, at least 2), and take stderr = sd(batch means)/√batches.
 * Valid when each batch is much longer than the sequence's autocorrelation time.
 */
export function batchMeans(v: Tensor | ArrayLike<number>, batches?: number): Estimate {
  const a = values(v, "batchMeans");
  const n = a.length;
  const b = batches ?? Math.max(2, Math.floor(Math.sqrt(n)));
  if (!Number.isInteger(b) || b < 2 || b > n) throw new RangeError(`batchMeans: batches must be an integer in [2, ${n}], got ${b}`);
  const len = Math.floor(n / b);
  const means = new Float64Array(b);
  for (let k = 0; k < b; k++) {
    let s = 0;
    for (let i = k * len; i < (k + 1) * len; i++) s += a[i]!;
    means[k] = s / len;
  }
  const r = mcMean(means);
  let total = 0;
  for (let i = 0; i < n; i++) total += a[i]!;
  return { estimate: total / n, stderr: r.stderr, n: b };
}

/**
 * Differential entropy H(p) = E[−ln p(x)] from samples x_i ∼ p and a vectorised log-density
 * (`logDensity(samples)` → one value per sample, first dimension of `samples`).
 * Returns { estimate, stderr, n } in nats (or the requested unit).
 */
export function mcEntropy(samples: Tensor, logDensity: (x: Tensor) => Tensor | ArrayLike<number>, options: UnitOptions = {}): Estimate {
  if (!(samples instanceof Tensor) || samples.ndim < 1) throw new TypeError("mcEntropy: samples must be a Tensor whose first dimension indexes the samples");
  const n = samples.shape[0]!;
  const lp = noGrad(() => logDensity(samples));
  const arr = lp instanceof Tensor ? lp.data : lp;
  if (arr.length !== n) throw new RangeError(`mcEntropy: logDensity returned ${arr.length} values for ${n} samples (shape [${samples.shape.join(", ")}])`);
  const neg = new Float64Array(n);
  for (let i = 0; i < n; i++) neg[i] = -arr[i]!;
  const r = mcMean(neg);
  return { estimate: fromNats(r.estimate, options, "mcEntropy"), stderr: fromNats(r.stderr, options, "mcEntropy"), n };
}
