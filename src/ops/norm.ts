/**
 * Batch normalisation over the channel dim 1 of [N, C], [N, C, L] or [N, C, H, W] input, as
 * PyTorch's F.batch_norm. With M = N·(spatial size) values per channel c:
 *   μ[c] = (1/M) Σ x[b,c,·],  σ²[c] = (1/M) Σ (x[b,c,·] − μ[c])²          (training: batch statistics)
 *   x̂[b,c,·] = (x[b,c,·] − μ[c]) / √(σ²[c] + ε),  y[b,c,·] = γ[c] · x̂[b,c,·] + β[c]
 * Training also updates the running statistics in place: running_mean ← (1−m)·running_mean + m·μ,
 * running_var ← (1−m)·running_var + m·σ²·M/(M−1) (unbiased). Evaluation uses the running statistics.
 * Backward (training): x.grad[b,c,·] += γ[c]/(M·√(σ²+ε)) · (M·y.grad − Σ y.grad − x̂ · Σ y.grad·x̂)
 *   γ.grad[c] += Σ y.grad[b,c,·] · x̂[b,c,·];  β.grad[c] += Σ y.grad[b,c,·]
 * Backward (evaluation): x.grad[b,c,·] += y.grad[b,c,·] · γ[c] / √(running_var[c] + ε)
 */
import { gradBuffer, runOp } from "../autograd.js";
import { countWork } from "../profile.js";
import { fmt, ShapeError } from "../shape.js";
import { Tensor } from "../tensor.js";
import { checkTensor, empty, outputArray, sameDType } from "./util.js";

/** Options of `batchNorm`: batch or running statistics, momentum of the running average, and epsilon. */
export interface BatchNormOptions {
  /** Use batch statistics (and update the running ones) — default true. */
  training?: boolean;
  /** Weight of the new batch statistic in the running average (default 0.1). */
  momentum?: number;
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
}

