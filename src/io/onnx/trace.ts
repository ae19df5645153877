/**
 * Tracing one forward pass, as torch.onnx.export does: the model runs on an example input (in
 * eval mode, without a graph), and every op it runs is recorded in order through autograd's op
 * tracer. Recurrent layers (nn.RNN over an LSTM, GRU or vanilla cell, and those cells called one
 * step at a time) are recorded whole instead — as one step naming the module — because ONNX has
 * them as single ops; the ops they run inside are not recorded. ONNX has no UGRNN: its cells run
 * their composition (`forwardComposed`) during the trace, and an nn.RNN over one steps through
 * them instead of the fused sequence kernel, so that the recorded ops are ones ONNX has.
 */
import { noGrad, setOpTracer, type OpTracer } from "../../autograd.js";
import type { Module } from "../../nn/module.js";
import { GRUCell } from "../../nn/recurrent/gru.js";
import { LSTMCell } from "../../nn/recurrent/lstm.js";
import { RNNCell } from "../../nn/recurrent/rnn-cell.js";
import { RNN } from "../../nn/recurrent/rnn.js";
import { UGRNNCell } from "../../nn/recurrent/ugrnn.js";
import { Tensor } from "../../tensor.js";

/** One op fundl ran. */
export interface OpStep {
  kind: "op";
  name: string;
  inputs: readonly Tensor[];
  out: Tensor;
  attrs: Readonly<Record<string, unknown>>;
}

/** A recurrent module run whole: `inputs` are its tensor arguments (x, then any initial state). */
export interface ModuleStep {
  kind: "module";
  module: Module;
  /** "sequence": nn.RNN's forward(x, state0?); "step": a cell's forward(x, state). */
  call: "sequence" | "step";
  inputs: (Tensor | undefined)[];
  /** The tensors it returned: sequence → [outputs, h, c?]; step → [h', c'?]. */
  outputs: Tensor[];
}

/** One recorded step of a forward pass. */
export type TraceStep = OpStep | ModuleStep;

/** What `traceForward` recorded. */
export interface Trace {
  steps: TraceStep[];
  /** The forward's result, flattened to its tensors in order. */
  outputs: Tensor[];
}

/** Cells that ONNX has as one op (LSTM, GRU, RNN); UGRNN is traced through its ops. */
export function isOnnxCell(m: unknown): m is LSTMCell | GRUCell | RNNCell {
  return m instanceof LSTMCell || m instanceof GRUCell || m instanceof RNNCell;
}

/** Every tensor in a forward's result: a tensor, an array of them, or an object's values (nn.RNN's { outputs, last }). */
export function flattenResult(r: unknown, where = "forward"): Tensor[] {
  if (r instanceof Tensor) return [r];
  if (Array.isArray(r)) return r.flatMap((x, i) => flattenResult(x, `${where}[${i}]`));
  if (r !== null && typeof r === "object") return Object.entries(r).flatMap(([k, v]) => flattenResult(v, `${where}.${k}`));
  throw new TypeError(`onnx.export: the model's ${where} returned ${r === null ? "null" : typeof r}; expected tensors (a Tensor, an array or an object of them)`);
}

/**
 * Run `model.forward(...inputs)` once, recording its ops. The model is put in eval mode for the
 * trace and its modes are restored afterwards; the op tracer is always removed again.
 */
export function traceForward(model: Module, inputs: readonly Tensor[]): Trace {
  const steps: TraceStep[] = [];
  const record: OpTracer = (name, ins, out, attrs) => steps.push({ kind: "op", name, inputs: ins, out, attrs });
  const modes = model.namedModules().map(([, m]) => [m, m.training] as const);
  const patched: [Module, PropertyDescriptor | undefined][] = [];
  // while a recurrent module runs, its inner ops are hidden; nested recurrent modules inside it too
  let depth = 0;
  const wrap = (m: Module, call: ModuleStep["call"]) => {
    const own = Object.getOwnPropertyDescriptor(m, "forward");
    const original = m.forward.bind(m);
    (m as { forward: Module["forward"] }).forward = (...args: unknown[]) => {
      if (depth > 0) return original(...args);
      depth++;
      const saved = setOpTracer(null);
      let result: unknown;
      try {
        result = original(...args);
      } finally {
        setOpTracer(saved);
        depth--;
      }
      const [x, state] = args as [Tensor, Tensor | [Tensor, Tensor] | undefined];
      const stateTensors = state === undefined ? [undefined] : Array.isArray(state) ? state : [state];
      steps.push({ kind: "module", module: m, call, inputs: [x, ...stateTensors], outputs: flattenResult(result) });
      return result;
    };
    patched.push([m, own]);
  };
  const unfused: RNN<never>[] = [];
  // a UGRNN cell's fused step is one fundl op with no ONNX form: trace its composition instead
  const composeUgrnn = (m: UGRNNCell) => {
    const own = Object.getOwnPropertyDescriptor(m, "forward");
    (m as { forward: Module["forward"] }).forward = (x: unknown, h: unknown) => m.forwardComposed(x as Tensor, h as Tensor);
    patched.push([m, own]);
  };
  const seen = new Set<Module>(); // a module registered under two names is wrapped once
  for (const [, m] of model.namedModules()) {
    if (seen.has(m)) continue;
    seen.add(m);
    if (m instanceof RNN && isOnnxCell(m.cell)) wrap(m, "sequence");
    else if (isOnnxCell(m)) wrap(m, "step");
    else if (m instanceof UGRNNCell) composeUgrnn(m);
    if (m instanceof RNN && m.cell instanceof UGRNNCell && m.fused) unfused.push(m as RNN<never>);
  }
  for (const m of unfused) (m as { fused: boolean }).fused = false;
  model.eval();
  const saved = setOpTracer(record);
  try {
    const result = noGrad(() => model.forward(...inputs));
    return { steps, outputs: flattenResult(result) };
  } finally {
    setOpTracer(saved);
    for (const [m, own] of patched) {
      if (own) Object.defineProperty(m, "forward", own);
      else delete (m as { forward?: unknown }).forward;
    }
    for (const [m, training] of modes) m.training = training;
    for (const m of unfused) (m as { fused: boolean }).fused = true;
  }
}
