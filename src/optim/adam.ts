/** Adam (L2 weight decay added to the gradient) and AdamW (decoupled weight decay), as in PyTorch. */
import type { Tensor } from "../tensor.js";
import { checkNonNegative, Optimizer, OptimizerError, readNumber, type HyperParams } from "./optimizer.js";

/** Options of `Adam` and `AdamW`: learning rate, betas, epsilon and weight decay. */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** (β1, β2), default (0.9, 0.999). */
  betas?: [number, number];
  /** ε, default 1e-8. */
  eps?: number;
  /** λ: default 0 for Adam, 0.01 for AdamW. */
  weightDecay?: number;
}

/** Adam (Kingma and Ba) with bias correction and optional L2 weight decay, as in PyTorch; AdamW decouples the decay. */
export class Adam extends Optimizer {
  /** β1, the decay of the first-moment average. */
  beta1: number;
  /** β2, the decay of the second-moment average. */
  beta2: number;
  /** ε, added to the denominator. */
  eps: number;
  /** Weight decay λ. */
  weightDecay: number;
  /** AdamW: decay the weights directly instead of adding λθ to the gradient. */
  protected readonly decoupled: boolean = false;

  constructor(params: Iterable<Tensor>, options: AdamOptions = {}, defaultWeightDecay = 0) {
    if (typeof options !== "object" || options === null) throw new OptimizerError(`${new.target.name}: options must be an object (or left out), got ${options === null ? "null" : typeof options}`);
    super(params, options.lr ?? 1e-3);
    [this.beta1, this.beta2] = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? defaultWeightDecay;
    this.check();
  }

  private check(): void {
    const kind = this.constructor.name;
    for (const [n, b] of [["betas[0]", this.beta1], ["betas[1]", this.beta2]] as const) {
      if (!(b >= 0 && b < 1)) throw new OptimizerError(`${kind}: ${n} must be in [0, 1), got ${b}`);
    }
    checkNonNegative(kind, "eps", this.eps);
    checkNonNegative(kind, "weightDecay", this.weightDecay);
  }

  // PyTorch's Adam / AdamW (torch.optim docs), per parameter θ with gradient g_t at step t:
  //   Adam:   if λ ≠ 0: g_t ← g_t + λ θ_{t−1}
  //   AdamW:  θ_t ← θ_{t−1} − γ λ θ_{t−1}
  //   m_t ← β1 m_{t−1} + (1 − β1) g_t
  //   v_t ← β2 v_{t−1} + (1 − β2) g_t²
  //   m̂_t ← m_t / (1 − β1^t),   v̂_t ← v_t / (1 − β2^t)
  //   θ_t ← θ_t − γ m̂_t / (√v̂_t + ε)
  protected update(i: number, p: Tensor, g: ArrayLike<number>): void {
    const { lr, beta1: b1, beta2: b2, eps, weightDecay: wd } = this;
    const stepT = this.buffer(i, "step", []);
    const t = stepT.data[0]! + 1;
    stepT.data[0] = t;
    const m = this.buffer(i, "exp_avg").data;
    const v = this.buffer(i, "exp_avg_sq").data;
    const c1 = 1 - Math.pow(b1, t);
    const c2 = 1 - Math.pow(b2, t);
    // γ m̂ / (√v̂ + ε) = (γ/c1) · m / (√v / √c2 + ε), grouped as PyTorch's addcdiv does it: one
    // division and one square root per element instead of three divisions
    const stepSize = lr / c1;
    const rootC2 = Math.sqrt(c2);
    const x = p.data;
    const n = x.length;
    const decoupled = this.decoupled;
    if (wd === 0) {
      // no decay term at all when λ = 0 (as PyTorch), in a loop free of the branch
      const a1 = 1 - b1, a2 = 1 - b2;
      for (let k = 0; k < n; k++) {
        const gk = g[k]!;
        // m[k] ← β1 m[k] + (1 − β1) g[k];  v[k] ← β2 v[k] + (1 − β2) g[k]²
        const mk = b1 * m[k]! + a1 * gk;
        const vk = b2 * v[k]! + a2 * gk * gk;
        m[k] = mk;
        v[k] = vk;
        // θ[k] ← θ[k] − (γ/c1) m[k] / (√v[k]/√c2 + ε)
        x[k] = x[k]! - (stepSize * mk) / (Math.sqrt(vk) / rootC2 + eps);
      }
      return;
    }
    for (let k = 0; k < n; k++) {
      let xk = x[k]!;
      let gk = g[k]!;
      if (decoupled) xk = xk - lr * wd * xk;
      else gk = gk + wd * xk;
      // m[k] ← β1 m[k] + (1 − β1) g[k];  v[k] ← β2 v[k] + (1 − β2) g[k]²
      const mk = b1 * m[k]! + (1 - b1) * gk;
      const vk = b2 * v[k]! + (1 - b2) * gk * gk;
      m[k] = mk;
      v[k] = vk;
      // θ[k] ← θ[k] − (γ/c1) m[k] / (√v[k]/√c2 + ε)
      x[k] = xk - (stepSize * mk) / (Math.sqrt(vk) / rootC2 + eps);
    }
  }

  hyper(): HyperParams {
    return { lr: this.lr, betas: [this.beta1, this.beta2], eps: this.eps, weightDecay: this.weightDecay };
  }

  protected setHyper(h: HyperParams): void {
    const kind = this.constructor.name;
    this.lr = readNumber(kind, h, "lr");
    const betas = h.betas;
    if (!Array.isArray(betas) || betas.length !== 2) throw new OptimizerError(`${kind}.loadStateDict: hyperparameter "betas" must be two numbers`);
    [this.beta1, this.beta2] = betas as [number, number];
    this.eps = readNumber(kind, h, "eps");
    this.weightDecay = readNumber(kind, h, "weightDecay");
    this.check();
  }

  protected stateNames(): string[] {
    return ["step", "exp_avg", "exp_avg_sq"];
  }
}

/** Adam with decoupled weight decay (Loshchilov & Hutter); weightDecay defaults to 0.01 as in PyTorch. */
export class AdamW extends Adam {
  protected override readonly decoupled: boolean = true;

  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    super(params, options, 0.01);
  }
}