/**
 * fl.batchNorm(x, runningMean, runningVar, weight?, bias?, { training, momentum, eps }).
 * runningMean/runningVar may be null in training (no running statistics kept).
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight?: Tensor | null,
  bias?: Tensor | null,
  options: BatchNormOptions = {},
): Tensor {
  const op = "batchNorm";
  checkTensor(op, x);
  if (x.ndim < 2) throw new ShapeError(`${op}: input must be [N, C, ...] (rank ≥ 2), got ${fmt(x.shape)}`);
  const training = options.training ?? true;
  const momentum = options.momentum ?? 0.1;
  const eps = options.eps ?? 1e-5;
  if (!(eps > 0)) throw new RangeError(`${op}: eps must be positive, got ${eps}`);
  if (!(momentum >= 0 && momentum <= 1)) throw new RangeError(`${op}: momentum must be in [0, 1], got ${momentum}`);
  const N = x.shape[0]!;
  const C = x.shape[1]!;
  const S = x.size / Math.max(1, N * C); // spatial size
  const M = N * S;
  for (const [name, t] of [["runningMean", runningMean], ["runningVar", runningVar], ["weight", weight], ["bias", bias]] as const) {
    if (t && (t.ndim !== 1 || t.shape[0] !== C)) {
      throw new ShapeError(`${op}: ${name} ${fmt(t.shape)} does not match input ${fmt(x.shape)}: expected [${C}] (channels, dim 1)`);
    }
  }
  if (!training && (!runningMean || !runningVar)) throw new Error(`${op}: evaluation mode needs runningMean and runningVar`);
  if (training && M <= 1) throw new ShapeError(`${op}: training needs more than one value per channel, got input ${fmt(x.shape)}`);
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  sameDType(op, ...inputs);
  return runOp("batchNorm", inputs, () => {
    const xd = x.data;
    const mean = new Float64Array(C);
    const invStd = new Float64Array(C);
    let multiplies = 0;
    let adds = 0;
    if (training) {
      for (let c = 0; c < C; c++) {
        // μ[c] = (1/M) Σ x[b,c,·];  σ²[c] = (1/M) Σ (x[b,c,·] − μ[c])²
        let s = 0;
        for (let b = 0; b < N; b++) for (let q = 0, o = (b * C + c) * S; q < S; q++) s += xd[o + q]!;
        const mu = s / M;
        let v = 0;
        for (let b = 0; b < N; b++)
          for (let q = 0, o = (b * C + c) * S; q < S; q++) {
            const d = xd[o + q]! - mu;
            v += d * d;
          }
        const varB = v / M;
        mean[c] = mu;
        invStd[c] = 1 / Math.sqrt(varB + eps);
        if (runningMean) runningMean.data[c] = (1 - momentum) * runningMean.data[c]! + momentum * mu;
        if (runningVar) runningVar.data[c] = (1 - momentum) * runningVar.data[c]! + momentum * (v / (M - 1));
      }
      multiplies += M * C;
      adds += 3 * M * C;
    } else {
      for (let c = 0; c < C; c++) {
        mean[c] = runningMean!.data[c]!;
        invStd[c] = 1 / Math.sqrt(runningVar!.data[c]! + eps);
      }
    }
    // y[b,c,·] = γ[c] · (x[b,c,·] − μ[c]) · invStd[c] + β[c]
    const y = outputArray(x.dtype, x.size); // every element written below
    for (let c = 0; c < C; c++) {
      const g = weight ? weight.data[c]! : 1;
      const a = g * invStd[c]!;
      const sh = (bias ? bias.data[c]! : 0) - a * mean[c]!;
      for (let b = 0; b < N; b++) for (let q = 0, o = (b * C + c) * S; q < S; q++) y[o + q] = xd[o + q]! * a + sh;
    }
    multiplies += x.size;
    adds += x.size;
    return {
      out: new Tensor(y, x.shape),
      multiplies,
      adds,
      attrs: { training, eps, runningMean, runningVar, weight: weight ?? null, bias: bias ?? null },
      backward: (out) => {
        const gy = out.grad!.data;
        const gx = x.requiresGrad ? gradBuffer(x) : null;
        const gw = weight && weight.requiresGrad ? gradBuffer(weight) : null;
        const gb = bias && bias.requiresGrad ? gradBuffer(bias) : null;
        for (let c = 0; c < C; c++) {
          const mu = mean[c]!, is = invStd[c]!;
          const g = weight ? weight.data[c]! : 1;
          // Σ y.grad[b,c,·] and Σ y.grad[b,c,·] · x̂[b,c,·]
          let sg = 0, sgx = 0;
          for (let b = 0; b < N; b++)
            for (let q = 0, o = (b * C + c) * S; q < S; q++) {
              sg += gy[o + q]!;
              sgx += gy[o + q]! * (xd[o + q]! - mu) * is;
            }
          if (gw) gw[c] = gw[c]! + sgx;
          if (gb) gb[c] = gb[c]! + sg;
          if (!gx) continue;
          if (training) {
            // x.grad += γ·invStd/M · (M·y.grad − Σ y.grad − x̂ · Σ y.grad·x̂)
            const k = (g * is) / M;
            for (let b = 0; b < N; b++)
              for (let q = 0, o = (b * C + c) * S; q < S; q++) {
                const xh = (xd[o + q]! - mu) * is;
                gx[o + q] = gx[o + q]! + k * (M * gy[o + q]! - sg - xh * sgx);
              }
          } else {
            // x.grad += y.grad · γ · invStd(running)
            const k = g * is;
            for (let b = 0; b < N; b++) for (let q = 0, o = (b * C + c) * S; q < S; q++) gx[o + q] = gx[o + q]! + gy[o + q]! * k;
          }
        }
        countWork(x.size * (training ? 6 : 3), x.size * (training ? 6 : 3));
      },
    };
  });
}
