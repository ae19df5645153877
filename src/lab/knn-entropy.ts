/**
 * The Kozachenko–Leonenko k-nearest-neighbour estimator of differential entropy for 1-D samples,
 * which uses the samples alone (no density):
 *
 *   Ĥ = ψ(n) − ψ(k) + ln 2 + (1/n) Σ_i ln ε_i,   ε_i = distance from x_i to its k-th nearest neighbour
 *
 * (ln 2 = ln of the volume of the unit ball in one dimension). Uncertainty as for fl.prob's KSG:
 * the estimator is run on 10 disjoint subsamples and stderr = sd(subsample estimates)/√10.
 */
import { digamma } from "../prob/ksg.js";
import { meanSe } from "./stats.js";

/** Ĥ on one sample (at least k + 1 values). */
export function klEntropy1d(xs: ArrayLike<number>, k = 3): number {
  const n = xs.length;
  if (n <= k) throw new RangeError(`klEntropy1d: needs more than k = ${k} samples, got ${n}`);
  const s = Float64Array.from(xs).sort();
  let sumLog = 0;
  for (let i = 0; i < n; i++) {
    // merge outwards from i: the k-th nearest of the left and right neighbours
    let l = i - 1;
    let r = i + 1;
    let eps = 0;
    for (let m = 0; m < k; m++) {
      const dl = l >= 0 ? s[i]! - s[l]! : Infinity;
      const dr = r < n ? s[r]! - s[i]! : Infinity;
      if (dl <= dr) (eps = dl), l--;
      else (eps = dr), r++;
    }
    if (eps === 0) throw new RangeError("klEntropy1d: two samples coincide (a k-NN distance of 0)");
    sumLog += Math.log(eps);
  }
  return digamma(n) - digamma(k) + Math.LN2 + sumLog / n;
}

/** Ĥ on all samples with a standard error from `blocks` disjoint subsamples (the samples must be i.i.d.). */
export function klEntropy(xs: ArrayLike<number>, k = 3, blocks = 10): { estimate: number; stderr: number; n: number } {
  const n = xs.length;
  const size = Math.floor(n / blocks);
  const per: number[] = [];
  for (let b = 0; b < blocks; b++) per.push(klEntropy1d(Array.prototype.slice.call(xs, b * size, (b + 1) * size) as number[], k));
  return { estimate: klEntropy1d(xs, k), stderr: meanSe(per).se, n };
}
