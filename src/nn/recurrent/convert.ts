/**
 * Converting UGRNN parameters between the two forms. With W^f = [W^{f,x} | W^{f,h}]:
 *   W^{f,x}[c,j] = W^f[c,j]        (j < I)
 *   W^{f,h}[c,k] = W^f[c,I+k]      (k < H)
 * and likewise for d; the biases are shared. The forms then compute the same function, so outputs
 * and gradients agree (the gradient of W^f is [W^{f,x}.grad | W^{f,h}.grad]).
 */
import { fmt, ShapeError } from "../../shape.js";
import type { StateDict } from "../module.js";
import { joinColumns, splitColumns, UGRNNCell, type UGRNNForm } from "./ugrnn.js";

function need(sd: StateDict, key: string, where: string) {
  const t = sd[key];
  if (!t) throw new ShapeError(`${where}: the state dict has no "${key}" (keys: ${Object.keys(sd).join(", ") || "none"})`);
  return t;
}

/** A concat-form state dict (weight_f, weight_d: [H, I+H]) as a split-form one. */
export function ugrnnConcatToSplit(sd: StateDict, inputSize: number): StateDict {
  const wf = need(sd, "weight_f", "ugrnnConcatToSplit");
  const wd = need(sd, "weight_d", "ugrnnConcatToSplit");
  for (const [n, w] of [["weight_f", wf], ["weight_d", wd]] as const) {
    if (w.ndim !== 2 || w.shape[1]! <= inputSize) {
      throw new ShapeError(`ugrnnConcatToSplit: ${n} has shape ${fmt(w.shape)}; expected [H, ${inputSize} + H] for inputSize ${inputSize}`);
    }
  }
  const [fx, fh] = splitColumns(wf, inputSize);
  const [dx, dh] = splitColumns(wd, inputSize);
  const out: StateDict = { weight_fx: fx, weight_fh: fh, weight_dx: dx, weight_dh: dh };
  if (sd.bias_f) out.bias_f = sd.bias_f.clone();
  if (sd.bias_d) out.bias_d = sd.bias_d.clone();
  return out;
}

/** A split-form state dict as a concat-form one. */
export function ugrnnSplitToConcat(sd: StateDict): StateDict {
  const where = "ugrnnSplitToConcat";
  const [fx, fh, dx, dh] = ["weight_fx", "weight_fh", "weight_dx", "weight_dh"].map((k) => need(sd, k, where)) as [
    ReturnType<typeof need>, ReturnType<typeof need>, ReturnType<typeof need>, ReturnType<typeof need>,
  ];
  for (const [a, b, n] of [[fx, fh, "f"], [dx, dh, "d"]] as const) {
    if (a.ndim !== 2 || b.ndim !== 2 || a.shape[0] !== b.shape[0] || b.shape[0] !== b.shape[1]) {
      throw new ShapeError(`${where}: weight_${n}x ${fmt(a.shape)} and weight_${n}h ${fmt(b.shape)} must be [H, I] and [H, H]`);
    }
  }
  const out: StateDict = { weight_f: joinColumns(fx, fh), weight_d: joinColumns(dx, dh) };
  if (sd.bias_f) out.bias_f = sd.bias_f.clone();
  if (sd.bias_d) out.bias_d = sd.bias_d.clone();
  return out;
}

/** A new cell of the other (or the given) form computing the same function as `cell`. */
export function convertUGRNN(cell: UGRNNCell, form: UGRNNForm = cell.form === "concat" ? "split" : "concat"): UGRNNCell {
  const out = new UGRNNCell(cell.inputSize, cell.hiddenSize, { form, dtype: cell.dtype, bias: cell.bias_f !== null, seed: 0 });
  const sd = cell.stateDict();
  const converted =
    form === cell.form
      ? Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, t.clone()]))
      : form === "split"
        ? ugrnnConcatToSplit(sd, cell.inputSize)
        : ugrnnSplitToConcat(sd);
  out.loadStateDict(converted);
  out.train(cell.training);
  return out;
}
