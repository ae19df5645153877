/**
 * nn.BatchNorm1d / nn.BatchNorm2d with PyTorch's state (weight, bias; buffers running_mean,
 * running_var, num_batches_tracked), momentum 0.1 and eps 1e-5 by default. Training normalises
 * with batch statistics and updates the running ones (variance unbiased); eval uses the running ones.
 */
import type { DType } from "../dtype.js";
import { batchNorm } from "../ops/norm.js";
import { fmt, ShapeError } from "../shape.js";
import { ones, zeros, type Tensor } from "../tensor.js";
import { Module } from "./module.js";
import { markLeafLayers } from "./internal-outputs.js";

/**
 * Options of the batch-norm layers: epsilon, momentum of the running statistics, affine γ and β, whether to
 * track running statistics, and dtype.
 */
export interface BatchNormModuleOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Weight of a new batch statistic in the running average (default 0.1). */
  momentum?: number;
  /** Learnable γ (weight, init 1) and β (bias, init 0) — default true. */
  affine?: boolean;
  /** Keep running statistics for eval (default true); without them eval uses batch statistics too. */
  trackRunningStats?: boolean;
  /** Parameter and buffer dtype (default float32). */
  dtype?: DType;
}

abstract class BatchNormBase extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number;
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly trackRunningStats: boolean;
  protected abstract readonly ranks: readonly number[];

  constructor(numFeatures: number, options: BatchNormModuleOptions = {}) {
    super();
    if (!Number.isInteger(numFeatures) || numFeatures < 1) throw new RangeError(`${this.constructor.name}: numFeatures must be a positive integer, got ${numFeatures}`);
    this.numFeatures = numFeatures;
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    const dtype = options.dtype ?? "float32";
    const affine = options.affine ?? true;
    this.weight = affine ? this.param("weight", ones([numFeatures], { dtype })) : null;
    this.bias = affine ? this.param("bias", zeros([numFeatures], { dtype })) : null;
    this.trackRunningStats = options.trackRunningStats ?? true;
    if (this.trackRunningStats) {
      this.buffer("running_mean", zeros([numFeatures], { dtype }));
      this.buffer("running_var", ones([numFeatures], { dtype }));
      // PyTorch keeps an int64 counter; fundl stores it as a float64 scalar (exact up to 2^53)
      this.buffer("num_batches_tracked", zeros([], { dtype: "float64" }));
    }
  }

  get runningMean(): Tensor | null {
    return this.trackRunningStats ? this.getBuffer("running_mean") : null;
  }
  get runningVar(): Tensor | null {
    return this.trackRunningStats ? this.getBuffer("running_var") : null;
  }

  forward(x: Tensor): Tensor {
    if (!this.ranks.includes(x.ndim)) {
      throw new ShapeError(`${this.constructor.name}: expected input of rank ${this.ranks.join(" or ")}, got ${fmt(x.shape)}`);
    }
    if (x.shape[1] !== this.numFeatures) {
      throw new ShapeError(`${this.constructor.name}: input ${fmt(x.shape)} has ${x.shape[1]} channels (dim 1), expected ${this.numFeatures}`);
    }
    const useBatch = this.training || !this.trackRunningStats;
    if (this.training && this.trackRunningStats) {
      const n = this.getBuffer("num_batches_tracked");
      n.data[0] = n.data[0]! + 1;
    }
    return batchNorm(x, this.runningMean, this.runningVar, this.weight, this.bias, {
      training: useBatch,
      momentum: this.training ? this.momentum : 0,
      eps: this.eps,
    });
  }
}

/** Over [N, C] or [N, C, L] input. */
export class BatchNorm1d extends BatchNormBase {
  protected readonly ranks = [2, 3] as const;
}

/** Over [N, C, H, W] input. */
export class BatchNorm2d extends BatchNormBase {
  protected readonly ranks = [4] as const;
}

markLeafLayers(BatchNorm1d, BatchNorm2d);
