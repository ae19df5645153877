/**
 * Residual blocks: y = x + f(x) for any module f (registered as "body", so its parameters are
 * "body.weight", "body.0.weight", …). `residualConv` builds the seed's bare block
 * x + Conv(W, x) (Problem 5: N×N filter, C channels, "same" padding, no bias, no activation), and
 * `residualStack` L of them initialised with the seed's rule σ_w = √(ln 2/(L·N²·C)).
 */
import type { DType } from "../dtype.js";
import { add } from "../ops/elementwise.js";
import type { PaddingMode } from "../ops/conv.js";
import { generatorFor, type Generator } from "../random.js";
import { fmt, ShapeError } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { ReLU, Sequential } from "./basic.js";
import { Conv2d } from "./conv.js";
import { residualNormal_ } from "./init.js";
import { Module } from "./module.js";

/** y = x + body(x) for any module `body` (its parameters are named `body.…`). */
export class ResidualBlock extends Module {
  /** The residual branch f in y = x + f(x). */
  readonly body: Module;
  constructor(body: Module) {
    super();
    this.body = this.module("body", body);
  }
  /** x + body(x). */
  forward(x: Tensor): Tensor {
    const fx = this.body.forward(x) as Tensor;
    if (fx.shape.length !== x.shape.length || fx.shape.some((d, i) => d !== x.shape[i])) {
      throw new ShapeError(`ResidualBlock: the body maps ${fmt(x.shape)} to ${fmt(fx.shape)}; x + f(x) needs the same shape`);
    }
    return add(x, fx);
  }
}

/** Options of `residualConv` and `residualStack`: padding mode, a ReLU inside, seed or generator, dtype. */
export interface ResidualConvOptions {
  /** "zeros" (default) or "circular" (the seed's independence assumptions are exact on a torus). */
  paddingMode?: PaddingMode;
  /** x + relu(Conv(W, x)) instead of the bare x + Conv(W, x) (default false). */
  relu?: boolean;
  /**
   * Weight initialisation: a number L (N(0, σ²) with the seed's σ = √(ln 2/(L·N²·C)) for a stack of L),
   * "default" (PyTorch's Conv2d default), or an explicit standard deviation via { std }.
   */
  init?: number | "default" | { std: number };
  /** Seed of the initial weights. */
  seed?: number;
  /** A generator to draw the initial weights from (takes precedence over seed). */
  generator?: Generator;
  /** Parameter dtype (default float32). */
  dtype?: DType;
}

/** The seed's block x + Conv(W, x): C → C channels, N×N filter (odd N keeps the size with "same"), no bias. */
export function residualConv(channels: number, kernel: number, options: ResidualConvOptions = {}): ResidualBlock {
  const generator = options.generator ?? generatorFor(options.seed);
  const conv = new Conv2d(channels, channels, kernel, {
    padding: "same",
    paddingMode: options.paddingMode ?? "zeros",
    bias: false,
    dtype: options.dtype,
    generator,
  });
  const init = options.init ?? "default";
  if (typeof init === "number") residualNormal_(conv.weight, init, { generator });
  else if (typeof init === "object") {
    if (!(init.std >= 0)) throw new RangeError(`residualConv: init.std must be ≥ 0, got ${init.std}`);
    for (let i = 0; i < conv.weight.size; i++) conv.weight.data[i] = init.std * generator.normal();
  } else if (init !== "default") throw new RangeError(`residualConv: init must be a layer count L, "default" or { std }, got ${JSON.stringify(init)}`);
  return new ResidualBlock(options.relu ? new Sequential(conv, new ReLU()) : conv);
}

/**
 * L residual blocks x ← x + Conv(W^ℓ, x), each W^ℓ ~ N(0, ln 2/(L·N²·C)) unless `init` says
 * otherwise, so that the activation variance doubles over the stack (seed Problem 5).
 */
export function residualStack(layers: number, channels: number, kernel: number, options: ResidualConvOptions = {}): Sequential {
  if (!Number.isInteger(layers) || layers < 1) throw new RangeError(`residualStack: layers must be a positive integer, got ${layers}`);
  const generator = options.generator ?? generatorFor(options.seed);
  const blocks: ResidualBlock[] = [];
  for (let l = 0; l < layers; l++) blocks.push(residualConv(channels, kernel, { ...options, init: options.init ?? layers, generator }));
  return new Sequential(...blocks);
}

