/**
 * nn.LSTMCell with PyTorch's names, layout ([4H, ·], gate blocks in the order i, f, g, o) and equations:
 *
 *   i = σ(W_ii x + b_ii + W_hi h + b_hi)      input gate
 *   f = σ(W_if x + b_if + W_hf h + b_hf)      forget gate
 *   g = tanh(W_ig x + b_ig + W_hg h + b_hg)   candidate
 *   o = σ(W_io x + b_io + W_ho h + b_ho)      output gate
 *   c' = f ⊙ c + i ⊙ g
 *   h' = o ⊙ tanh(c')
 *
 * forward(x, [h, c]) → [h', c'], computed by one fused node (fused-step.ts; the gates in one kernel).
 */
import type { Tensor } from "../../tensor.js";
import { RecurrentCell, type CellOptions, type LSTMState } from "./cell.js";
import { fusedCellStep, type GateWeights } from "./fused-step.js";

/** Options of `LSTMCell`: CellOptions plus a forget-gate bias added after initialisation. */
export interface LSTMCellOptions extends CellOptions {
  /**
   * Added to the forget gate's bias (bias_ih[H:2H]) after initialisation; default 0, PyTorch's
   * initialisation. A value of 1 (Gers et al. 2000; Jozefowicz et al. 2015) starts the cell
   * remembering, which helps on long-range tasks.
   */
  forgetBias?: number;
}

/** The LSTM cell with PyTorch's names, layout (gate blocks i, f, g, o) and equations; its state is [h, c]. */
export class LSTMCell extends RecurrentCell<LSTMState> {
  /** Input weights [4H, I], gate blocks i, f, g, o. */
  readonly weight_ih: Tensor;
  /** Hidden weights [4H, H], gate blocks i, f, g, o. */
  readonly weight_hh: Tensor;
  /** Input biases [4H], or null without bias. */
  readonly bias_ih: Tensor | null;
  /** Hidden biases [4H], or null without bias. */
  readonly bias_hh: Tensor | null;

  constructor(inputSize: number, hiddenSize: number, options: LSTMCellOptions = {}) {
    super("LSTMCell", inputSize, hiddenSize, options);
    const gen = this.generator(options);
    const H = hiddenSize;
    this.weight_ih = this.param("weight_ih", this.uniformParam([4 * H, inputSize], gen));
    this.weight_hh = this.param("weight_hh", this.uniformParam([4 * H, H], gen));
    const bias = options.bias ?? true;
    this.bias_ih = bias ? this.param("bias_ih", this.uniformParam([4 * H], gen)) : null;
    this.bias_hh = bias ? this.param("bias_hh", this.uniformParam([4 * H], gen)) : null;
    const fb = options.forgetBias ?? 0;
    if (fb !== 0) {
      if (!this.bias_ih) throw new RangeError("LSTMCell: forgetBias needs the bias vectors (bias: false was given)");
      for (let k = H; k < 2 * H; k++) this.bias_ih.data[k] = this.bias_ih.data[k]! + fb;
    }
  }

  forward(x: Tensor, state: LSTMState): LSTMState {
    if (!Array.isArray(state) || state.length !== 2) {
      throw new TypeError("LSTMCell: state must be a pair [h, c] of [batch, hiddenSize] tensors");
    }
    const [h, c] = state;
    this.checkStep(x, [["h", h], ["c", c]]);
    const [hNext, cNext] = fusedCellStep("lstm", x, h, c, this.gateWeights()); // one node: both projections and the gates
    return [hNext, cNext!];
  }

  /** The projections' parameters in the fused step's form (see fused-step.ts). */
  gateWeights(): GateWeights {
    return { wx: this.weight_ih, wh: this.weight_hh, bx: this.bias_ih, bh: this.bias_hh };
  }

  initialState(batch: number): LSTMState {
    return [this.zeroState(batch), this.zeroState(batch)];
  }

  outputOf(state: LSTMState): Tensor {
    return state[0];
  }

  detachState(state: LSTMState): LSTMState {
    return [state[0].detach(), state[1].detach()];
  }
}
