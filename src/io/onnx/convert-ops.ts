/**
 * One converter per fundl op: the ONNX node(s) computing the same function (opset 21). Each
 * takes the traced step with its inputs' value names and returns the name of the output.
 */
import type { Conv2dArgs } from "../../backend/kernels.js";
import { fmt } from "../../shape.js";
import type { Tensor } from "../../tensor.js";
import { elemType, type GraphBuilder } from "./graph.js";
import type { OpStep } from "./trace.js";

/** What a converter gets: the builder, the traced op, its inputs' value names and its twin. */
export interface OpContext {
  g: GraphBuilder;
  step: OpStep;
  /** Value names of step.inputs, in order. */
  inputs: string[];
  /** The same step in the second trace (other input values; another batch size when it is dynamic). */
  twin: OpStep | null;
}

/** Emits the ONNX node(s) for one traced op and returns the output's value name. */
export type OpConverter = (c: OpContext) => string;

/** Thrown for a model that cannot be written as ONNX; the message names the op and why. */
export class OnnxExportError extends Error {
  override name = "OnnxExportError";
}

const one = (g: GraphBuilder, op: string, inputs: string[], attrs: Parameters<GraphBuilder["node"]>[2] = {}): string => g.node(op, inputs, attrs)[0]!;

/**
 * A shape argument (Reshape, Expand) from the step's output shape. With a dynamic batch the dim
 * that differs between the two traces is the batch's: Reshape infers it (−1), Expand keeps the
 * input's size there (1).
 */
function shapeArgument(c: OpContext, forExpand: boolean): number[] {
  const shape = c.step.out.shape.slice();
  if (!c.twin) return shape;
  const other = c.twin.out.shape;
  const varying = shape.map((_, i) => i).filter((i) => shape[i] !== other[i]);
  if (varying.length > 1) {
    throw new OnnxExportError(
      `onnx.export: ${c.step.name} to ${fmt(shape)} changes ${varying.length} dimensions with the batch size (${fmt(other)} at the other batch size); a dynamic batch needs at most one — export with dynamicBatch: false`,
    );
  }
  for (const i of varying) shape[i] = forExpand ? 1 : -1;
  return shape;
}

function elementwise(op: string): OpConverter {
  return (c) => one(c.g, op, c.inputs);
}

function conv(c: OpContext): string {
  const g = c.step.attrs.geometry as Conv2dArgs;
  // padding after the last pixel: "same" with an even kernel pads one more after than before;
  // stride-1 geometry gives it exactly, other strides only allow symmetric padding
  const afterH = g.strideH === 1 ? g.ho - 1 + g.kh - g.h - g.padH : g.padH;
  const afterW = g.strideW === 1 ? g.wo - 1 + g.kw - g.w - g.padW : g.padW;
  const pads = [g.padH, g.padW, afterH, afterW];
  let x = c.inputs[0]!;
  if (g.padMode === "circular" && pads.some((p) => p > 0)) {
    // ONNX Conv pads with zeros only: wrap around first (Pad mode "wrap", opset 19+), then convolve unpadded
    x = one(c.g, "Pad", [x, c.g.int64s("pads", [0, 0, g.padH, g.padW, 0, 0, afterH, afterW])], { mode: "wrap" });
    pads.fill(0);
  }
  return one(c.g, "Conv", [x, ...c.inputs.slice(1)], {
    kernel_shape: [g.kh, g.kw],
    strides: [g.strideH, g.strideW],
    pads,
    dilations: [1, 1],
    group: 1,
  });
}

interface PoolGeometry {
  kh: number; kw: number; sh: number; sw: number; ph: number; pw: number;
}

function pool(op: "MaxPool" | "AveragePool"): OpConverter {
  return (c) => {
    const g = c.step.attrs.geometry as PoolGeometry;
    const attrs = { kernel_shape: [g.kh, g.kw], strides: [g.sh, g.sw], pads: [g.ph, g.pw, g.ph, g.pw], ceil_mode: 0 };
    if (op === "MaxPool") return one(c.g, op, [c.inputs[0]!], attrs);
    return one(c.g, op, [c.inputs[0]!], { ...attrs, count_include_pad: c.step.attrs.countIncludePad ? 1 : 0 });
  };
}

