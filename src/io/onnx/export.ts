/**
 * fl.onnx.export / fl.onnx.exportBytes: trace one forward pass of a module on an example input
 * and write it as an ONNX model (opset 21, IR version 10) that ONNX Runtime and other ONNX tools
 * run. Parameters and buffers become initializers under their state-dict names.
 */
import { noGrad } from "../../autograd.js";
import type { DType } from "../../dtype.js";
import type { Module } from "../../nn/module.js";
import { FUSED_RECURRENT_OPS } from "../../nn/recurrent/fused-step.js";
import { concat, slice } from "../../ops/view.js";
import { fmt, sameShape } from "../../shape.js";
import { Tensor } from "../../tensor.js";
import { VERSION } from "../../version.js";
import { atomicWriteFileSync } from "../atomic.js";
import { convertRecurrent } from "./convert-recurrent.js";
import { OnnxExportError, OP_CONVERTERS } from "./convert-ops.js";
import { elemType, GraphBuilder } from "./graph.js";
import { encodeModel, type DimMessage, type ValueInfoMessage } from "./proto.js";
import { traceForward, type Trace, type TraceStep } from "./trace.js";

/** The ONNX operator set the exporter writes (Pad's "wrap" mode, used for circular padding, needs 19+). */
export const ONNX_OPSET = 21;
/** The ONNX IR version written (IR 10 goes with opset 21). */
export const ONNX_IR_VERSION = 10;

/** Options of `fl.onnx.export` and `fl.onnx.exportBytes`. */
export interface OnnxExportOptions {
  /** Names of the graph inputs, one per example input (default "input", or "input_0", "input_1", …). */
  inputNames?: string[];
  /** Names of the graph outputs, one per tensor the forward returns (default "output", or "output_0", …). */
  outputNames?: string[];
  /**
   * Leave the batch size open ("batch" in the model's input and output shapes), so the model runs
   * on any batch size (default false: the example's shapes are fixed). The model is traced a second
   * time at another batch size to find which dimensions follow it.
   */
  dynamicBatch?: boolean;
  /** Which dimension of each input is the batch (default 0; 1 for nn.RNN's [T, B, I] input). */
  batchDim?: number;
  /** A description stored in the model (ModelProto.doc_string). */
  docString?: string;
}

function defaultNames(kind: string, n: number): string[] {
  return n === 1 ? [kind] : Array.from({ length: n }, (_, i) => `${kind}_${i}`);
}

/**
 * The second trace's input: the example's values moved — in reverse order and mapped by
 * v ↦ 0.9·v + 0.05, so that a constant depending on them (even on their order, as argmax does)
 * changes — with one more sample along `dim` (a copy of sample 0) for a dynamic batch.
 */
function twinInput(x: Tensor, dim: number, grow: boolean): Tensor {
  const moved = new Tensor(x.data.slice().reverse(), x.shape);
  for (let i = 0; i < moved.size; i++) moved.data[i] = 0.9 * moved.data[i]! + 0.05;
  return grow ? noGrad(() => concat([moved, slice(moved, dim, 0, 1)], dim)) : moved;
}

function checkInputs(inputs: Tensor[], batchDim: number, dynamic: boolean): DType {
  if (inputs.length === 0) throw new OnnxExportError("onnx.export: needs an example input (a Tensor or an array of them)");
  inputs.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new TypeError(`onnx.export: example input ${i} must be a Tensor, got ${typeof t}`);
    if (dynamic && !(Number.isInteger(batchDim) && batchDim >= 0 && batchDim < t.ndim)) {
      throw new RangeError(`onnx.export: batchDim ${batchDim} is not a dimension of example input ${i} ${fmt(t.shape)}`);
    }
    if (t.dtype !== inputs[0]!.dtype) throw new TypeError(`onnx.export: example inputs mix ${inputs[0]!.dtype} and ${t.dtype}`);
  });
  return inputs[0]!.dtype;
}

