/**
 * nn.GRUCell with PyTorch's names, layout ([3H, ·], gate blocks in the order r, z, n) and equations:
 *
 *   r = σ(W_ir x + b_ir + W_hr h + b_hr)
 *   z = σ(W_iz x + b_iz + W_hz h + b_hz)
 *   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))      (r multiplies the hidden part only, bias included)
 *   h' = (1 − z) ⊙ n + z ⊙ h
 *
 * where W_ir = weight_ih[0:H], W_iz = weight_ih[H:2H], W_in = weight_ih[2H:3H] (and likewise for
 * weight_hh, bias_ih, bias_hh). The last line is the UGRNN state update with f = z and d = n. A step
 * is one fused node (fused-step.ts; the gates in one kernel).
 */
import type { Tensor } from "../../tensor.js";
import { SingleStateCell, type CellOptions } from "./cell.js";
import { fusedCellStep, type GateWeights } from "./fused-step.js";

/** The GRU cell with PyTorch's names, layout (gate blocks r, z, n) and equations. */
export class GRUCell extends SingleStateCell {
  /** Input weights [3H, I], gate blocks r, z, n. */
  readonly weight_ih: Tensor;
  /** Hidden weights [3H, H], gate blocks r, z, n. */
  readonly weight_hh: Tensor;
  /** Input biases [3H], or null without bias. */
  readonly bias_ih: Tensor | null;
  /** Hidden biases [3H], or null without bias. */
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
    return fusedCellStep("gru", x, h, null, this.gateWeights())[0]; // one node: both projections and the gates
  }

  /** The projections' parameters in the fused step's form (see fused-step.ts). */
  gateWeights(): GateWeights {
    return { wx: this.weight_ih, wh: this.weight_hh, bx: this.bias_ih, bh: this.bias_hh };
  }
}