function linear(c: OpContext): string {
  const [x, w, b] = c.inputs as [string, string, string | undefined];
  if (c.step.inputs[0]!.ndim === 2) return one(c.g, "Gemm", b ? [x, w, b] : [x, w], { transB: 1 });
  // more than one leading dim: y = x · Wᵀ (+ b) with broadcasting
  const wt = one(c.g, "Transpose", [w], { perm: [1, 0] });
  const y = one(c.g, "MatMul", [x, wt]);
  return b ? one(c.g, "Add", [y, b]) : y;
}

function batchNorm(c: OpContext): string {
  const a = c.step.attrs as { training: boolean; eps: number; runningMean: Tensor | null; runningVar: Tensor | null; weight: Tensor | null; bias: Tensor | null };
  if (a.training || !a.runningMean || !a.runningVar) {
    throw new OnnxExportError(
      "onnx.export: batchNorm with batch statistics (training mode, or a BatchNorm without running statistics) cannot be exported; ONNX BatchNormalization uses running statistics — call model.eval() with trackRunningStats: true",
    );
  }
  const C = a.runningMean.shape[0]!;
  const scale = a.weight ? c.g.valueOf(a.weight) : c.g.floats("bn_scale", new Array<number>(C).fill(1), [C]);
  const shift = a.bias ? c.g.valueOf(a.bias) : c.g.floats("bn_bias", new Array<number>(C).fill(0), [C]);
  return one(c.g, "BatchNormalization", [c.inputs[0]!, scale, shift, c.g.valueOf(a.runningMean), c.g.valueOf(a.runningVar)], {
    epsilon: { float: a.eps },
  });
}

function slice(c: OpContext): string {
  const a = c.step.attrs as { dim: number; start: number; end: number; step: number };
  return one(c.g, "Slice", [c.inputs[0]!, c.g.int64s("starts", [a.start]), c.g.int64s("ends", [a.end]), c.g.int64s("axes", [a.dim]), c.g.int64s("steps", [a.step])]);
}

function einsum(c: OpContext): string {
  const a = c.step.attrs as { inputs: string[][]; output: string[] };
  return one(c.g, "Einsum", c.inputs, { equation: `${a.inputs.map((l) => l.join("")).join(",")}->${a.output.join("")}` });
}

/** ReduceSum, ReduceMean, … over the op's dims (axes as an input, opset 18), keeping them or not. */
function reduce(op: string): OpConverter {
  return (c) => {
    const a = c.step.attrs as { dims: number[]; keepDims: boolean };
    if (a.dims.length === 0) return one(c.g, "Identity", [c.inputs[0]!]); // ONNX would read empty axes as "all"
    return one(c.g, op, [c.inputs[0]!, c.g.int64s("axes", a.dims)], { keepdims: a.keepDims ? 1 : 0 });
  };
}

/** A comparison gives 1 or 0 in the graph's float type (ONNX's gives booleans). */
function compare(op: string): OpConverter {
  return (c) => one(c.g, "Cast", [one(c.g, op, c.inputs)], { to: elemType(c.g.dtype) });
}

/** out = condition ≠ 0 ? a : b (fundl's condition is a float tensor). */
function where(c: OpContext): string {
  const t = c.step.attrs.condition as Tensor;
  const other = c.twin?.attrs.condition as Tensor | undefined;
  if (!c.g.has(t) && other && other !== t && !t.data.every((v, i) => v === other.data[i])) {
    throw new OnnxExportError(`onnx.export: the condition ${fmt(t.shape)} of where was computed from the input outside fundl's traced ops; it would be frozen as a constant`);
  }
  const cond = c.g.valueOf(t);
  const isTrue = one(c.g, "Not", [one(c.g, "Equal", [cond, c.g.floats("zero", [0], [])])]);
  return one(c.g, "Where", [isTrue, c.inputs[0]!, c.inputs[1]!]);
}

