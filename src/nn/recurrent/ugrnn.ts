/**
 * nn.UGRNNCell — the update-gate RNN of the seed's Problem 2, in two equivalent forms.
 *
 * form "concat" (the definition; one matrix per gate over the concatenation [x, h]):
 *   f = σ(W^f [x, h] + b^f)          weight_f: [H, I+H], bias_f: [H]
 *   d = tanh(W^d [x, h] + b^d)       weight_d: [H, I+H], bias_d: [H]
 *   h' = f ⊙ h + (1 − f) ⊙ d
 *
 * form "split" (part (a): the concatenation replaced by a pair of products, W^f = [W^{f,x} | W^{f,h}]),
 * written in index notation with the batch index b as in part (b); j runs over the I inputs and k
 * over the H hidden units (the key's single c' hides that the two sums have different ranges):
 *   f[b,c] = σ( Σ_j W^{f,x}[c,j]·x[b,j] + Σ_k W^{f,h}[c,k]·h[b,k] + b^f[c] )
 *   d[b,c] = tanh( Σ_j W^{d,x}[c,j]·x[b,j] + Σ_k W^{d,h}[c,k]·h[b,k] + b^d[c] )
 *   h'[b,c] = f[b,c]·h[b,c] + (1 − f[b,c])·d[b,c]
 *   weight_fx, weight_dx: [H, I]; weight_fh, weight_dh: [H, H]; bias_f, bias_d: [H]
 *
 * Erratum: the seed's answer key to part (b) writes d^t[b,c] = σ(…); the definition (and part (a))
 * has d^t = tanh(…). Only tanh gives the candidate its range (−1, 1); we follow the definition.
 *
 * Both forms draw their initial values identically (PyTorch's U(−1/√H, 1/√H), in the order
 * weight_f, bias_f, weight_d, bias_d), so the same seed gives the same function in either form.
 * `convertUGRNN` (convert.ts) turns a cell of one form into the other. `forward` runs a step as one
 * fused node (fused-step.ts); `forwardComposed` is the same step as the composition above.
 */
import { add, sigmoid, tanh } from "../../ops/elementwise.js";
import { einsum } from "../../einsum.js";
import { linear } from "../../ops/linalg.js";
import { ugrnnUpdate } from "../../ops/ugrnn-update.js";
import { concat, slice } from "../../ops/view.js";
import { zeros, type Tensor } from "../../tensor.js";
import { SingleStateCell, type CellOptions } from "./cell.js";
import { fusedCellStep, type GateWeights } from "./fused-step.js";

/**
 * How UGRNNCell stores its weights: one matrix per gate over [x, h] ("concat"), or separate input and hidden
 * matrices ("split").
 */
export type UGRNNForm = "concat" | "split";

/** Options of `UGRNNCell`: form, gate bias, and the CellOptions. */
export interface UGRNNCellOptions extends CellOptions {
  /** "concat" (default): one matrix per gate over [x, h]; "split": W^{·,x} and W^{·,h} apart. */
  form?: UGRNNForm;
  /** Added to b^f after initialisation (a positive value starts the cell remembering). Default 0. */
  gateBias?: number;
}

/**
 * The UGRNN cell of the seed exam: h' = f ⊙ h + (1 − f) ⊙ d with an update gate f and a candidate d, in concat
 * or split form.
 */
export class UGRNNCell extends SingleStateCell {
  /** "concat" or "split": which weights the cell has. */
  readonly form: UGRNNForm;
  // concat form
  /** Concat form: the update gate's weight W^f [H, I+H] (null in split form). */
  readonly weight_f: Tensor | null = null;
  /** Concat form: the candidate's weight W^d [H, I+H] (null in split form). */
  readonly weight_d: Tensor | null = null;
  // split form
  /** Split form: W^{f,x} [H, I] (null in concat form). */
  readonly weight_fx: Tensor | null = null;
  /** Split form: W^{f,h} [H, H] (null in concat form). */
  readonly weight_fh: Tensor | null = null;
  /** Split form: W^{d,x} [H, I] (null in concat form). */
  readonly weight_dx: Tensor | null = null;
  /** Split form: W^{d,h} [H, H] (null in concat form). */
  readonly weight_dh: Tensor | null = null;
  // both
  /** The update gate's bias b^f [H], or null without bias. */
  readonly bias_f: Tensor | null;
  /** The candidate's bias b^d [H], or null without bias. */
  readonly bias_d: Tensor | null;

  constructor(inputSize: number, hiddenSize: number, options: UGRNNCellOptions = {}) {
    super("UGRNNCell", inputSize, hiddenSize, options);
    const form = options.form ?? "concat";
    if (form !== "concat" && form !== "split") throw new RangeError(`UGRNNCell: form must be "concat" or "split", got "${String(form)}"`);
    this.form = form;
    const gen = this.generator(options);
    const I = inputSize;
    const H = hiddenSize;
    const bias = options.bias ?? true;
    const wf = this.uniformParam([H, I + H], gen);
    const bf = bias ? this.uniformParam([H], gen) : null;
    const wd = this.uniformParam([H, I + H], gen);
    const bd = bias ? this.uniformParam([H], gen) : null;
    if (options.gateBias && !bf) throw new RangeError("UGRNNCell: gateBias needs the bias vectors (bias: false was given)");
    if (bf && options.gateBias) for (let c = 0; c < H; c++) bf.data[c] = bf.data[c]! + options.gateBias;
    if (form === "concat") {
      this.weight_f = this.param("weight_f", wf);
      this.weight_d = this.param("weight_d", wd);
    } else {
      const [fx, fh] = splitColumns(wf, I);
      const [dx, dh] = splitColumns(wd, I);
      this.weight_fx = this.param("weight_fx", fx);
      this.weight_fh = this.param("weight_fh", fh);
      this.weight_dx = this.param("weight_dx", dx);
      this.weight_dh = this.param("weight_dh", dh);
    }
    this.bias_f = bf ? this.param("bias_f", bf) : null;
    this.bias_d = bd ? this.param("bias_d", bd) : null;
  }

