/** Gradient clipping by global norm (PyTorch's clip_grad_norm_). */
import type { Tensor } from "../tensor.js";

/**
 * Scale every gradient in place so that their joint L2 norm is at most `maxNorm`, and return the
 * norm before clipping: ‖g‖ = √(Σ_p Σ_k g_p[k]²); if ‖g‖ > maxNorm, g_p[k] ← g_p[k] · maxNorm / (‖g‖ + 1e−6).
 * Parameters without a gradient are skipped. A non-finite norm is returned as is and, with
 * `errorIfNonfinite`, raises.
 */
export function clipGradNorm_(params: Iterable<Tensor>, maxNorm: number, options: { errorIfNonfinite?: boolean } = {}): number {
  if (!(maxNorm >= 0)) throw new RangeError(`clipGradNorm_: maxNorm must be ≥ 0, got ${maxNorm}`);
  const grads = [...params].map((p) => p.grad).filter((g): g is Tensor => g !== null);
  let sq = 0;
  for (const g of grads) {
    const d = g.data;
    // ‖g‖² += Σ_k g[k]²
    for (let k = 0; k < d.length; k++) sq += d[k]! * d[k]!;
  }
  const total = Math.sqrt(sq);
  if (!Number.isFinite(total)) {
    if (options.errorIfNonfinite) throw new RangeError(`clipGradNorm_: the total gradient norm is ${total}`);
    return total;
  }
  const coef = maxNorm / (total + 1e-6);
  if (coef < 1) {
    for (const g of grads) {
      const d = g.data;
      // g[k] ← g[k] · maxNorm / (‖g‖ + ε)
      for (let k = 0; k < d.length; k++) d[k] = d[k]! * coef;
    }
  }
  return total;
}