/** Converters by fundl op name. */
export const OP_CONVERTERS: Record<string, OpConverter> = {
  add: elementwise("Add"),
  sub: elementwise("Sub"),
  mul: elementwise("Mul"),
  div: elementwise("Div"),
  pow: elementwise("Pow"),
  maximum: elementwise("Max"),
  minimum: elementwise("Min"),
  neg: elementwise("Neg"),
  exp: elementwise("Exp"),
  log: elementwise("Log"),
  sqrt: elementwise("Sqrt"),
  abs: elementwise("Abs"),
  sin: elementwise("Sin"),
  cos: elementwise("Cos"),
  reciprocal: elementwise("Reciprocal"),
  sigmoid: elementwise("Sigmoid"),
  tanh: elementwise("Tanh"),
  relu: elementwise("Relu"),
  softplus: elementwise("Softplus"),
  square: (c) => one(c.g, "Mul", [c.inputs[0]!, c.inputs[0]!]),
  log1p: (c) => one(c.g, "Log", [one(c.g, "Add", [c.inputs[0]!, c.g.floats("one", [1], [])])]),
  leakyRelu: (c) => one(c.g, "LeakyRelu", c.inputs, { alpha: { float: c.step.attrs.slope as number } }),
  clamp: (c) => {
    const a = c.step.attrs as { min: number; max: number };
    return one(c.g, "Clip", [c.inputs[0]!, c.g.floats("clip_min", [a.min], []), c.g.floats("clip_max", [a.max], [])]);
  },
  // h' = f ⊙ h + (1 − f) ⊙ d  =  d + f ⊙ (h − d)
  ugrnnUpdate: (c) => {
    const [f, h, d] = c.inputs as [string, string, string];
    return one(c.g, "Add", [d, one(c.g, "Mul", [f, one(c.g, "Sub", [h, d])])]);
  },
  softmax: (c) => one(c.g, "Softmax", c.inputs, { axis: c.step.attrs.dim as number }),
  logSoftmax: (c) => one(c.g, "LogSoftmax", c.inputs, { axis: c.step.attrs.dim as number }),
  reshape: (c) => one(c.g, "Reshape", [c.inputs[0]!, c.g.int64s("shape", shapeArgument(c, false))]),
  expand: (c) => one(c.g, "Expand", [c.inputs[0]!, c.g.int64s("shape", shapeArgument(c, true))]),
  permute: (c) => one(c.g, "Transpose", c.inputs, { perm: (c.step.attrs.perm as number[]).slice() }),
  concat: (c) => one(c.g, "Concat", c.inputs, { axis: c.step.attrs.dim as number }),
  slice,
  gt: compare("Greater"),
  ge: compare("GreaterOrEqual"),
  lt: compare("Less"),
  le: compare("LessOrEqual"),
  eq: compare("Equal"),
  where,
  sum: reduce("ReduceSum"),
  mean: reduce("ReduceMean"),
  max: reduce("ReduceMax"),
  min: reduce("ReduceMin"),
  logSumExp: reduce("ReduceLogSumExp"),
  matmul: elementwise("MatMul"),
  linear,
  einsum,
  conv2d: conv,
  // the conv with its ReLU epilogue (nn.Sequential's Conv2d + ReLU): ONNX has them as two nodes
  conv2dRelu: (c) => one(c.g, "Relu", [conv(c)]),
  maxPool2d: pool("MaxPool"),
  avgPool2d: pool("AveragePool"),
  batchNorm,
  // only traced in training mode; inference (what ONNX models are for) is the identity
  dropout: (c) => one(c.g, "Identity", [c.inputs[0]!]),
  cast: (c) => one(c.g, "Cast", c.inputs, { to: c.step.out.dtype === "float64" ? 11 : 1 }),
};
