/**
 * nn.GRUCell with PyTorch's names, layout ([3H, ·], gate blocks in the order r, z, n) and equations:
 *
 *   r = σ(W_ir x + b_ir + W_hr h + b_hr)
 *   z = σ(W_iz x + b_iz + W_hz h + b_hz)
 *   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))      (r multiplies the hidden part only, bias included)
 *   h' = (1 − z) ⊙ n + z ⊙ h
 *
 * where W_ir = weight_ih[0:H], W_iz = weight_ih[H:2H], W_in = weight_ih[2H:3H] (and likewise for
 * weight_hh, bias_ih, bias_hh). The last line is the UGRNN state update with f = z and d = n, so it
 * runs through the same hand-written op.
 */
import { add, mul, sigmoid, tanh } from "../../ops/elementwise.js";
import { linear } from "../../ops/linalg.js";
import { ugrnnUpdate } from "../../ops/ugrnn-update.js";
import { slice } from "../../ops/view.js";
import type { Tensor } from "../../tensor.js";
import { SingleStateCell, type CellOptions } from "./cell.js";

export class GRUCell extends SingleStateCell {
  readonly weight_ih: Tensor;
  readonly weight_hh: Tensor;
  readonly bias_ih: Tensor | null;
  readonly bias_hh: Tensor | null;

  constructor(inputSize: number, hiddenSize: number, options: CellOptions = {}) {
    super("GRUCell", inputSize, hiddenSize, options);
    const gen = this.generator(options);
    const H = hiddenSize;
    this.weight_ih = this.param("weight_ih", this.uniformParam([3 * H, inputSize], gen));
    this.weight_hh = this.param("weight_hh", this.uniformParam([3 * H, H], gen));
    const bias = options.bias ?? true;
    this.bias_ih = bias ? this.param("bias_ih", this.uniformParam([3 * H], gen)) : null;
    this.bias_hh = bias ? this.param("bias_hh", this.uniformParam([3 * H], gen)) : null;
  }

  forward(x: Tensor, h: Tensor): Tensor {
    this.checkStep(x, [["h", h]]);
    const H = this.hiddenSize;
    const gi = linear(x, this.weight_ih, this.bias_ih); // [B, 3H]: W_i· x + b_i·
    const gh = linear(h, this.weight_hh, this.bias_hh); // [B, 3H]: W_h· h + b_h·
    const block = (g: Tensor, k: number): Tensor => slice(g, 1, k * H, (k + 1) * H);
    const r = sigmoid(add(block(gi, 0), block(gh, 0)));
    const z = sigmoid(add(block(gi, 1), block(gh, 1)));
    const n = tanh(add(block(gi, 2), mul(r, block(gh, 2))));
    // h' = z ⊙ h + (1 − z) ⊙ n
    return ugrnnUpdate(z, h, n);
  }
}
