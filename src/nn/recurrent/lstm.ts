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
 * forward(x, [h, c]) → [h', c'].
 */
import { add, mul, sigmoid, tanh } from "../../ops/elementwise.js";
import { linear } from "../../ops/linalg.js";
import { slice } from "../../ops/view.js";
import type { Tensor } from "../../tensor.js";
import { RecurrentCell, type CellOptions, type LSTMState } from "./cell.js";

export class LSTMCell extends RecurrentCell<LSTMState> {
  readonly weight_ih: Tensor;
  readonly weight_hh: Tensor;
  readonly bias_ih: Tensor | null;
  readonly bias_hh: Tensor | null;

  constructor(inputSize: number, hiddenSize: number, options: CellOptions = {}) {
    super("LSTMCell", inputSize, hiddenSize, options);
    const gen = this.generator(options);
    const H = hiddenSize;
    this.weight_ih = this.param("weight_ih", this.uniformParam([4 * H, inputSize], gen));
    this.weight_hh = this.param("weight_hh", this.uniformParam([4 * H, H], gen));
    const bias = options.bias ?? true;
    this.bias_ih = bias ? this.param("bias_ih", this.uniformParam([4 * H], gen)) : null;
    this.bias_hh = bias ? this.param("bias_hh", this.uniformParam([4 * H], gen)) : null;
  }

  forward(x: Tensor, state: LSTMState): LSTMState {
    if (!Array.isArray(state) || state.length !== 2) {
      throw new TypeError("LSTMCell: state must be a pair [h, c] of [batch, hiddenSize] tensors");
    }
    const [h, c] = state;
    this.checkStep(x, [["h", h], ["c", c]]);
    const H = this.hiddenSize;
    const gates = add(linear(x, this.weight_ih, this.bias_ih), linear(h, this.weight_hh, this.bias_hh)); // [B, 4H]
    const block = (k: number): Tensor => slice(gates, 1, k * H, (k + 1) * H);
    const i = sigmoid(block(0));
    const f = sigmoid(block(1));
    const g = tanh(block(2));
    const o = sigmoid(block(3));
    const cNext = add(mul(f, c), mul(i, g));
    const hNext = mul(o, tanh(cNext));
    return [hNext, cNext];
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
