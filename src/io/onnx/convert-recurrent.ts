/**
 * Recurrent layers as ONNX's LSTM, GRU and RNN ops (one direction). ONNX stacks the gate blocks
 * of W [1, gates·H, I], R [1, gates·H, H] and B [1, 2·gates·H] in its own order, so PyTorch's
 * blocks are reordered:
 *
 *   LSTM: PyTorch i, f, g, o  →  ONNX i, o, f, c   (c is PyTorch's candidate g)
 *   GRU:  PyTorch r, z, n     →  ONNX z, r, h      with linear_before_reset = 1, PyTorch's
 *         n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
 *   RNN:  one block; activation Tanh or Relu
 *
 * B is [input biases | recurrent biases] (zeros for a cell without biases). nn.RNN's x is
 * [T, B, I] (ONNX's layout); batchFirst input is transposed in and out.
 */
import { GRUCell } from "../../nn/recurrent/gru.js";
import { LSTMCell } from "../../nn/recurrent/lstm.js";
import type { RNNCell } from "../../nn/recurrent/rnn-cell.js";
import { RNN } from "../../nn/recurrent/rnn.js";
import type { Tensor } from "../../tensor.js";
import type { GraphBuilder } from "./graph.js";
import { isOnnxCell, type ModuleStep } from "./trace.js";

/** For each ONNX block, the PyTorch block it takes. */
const LSTM_ORDER = [0, 3, 1, 2]; // i, o, f, c ← i, f, g, o
const GRU_ORDER = [1, 0, 2]; // z, r, h ← r, z, n
const RNN_ORDER = [0];

/** w's row blocks of `hidden` rows in the order `order`: out block q = w block order[q]. */
function reorderBlocks(w: Tensor | null, order: number[], hidden: number, cols: number): Float64Array {
  const block = hidden * cols;
  const out = new Float64Array(order.length * block);
  if (!w) return out; // no bias: zeros
  // out[q·H·cols + r] = w[order[q]·H·cols + r]
  order.forEach((src, q) => out.set(Float64Array.from(w.data.subarray(src * block, (src + 1) * block)), q * block));
  return out;
}

function opFor(cell: LSTMCell | GRUCell | RNNCell): { op: "LSTM" | "GRU" | "RNN"; order: number[]; attrs: Record<string, number | { strings: string[] }> } {
  if (cell instanceof LSTMCell) return { op: "LSTM", order: LSTM_ORDER, attrs: {} };
  if (cell instanceof GRUCell) return { op: "GRU", order: GRU_ORDER, attrs: { linear_before_reset: 1 } };
  return { op: "RNN", order: RNN_ORDER, attrs: { activations: { strings: [cell.nonlinearity === "relu" ? "Relu" : "Tanh"] } } };
}

/**
 * Emit the ONNX op for a traced recurrent module and bind its outputs. `valueOf` names an input
 * tensor (the graph input, a node output or a constant).
 */
export function convertRecurrent(g: GraphBuilder, step: ModuleStep, valueOf: (t: Tensor) => string): void {
  const m = step.module;
  const cell = m instanceof RNN ? m.cell : m;
  if (!isOnnxCell(cell)) throw new Error(`onnx.export: ${cell.constructor.name} has no single ONNX op (internal: it should have been traced through its ops)`);
  const H = cell.hiddenSize;
  const I = cell.inputSize;
  const { op, order, attrs } = opFor(cell);
  const name = cell.constructor.name;
  const W = g.floats(`${name}.W`, reorderBlocks(cell.weight_ih, order, H, I), [1, order.length * H, I]);
  const R = g.floats(`${name}.R`, reorderBlocks(cell.weight_hh, order, H, H), [1, order.length * H, H]);
  const bias = [...reorderBlocks(cell.bias_ih, order, H, 1), ...reorderBlocks(cell.bias_hh, order, H, 1)];
  const B = g.floats(`${name}.B`, bias, [1, 2 * order.length * H]);
  const unsqueeze0 = (t: Tensor): string => g.node("Unsqueeze", [valueOf(t), g.int64s("axes", [0])])[0]!;

  const [x, h0, c0] = step.inputs;
  let X: string;
  const batchFirst = m instanceof RNN && m.batchFirst;
  if (step.call === "sequence") X = batchFirst ? g.node("Transpose", [valueOf(x!)], { perm: [1, 0, 2] })[0]! : valueOf(x!);
  else X = unsqueeze0(x!); // one step: a sequence of length 1
  const inputs = [X, W, R, B, "", h0 ? unsqueeze0(h0) : ""];
  if (op === "LSTM") inputs.push(c0 ? unsqueeze0(c0) : "");
  while (inputs[inputs.length - 1] === "") inputs.pop(); // trailing optional inputs are left out
  const outs = g.node(op, inputs, { hidden_size: H, ...attrs }, op === "LSTM" ? 3 : 2);
  const [Y, Yh, Yc] = outs as [string, string, string | undefined];
  const squeeze = (v: string, axis: number): string => g.node("Squeeze", [v, g.int64s("axes", [axis])])[0]!;

  const lastH = squeeze(Yh, 0); // [1, B, H] → [B, H]
  const lastC = Yc ? squeeze(Yc, 0) : null;
  if (step.call === "sequence") {
    let seq = squeeze(Y, 1); // [T, 1, B, H] → [T, B, H]
    if (batchFirst) seq = g.node("Transpose", [seq], { perm: [1, 0, 2] })[0]!;
    g.bind(step.outputs[0]!, seq);
    g.bind(step.outputs[1]!, lastH);
    if (lastC) g.bind(step.outputs[2]!, lastC);
  } else {
    g.bind(step.outputs[0]!, lastH);
    if (lastC) g.bind(step.outputs[1]!, lastC);
  }
}