/** Both traces ran the same ops in the same order (else the graph depends on the input). */
function checkTwin(a: Trace, b: Trace, batchA: number, batchB: number): void {
  const describe = (s: TraceStep | undefined) => (s === undefined ? "nothing" : s.kind === "op" ? s.name : s.module.constructor.name);
  const n = Math.max(a.steps.length, b.steps.length);
  for (let i = 0; i < n; i++) {
    const x = a.steps[i];
    const y = b.steps[i];
    if (describe(x) !== describe(y) || x?.kind !== y?.kind) {
      throw new OnnxExportError(
        batchA === batchB
          ? `onnx.export: the model runs different ops on different input values (step ${i}: ${describe(x)} vs ${describe(y)}); a graph that branches on the input's values cannot be traced`
          : `onnx.export: the model runs different ops at batch size ${batchA} and ${batchB} (step ${i}: ${describe(x)} vs ${describe(y)}), so its graph depends on the batch size (or on the input's values); export with dynamicBatch: false`,
      );
    }
  }
  if (a.outputs.length !== b.outputs.length) throw new OnnxExportError(`onnx.export: the model returns ${a.outputs.length} tensors at batch size ${batchA} but ${b.outputs.length} at ${batchB}`);
}

function valueInfo(name: string, shape: readonly number[], other: readonly number[] | null, dtype: DType): ValueInfoMessage {
  const dim: DimMessage[] = shape.map((s, i) => (other && other[i] !== s ? { dim_param: "batch" } : { dim_value: s }));
  return { name, type: { tensor_type: { elem_type: elemType(dtype), shape: { dim } } } };
}

/**
 * Trace `model` on `exampleInput` and return the ONNX model's bytes (works without a file
 * system, e.g. in a browser). The model is run in eval mode (dropout off, batch norm on its
 * running statistics) and its modes are restored afterwards. An op with no ONNX form throws an
 * OnnxExportError naming it.
 */
