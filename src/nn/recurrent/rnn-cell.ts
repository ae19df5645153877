/**
 * nn.RNNCell — the vanilla (Elman) cell with PyTorch's names, layout and equation:
 *
 *   h'[b,c] = tanh( Σ_j weight_ih[c,j]·x[b,j] + bias_ih[c] + Σ_k weight_hh[c,k]·h[b,k] + bias_hh[c] )
 *
 * weight_ih is [H, I], weight_hh is [H, H]; `nonlinearity: "relu"` swaps tanh for relu, as in PyTorch.
 */
import { add, relu, tanh } from "../../ops/elementwise.js";
import { linear } from "../../ops/linalg.js";
import type { Tensor } from "../../tensor.js";
import { SingleStateCell, type CellOptions } from "./cell.js";

/** Options of `RNNCell`: the nonlinearity ("tanh", the default, or "relu"). */
export interface RNNCellOptions extends CellOptions {
  /** "tanh" (default) or "relu". */
  nonlinearity?: "tanh" | "relu";
}

/**
 * The vanilla (Elman) cell h' = tanh(W_ih x + b_ih + W_hh h + b_hh) with PyTorch's names and layout (relu
 * instead of tanh on request).
 */
export class RNNCell extends SingleStateCell {
  /** Input weight [H, I]. */
  readonly weight_ih: Tensor;
  /** Hidden weight [H, H]. */
  readonly weight_hh: Tensor;
  /** Input bias [H], or null without bias. */
  readonly bias_ih: Tensor | null;
  /** Hidden bias [H], or null without bias. */
  readonly bias_hh: Tensor | null;
  /** "tanh" or "relu". */
  readonly nonlinearity: "tanh" | "relu";

  constructor(inputSize: number, hiddenSize: number, options: RNNCellOptions = {}) {
    super("RNNCell", inputSize, hiddenSize, options);
    this.nonlinearity = options.nonlinearity ?? "tanh";
    if (this.nonlinearity !== "tanh" && this.nonlinearity !== "relu") {
      throw new RangeError(`RNNCell: nonlinearity must be "tanh" or "relu", got "${String(options.nonlinearity)}"`);
    }
    const gen = this.generator(options);
    const H = hiddenSize;
    // PyTorch's registration (and initialisation) order: weight_ih, weight_hh, bias_ih, bias_hh
    this.weight_ih = this.param("weight_ih", this.uniformParam([H, inputSize], gen));
    this.weight_hh = this.param("weight_hh", this.uniformParam([H, H], gen));
    const bias = options.bias ?? true;
    this.bias_ih = bias ? this.param("bias_ih", this.uniformParam([H], gen)) : null;
    this.bias_hh = bias ? this.param("bias_hh", this.uniformParam([H], gen)) : null;
  }

  forward(x: Tensor, h: Tensor): Tensor {
    this.checkStep(x, [["h", h]]);
    const pre = add(linear(x, this.weight_ih, this.bias_ih), linear(h, this.weight_hh, this.bias_hh));
    return this.nonlinearity === "tanh" ? tanh(pre) : relu(pre);
  }
}
