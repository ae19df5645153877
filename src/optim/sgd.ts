/** Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight decay, as in PyTorch. */
import type { Tensor } from "../tensor.js";
import { checkNonNegative, Optimizer, OptimizerError, readNumber, type HyperParams } from "./optimizer.js";

/** Options of `SGD`: learning rate, momentum μ, dampening τ, weight decay λ and Nesterov. */
export interface SGDOptions {
  /** Learning rate. */
  lr: number;
  /** μ (default 0). */
  momentum?: number;
  /** τ (default 0). */
  dampening?: number;
  /** λ, L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). */
  nesterov?: boolean;
}

/** Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight decay, as in PyTorch. */
export class SGD extends Optimizer {
  /** Momentum μ. */
  momentum: number;
  /** Dampening τ. */
  dampening: number;
  /** L2 weight decay λ. */
  weightDecay: number;
  /** Nesterov momentum. */
  nesterov: boolean;

  constructor(params: Iterable<Tensor>, options: SGDOptions) {
    super(params, sgdLr(options));
    this.momentum = options.momentum ?? 0;
    this.dampening = options.dampening ?? 0;
    this.weightDecay = options.weightDecay ?? 0;
    this.nesterov = options.nesterov ?? false;
    this.check();
  }

  private check(): void {
    checkNonNegative("SGD", "momentum", this.momentum);
    checkNonNegative("SGD", "dampening", this.dampening);
    checkNonNegative("SGD", "weightDecay", this.weightDecay);
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new OptimizerError(`SGD: nesterov needs momentum > 0 and dampening 0 (got momentum ${this.momentum}, dampening ${this.dampening})`);
    }
  }

  // PyTorch's SGD (torch.optim.SGD docs), per parameter θ with gradient g_t at step t:
  //   if λ ≠ 0:  g_t ← g_t + λ θ_{t−1}
  //   if μ ≠ 0:  b_t ← g_t                         (t = 1)
  //              b_t ← μ b_{t−1} + (1 − τ) g_t     (t > 1)
  //              g_t ← g_t + μ b_t  (nesterov)   or   g_t ← b_t
  //   θ_t ← θ_{t−1} − γ g_t
  protected update(i: number, p: Tensor, g: ArrayLike<number>): void {
    const { lr, momentum: mu, dampening: tau, weightDecay: wd, nesterov } = this;
    const x = p.data;
    const n = x.length;
    if (mu === 0 && wd === 0) {
      // θ[k] ← θ[k] − γ g[k]   (as PyTorch, no decay term at all when λ = 0)
      for (let k = 0; k < n; k++) x[k] = x[k]! - lr * g[k]!;
      return;
    }
    if (mu === 0) {
      // θ[k] ← θ[k] − γ (g[k] + λ θ[k])
      for (let k = 0; k < n; k++) x[k] = x[k]! - lr * (g[k]! + wd * x[k]!);
      return;
    }
    const first = !this.hasBuffer(i, "momentum_buffer");
    const b = this.buffer(i, "momentum_buffer").data;
    for (let k = 0; k < n; k++) {
      const gk = g[k]! + wd * x[k]!;
      // b[k] ← g[k] at t = 1, else μ b[k] + (1 − τ) g[k]
      const bk = first ? gk : mu * b[k]! + (1 - tau) * gk;
      b[k] = bk;
      // θ[k] ← θ[k] − γ (g[k] + μ b[k])  or  θ[k] − γ b[k]
      x[k] = x[k]! - lr * (nesterov ? gk + mu * b[k]! : b[k]!);
    }
  }

  hyper(): HyperParams {
    return { lr: this.lr, momentum: this.momentum, dampening: this.dampening, weightDecay: this.weightDecay, nesterov: this.nesterov };
  }

  protected setHyper(h: HyperParams): void {
    this.lr = readNumber("SGD", h, "lr");
    this.momentum = readNumber("SGD", h, "momentum");
    this.dampening = readNumber("SGD", h, "dampening");
    this.weightDecay = readNumber("SGD", h, "weightDecay");
    this.nesterov = h.nesterov === true;
    this.check();
  }

  protected stateNames(): string[] {
    return ["momentum_buffer"];
  }
}

/** SGD has no default learning rate: options { lr } are required. */
function sgdLr(options: SGDOptions | undefined): number {
  if (typeof options !== "object" || options === null) {
    throw new OptimizerError(`SGD: options must be an object with a learning rate, e.g. new SGD(params, { lr: 0.1 }) (SGD has no default lr); got ${options === null ? "null" : typeof options}`);
  }
  if (options.lr === undefined) throw new OptimizerError(`SGD: options.lr is required (SGD has no default learning rate)`);
  return options.lr;
}
