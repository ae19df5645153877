/** nn.Linear: y[n,o] = Σ_i x[n,i] · W[o,i] + b[o], with PyTorch's layout and default initialisation. */
import type { DType } from "../dtype.js";
import { linear } from "../ops/linalg.js";
import { generatorFor } from "../random.js";
import { zeros, type Tensor } from "../tensor.js";
import { uniform_, type InitOptions } from "./init.js";
import { Module } from "./module.js";
import { markLeafLayers } from "./internal-outputs.js";

/** Options of `Linear`: bias (default true), dtype, and the seed or generator of the initial weights. */
export interface LinearOptions extends InitOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** Parameter dtype (default float32). */
  dtype?: DType;
}

/** Dense layer y[b,o] = Σ_i weight[o,i]·x[b,i] + bias[o], with PyTorch's initialisation (weight [out, in]). */
export class Linear extends Module {
  /** Input features (the weight's second dimension). */
  readonly inFeatures: number;
  /** Output features (the weight's first dimension). */
  readonly outFeatures: number;
  /** Weight [out, in]. */
  readonly weight: Tensor;
  /** Bias [out], or null without bias. */
  readonly bias: Tensor | null;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    for (const [n, v] of [["inFeatures", inFeatures], ["outFeatures", outFeatures]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`Linear: ${n} must be a positive integer, got ${v}`);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const dtype = options.dtype ?? "float32";
    // PyTorch's default: U(−1/√in, 1/√in) for weight and bias
    const bound = 1 / Math.sqrt(inFeatures);
    const init = { generator: options.generator ?? generatorFor(options.seed) };
    this.weight = this.param("weight", uniform_(zeros([outFeatures, inFeatures], { dtype }), -bound, bound, init));
    this.bias = options.bias === false ? null : this.param("bias", uniform_(zeros([outFeatures], { dtype }), -bound, bound, init));
  }

  /** y = x·weightᵀ + bias over the last dimension of x. */
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

markLeafLayers(Linear);