  forward(x: Tensor, h: Tensor): Tensor {
    this.checkStep(x, [["h", h]]);
    return fusedCellStep("ugrnn", x, h, null, this.gateWeights())[0]; // one node: both projections and the gates
  }

  /**
   * The parameters in the fused step's form, gate rows f then d:
   *   Wx = [W^{f,x}; W^{d,x}] [2H, I],  Wh = [W^{f,h}; W^{d,h}] [2H, H],  bx = [b^f; b^d],  bh = none
   * (in the concat form W^{·,x} = W^·[:, 0:I] and W^{·,h} = W^·[:, I:]); gathered by differentiable
   * slices and concatenations, so gradients reach the cell's own parameters.
   */
  gateWeights(): GateWeights {
    const I = this.inputSize;
    const [fx, fh, dx, dh] =
      this.form === "concat"
        ? [slice(this.weight_f!, 1, 0, I), slice(this.weight_f!, 1, I), slice(this.weight_d!, 1, 0, I), slice(this.weight_d!, 1, I)]
        : [this.weight_fx!, this.weight_fh!, this.weight_dx!, this.weight_dh!];
    const bx = this.bias_f && this.bias_d ? concat([this.bias_f, this.bias_d], 0) : null;
    return { wx: concat([fx, dx], 0), wh: concat([fh, dh], 0), bx, bh: null };
  }

  /** The step as the composition of ops it is defined by (kept as the fused node's reference in tests). */
  forwardComposed(x: Tensor, h: Tensor): Tensor {
    this.checkStep(x, [["h", h]]);
    return this.form === "concat" ? this.forwardConcat(x, h) : this.forwardSplit(x, h);
  }

  private forwardConcat(x: Tensor, h: Tensor): Tensor {
    const xh = concat([x, h], 1); // [x, h]: [B, I+H]
    const f = sigmoid(linear(xh, this.weight_f!, this.bias_f)); // f = σ(W^f [x, h] + b^f)
    const d = tanh(linear(xh, this.weight_d!, this.bias_d)); // d = tanh(W^d [x, h] + b^d)
    return ugrnnUpdate(f, h, d); // h' = f ⊙ h + (1 − f) ⊙ d
  }

  private forwardSplit(x: Tensor, h: Tensor): Tensor {
    // f[b,c] = σ( Σ_j W^{f,x}[c,j]·x[b,j] + Σ_k W^{f,h}[c,k]·h[b,k] + b^f[c] )
    let fPre = add(einsum("cj,bj->bc", this.weight_fx!, x), einsum("ck,bk->bc", this.weight_fh!, h));
    if (this.bias_f) fPre = add(fPre, this.bias_f);
    // d[b,c] = tanh( Σ_j W^{d,x}[c,j]·x[b,j] + Σ_k W^{d,h}[c,k]·h[b,k] + b^d[c] )
    let dPre = add(einsum("cj,bj->bc", this.weight_dx!, x), einsum("ck,bk->bc", this.weight_dh!, h));
    if (this.bias_d) dPre = add(dPre, this.bias_d);
    // h'[b,c] = f[b,c]·h[b,c] + (1 − f[b,c])·d[b,c]
    return ugrnnUpdate(sigmoid(fPre), h, tanh(dPre));
  }
}

/** W[c, 0:I] and W[c, I:] of an [H, I+H] matrix, as new [H, I] and [H, H] tensors. */
export function splitColumns(w: Tensor, inputSize: number): [Tensor, Tensor] {
  const [rows, cols] = w.shape as [number, number];
  const hid = cols - inputSize;
  const a = zeros([rows, inputSize], { dtype: w.dtype });
  const b = zeros([rows, hid], { dtype: w.dtype });
  // a[c,j] = W[c,j];  b[c,k] = W[c, I+k]
  for (let c = 0; c < rows; c++) {
    for (let j = 0; j < inputSize; j++) a.data[c * inputSize + j] = w.data[c * cols + j]!;
    for (let k = 0; k < hid; k++) b.data[c * hid + k] = w.data[c * cols + inputSize + k]!;
  }
  return [a, b];
}

/** [A | B]: an [H, I] and an [H, H] matrix side by side as one [H, I+H] tensor. */
export function joinColumns(a: Tensor, b: Tensor): Tensor {
  const [rows, ia] = a.shape as [number, number];
  const ib = b.shape[1]!;
  const w = zeros([rows, ia + ib], { dtype: a.dtype });
  // W[c,j] = A[c,j];  W[c, I+k] = B[c,k]
  for (let c = 0; c < rows; c++) {
    for (let j = 0; j < ia; j++) w.data[c * (ia + ib) + j] = a.data[c * ia + j]!;
    for (let k = 0; k < ib; k++) w.data[c * (ia + ib) + ia + k] = b.data[c * ib + k]!;
  }
  return w;
}
