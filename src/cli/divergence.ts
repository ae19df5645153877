/**
 * A divergence guard for training loops: it stops a run whose loss explodes (NaN, ±Inf, or more
 * than `lossFactor` times its first value) or whose gradients, parameters or optimiser state stop
 * being finite, with a DivergenceError that says where and what. Training code calls its checks
 * before it saves, so a diverged model never replaces the last good checkpoint.
 */
import type { Tensor } from "../tensor.js";
import type { Optimizer } from "../optim/optimizer.js";
import { firstNonFinite } from "../finite.js";

/** Training diverged; the message names the task, epoch, step and what stopped being sane. */
export class DivergenceError extends Error {
  override name = "DivergenceError";
}

/** Options of DivergenceGuard. */
export interface DivergenceGuardOptions {
  /** The loss may grow to this multiple of max(first loss, 1) before the run counts as diverged (default 100). */
  lossFactor?: number;
  /** Appended to every message (e.g. which checkpoint still holds the last good epoch); a function is asked when the run stops. */
  note?: string | (() => string | undefined);
}

/** Checks one training run; see the module comment. */
export class DivergenceGuard {
  private firstLoss: number | null = null;
  readonly lossFactor: number;

  constructor(
    private readonly task: string,
    private readonly params: readonly (readonly [string, Tensor])[],
    private readonly optimizer: Optimizer,
    private readonly options: DivergenceGuardOptions = {},
  ) {
    this.lossFactor = options.lossFactor ?? 100;
    if (!(this.lossFactor > 1) || !Number.isFinite(this.lossFactor)) throw new RangeError(`DivergenceGuard: lossFactor must be a finite number > 1, got ${this.lossFactor}`);
  }

  private fail(at: string, problem: string): never {
    const n = this.options.note;
    const note = typeof n === "function" ? n() : n;
    throw new DivergenceError(`${this.task}: ${problem} at ${at}; training diverged and stopped${note ? ` (${note})` : ""}`);
  }

  /** The loss must be finite and at most lossFactor × max(first loss of this run, 1). */
  checkLoss(loss: number, at: string): void {
    if (!Number.isFinite(loss)) this.fail(at, `the loss became ${loss}`);
    if (this.firstLoss === null) this.firstLoss = loss;
    const limit = this.lossFactor * Math.max(Math.abs(this.firstLoss), 1);
    if (loss > limit) this.fail(at, `the loss ${loss.toPrecision(4)} exceeds ${this.lossFactor}× its first value ${this.firstLoss.toPrecision(4)} (an exploding loss; try a smaller learning rate, now ${this.optimizer.lr})`);
  }

  /** Every gradient value must be finite. */
  checkGradients(at: string): void {
    for (const [name, p] of this.params) {
      if (!p.grad) continue;
      const k = firstNonFinite(p.grad.data);
      if (k >= 0) this.fail(at, `the gradient of ${name} holds ${p.grad.data[k]} (element ${k})`);
    }
  }

  /** Every parameter value and every optimiser state value (moments, step counts) must be finite. */
  checkParametersAndState(at: string): void {
    for (const [name, p] of this.params) {
      const k = firstNonFinite(p.data);
      if (k >= 0) this.fail(at, `parameter ${name} holds ${p.data[k]} (element ${k})`);
    }
    const bad = this.optimizer.firstNonFiniteState();
    if (bad) {
      const i = Number(bad.key.split(".")[0]);
      this.fail(at, `the optimiser state ${bad.key} (of parameter ${this.params[i]?.[0] ?? i}) holds ${bad.value} (element ${bad.index}); those parameters would never move again`);
    }
  }
}