export function exportBytes(model: Module, exampleInput: Tensor | Tensor[], options: OnnxExportOptions = {}): Uint8Array {
  const inputs = Array.isArray(exampleInput) ? exampleInput : [exampleInput];
  const dynamic = options.dynamicBatch ?? false;
  const batchDim = options.batchDim ?? 0;
  const dtype = checkInputs(inputs, batchDim, dynamic);
  const trace = traceForward(model, inputs);
  // a second trace, on other values (and a larger batch when it is dynamic), finds the dims that
  // follow the batch and any tensor made outside the traced ops that depends on the input
  const other = inputs.map((t) => twinInput(t, batchDim, dynamic));
  const twin = traceForward(model, other);
  checkTwin(trace, twin, inputs[0]!.shape[batchDim] ?? 1, other[0]!.shape[batchDim] ?? 1);
  const inputNames = options.inputNames ?? defaultNames("input", inputs.length);
  const outputNames = options.outputNames ?? defaultNames("output", trace.outputs.length);
  if (inputNames.length !== inputs.length) throw new RangeError(`onnx.export: ${inputNames.length} inputNames for ${inputs.length} example inputs`);
  if (outputNames.length !== trace.outputs.length) throw new RangeError(`onnx.export: ${outputNames.length} outputNames for the ${trace.outputs.length} tensors the forward returns`);

  const paramNames = new Map<Tensor, string>();
  for (const [n, t] of Object.entries(model.stateDict())) paramNames.set(t, n);
  const g = new GraphBuilder(paramNames, dtype);
  inputs.forEach((t, i) => g.bind(t, g.fresh(inputNames[i]!)));
  for (const n of outputNames) g.fresh(n); // reserved: no intermediate value takes an output's name

  // A tensor no traced op made is a constant of the graph. If it changed in the second trace it
  // was computed from the input outside the traced ops (detach(), argmax, reading .data …) and
  // cannot be frozen — unless only its batch size changed and it holds one repeated value (a zero
  // initial state made in the forward, say): that is written as the value expanded to
  // [..., batch, ...], the batch read off input 0.
  const nameOf = (t: Tensor, other: Tensor | undefined, where: string): string => {
    if (g.has(t) || !other || other === t || paramNames.has(t)) return g.valueOf(t);
    if (sameShape(t.shape, other.shape)) {
      if (t.data.every((x, i) => Object.is(x, other.data[i]))) return g.valueOf(t);
      throw new OnnxExportError(
        `onnx.export: ${where} is a tensor ${fmt(t.shape)} computed from the input outside fundl's traced ops (detach(), argmax, reading .data, random numbers …); it would be frozen as a constant`,
      );
    }
    const varying = t.shape.map((_, i) => i).filter((i) => t.shape[i] !== other.shape[i]);
    const v = t.data[0] ?? 0;
    if (!dynamic || varying.length !== 1 || !t.data.every((x) => x === v) || !other.data.every((x) => x === v)) {
      throw new OnnxExportError(`onnx.export: ${where} is a constant ${fmt(t.shape)} made in the forward that changes with the batch size (${fmt(other.shape)}) and is not one repeated value; export with dynamicBatch: false`);
    }
    const d = varying[0]!;
    const batch = g.node("Gather", [g.node("Shape", [g.valueOf(inputs[0]!)])[0]!, g.int64s("batch_dim", [batchDim])], { axis: 0 })[0]!;
    const shape = g.node("Concat", [g.int64s("dims", t.shape.slice(0, d)), batch, g.int64s("dims", t.shape.slice(d + 1))], { axis: 0 })[0]!;
    const out = g.node("Expand", [g.floats("fill", [v], []), shape])[0]!;
    g.bind(t, out);
    return out;
  };

  trace.steps.forEach((step, i) => {
    const other = twin.steps[i];
    const what = step.kind === "op" ? step.name : step.module.constructor.name;
    const names = step.inputs.map((t, k) => (t === undefined ? "" : nameOf(t, other?.inputs[k], `input ${k} of ${what}`)));
    if (step.kind === "module") {
      convertRecurrent(g, step, (t) => names[step.inputs.indexOf(t)] ?? g.valueOf(t));
      return;
    }
    const convert = OP_CONVERTERS[step.name];
    if (!convert) {
      // a cell's or nn.RNN's inner ops appear when it is not a registered submodule (so not traced whole)
      const hint = FUSED_RECURRENT_OPS.includes(step.name) ? " (a recurrent cell exports as one ONNX op only when it is a registered submodule of the exported model)" : "";
      throw new OnnxExportError(`onnx.export: the op "${step.name}" has no ONNX export (output ${fmt(step.out.shape)})${hint}; ops that export: ${Object.keys(OP_CONVERTERS).join(", ")}, and nn.RNN / LSTMCell / GRUCell / RNNCell`);
    }
    g.bind(step.out, convert({ g, step, inputs: names, twin: other?.kind === "op" ? other : null }));
  });

  const outputs: ValueInfoMessage[] = trace.outputs.map((t, i) => {
    const want = outputNames[i]!;
    const have = g.valueOf(t);
    const onceAsOutput = trace.outputs.indexOf(t) === i;
    if (onceAsOutput && g.isNodeOutput(have)) g.rename(have, want);
    else g.nodes.push({ name: g.fresh(`${want}_identity`), op_type: "Identity", input: [have], output: [want], attribute: [] });
    return valueInfo(want, t.shape, twin.outputs[i]!.shape, dtype);
  });

  return encodeModel({
    ir_version: ONNX_IR_VERSION,
    opset_import: [{ domain: "", version: ONNX_OPSET }],
    producer_name: "fundl",
    producer_version: VERSION,
    ...(options.docString ? { doc_string: options.docString } : {}),
    graph: {
      name: model.constructor.name,
      node: g.nodes,
      initializer: g.initializers,
      input: inputs.map((t, i) => valueInfo(inputNames[i]!, t.shape, dynamic ? t.shape.map((s, d) => (d === batchDim ? s + 1 : s)) : null, dtype)),
      output: outputs,
    },
  });
}

/**
 * `fl.onnx.export(model, exampleInput, path, options)`: trace `model` on `exampleInput` (as
 * torch.onnx.export does) and write the ONNX model to `path` atomically (Node). Options:
 * `inputNames`, `outputNames`, `dynamicBatch`, `batchDim`, `docString`.
 */
export function exportModel(model: Module, exampleInput: Tensor | Tensor[], path: string, options: OnnxExportOptions = {}): void {
  atomicWriteFileSync(path, exportBytes(model, exampleInput, options));
}
