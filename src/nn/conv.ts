/**
 * nn.Conv2d: PyTorch's layout (weight [Cout, Cin, kH, kW], bias [Cout]) and default
 * initialisation (kaiming_uniform_ with a = √5, i.e. U(−1/√fan_in, 1/√fan_in), for weight and bias).
 */
import type { DType } from "../dtype.js";
import { conv2d, pair, type Conv2dPadding, type PaddingMode } from "../ops/conv.js";
import { generatorFor } from "../random.js";
import { zeros, type Tensor } from "../tensor.js";
import { uniform_, type InitOptions } from "./init.js";
import { Module } from "./module.js";
import { markLeafLayers } from "./internal-outputs.js";

/**
 * Options of `Conv2d`: stride, padding, padding mode, bias, dtype, and the seed or generator of the initial
 * weights.
 */
export interface Conv2dModuleOptions extends InitOptions {
  /** Step between output pixels: one number or [sh, sw] (default 1). */
  stride?: number | readonly [number, number];
  /** Padding on each side, "same" or "valid" (default 0). */
  padding?: Conv2dPadding;
  /** "zeros" (default) or "circular". */
  paddingMode?: PaddingMode;
  /** Learn an additive bias per output channel (default true). */
  bias?: boolean;
  /** Parameter dtype (default float32). */
  dtype?: DType;
}

/**
 * 2-D convolution layer: weight [Cout, Cin, kH, kW] and bias [Cout] with PyTorch's names and initialisation; see
 * `conv2d` for the equation.
 */
export class Conv2d extends Module {
  /** Input channels Cin. */
  readonly inChannels: number;
  /** Output channels Cout. */
  readonly outChannels: number;
  /** Kernel [kH, kW]. */
  readonly kernelSize: [number, number];
  /** Stride, one number or [sh, sw]. */
  readonly stride: number | readonly [number, number];
  /** Padding, as given to the constructor. */
  readonly padding: Conv2dPadding;
  /** "zeros" or "circular". */
  readonly paddingMode: PaddingMode;
  /** Weight [Cout, Cin, kH, kW]. */
  readonly weight: Tensor;
  /** Bias [Cout], or null without bias. */
  readonly bias: Tensor | null;

  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly [number, number], options: Conv2dModuleOptions = {}) {
    super();
    for (const [n, v] of [["inChannels", inChannels], ["outChannels", outChannels]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`Conv2d: ${n} must be a positive integer, got ${v}`);
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = pair("Conv2d", "kernelSize", kernelSize, 1);
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    this.paddingMode = options.paddingMode ?? "zeros";
    pair("Conv2d", "stride", this.stride, 1);
    const dtype = options.dtype ?? "float32";
    const [kh, kw] = this.kernelSize;
    const bound = 1 / Math.sqrt(inChannels * kh * kw);
    const init = { generator: options.generator ?? generatorFor(options.seed) };
    this.weight = this.param("weight", uniform_(zeros([outChannels, inChannels, kh, kw], { dtype }), -bound, bound, init));
    this.bias = options.bias === false ? null : this.param("bias", uniform_(zeros([outChannels], { dtype }), -bound, bound, init));
  }

  /** `conv2d` of x [B, Cin, H, W] with this layer's weight, bias and geometry. */
  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, paddingMode: this.paddingMode });
  }

  /**
   * max(`forward(x)`, 0) as one op, the ReLU in the convolution's epilogue (`conv2d` with
   * `activation: "relu"`): what nn.Sequential runs for this layer followed by an nn.ReLU.
   */
  forwardRelu(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, paddingMode: this.paddingMode, activation: "relu" });
  }
}

markLeafLayers(Conv2d);
