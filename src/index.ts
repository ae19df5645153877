/**
 * fundl — the public API. `import * as fl from "fundl"`.
 */
import "./ops/methods.js";

export { Tensor, tensor, zeros, ones, full, zerosLike, onesLike, arange, linspace, eye, randn, rand, randint, asTensor } from "./tensor.js";
export type { NestedArray, TensorOptions, CreateOptions, TensorLike } from "./tensor.js";
export type { DType, TypedArray } from "./dtype.js";
export type { StorageLocation } from "./storage.js";
export { ShapeError, broadcastShapes, MAX_ELEMENTS } from "./shape.js";
export type { Shape } from "./shape.js";
export { Generator, manualSeed } from "./random.js";
export {
  noGrad,
  enableGrad,
  isGradEnabled,
  detectAnomaly,
  setDetectAnomaly,
  AnomalyError,
  runOp,
  addGrad,
  gradBuffer,
  sumToShape,
} from "./autograd.js";
export type { GradNode, OpResult, BackwardOptions } from "./autograd.js";
export { profile, countWork } from "./profile.js";
export type { ProfileReport, OpStats } from "./profile.js";
export { setBackend, getBackend, registerBackend, listBackends, kernels, setThreads, getThreads, backendInfo, ready } from "./backend/index.js";
export type { Kernels, MatmulArgs, Conv2dArgs, Pool2dArgs, BackendInfo, ReadyOptions, FastInfo, UnaryKernelOp, BinaryKernelOp, BinaryArgs, OperandLayout } from "./backend/index.js";

export {
  add, sub, mul, div, pow, maximum, minimum, gt, ge, lt, le, eq,
  neg, exp, log, log1p, sqrt, square, abs, sin, cos, reciprocal, sigmoid, tanh, relu, leakyRelu, softplus, clamp, where,
} from "./ops/elementwise.js";
export { sum, mean, max, min, argmax, logSumExp, variance } from "./ops/reduce.js";
export type { Dims } from "./ops/reduce.js";
export { reshape, flatten, squeeze, unsqueeze, permute, transpose, expand, slice, select, index, concat, stack, split, unbind, cast } from "./ops/view.js";
export { matmul, linear } from "./ops/linalg.js";
export { ugrnnUpdate } from "./ops/ugrnn-update.js";
export { softmax, logSoftmax } from "./ops/softmax.js";
export { conv2d, conv2dGeometry, conv2dWork } from "./ops/conv.js";
export type { Conv2dOptions, Conv2dPadding, PaddingMode } from "./ops/conv.js";
export { maxPool2d, avgPool2d } from "./ops/pool.js";
export type { Pool2dOptions } from "./ops/pool.js";
export { batchNorm } from "./ops/norm.js";
export type { BatchNormOptions } from "./ops/norm.js";
export { dropout } from "./ops/dropout.js";
export type { DropoutOptions } from "./ops/dropout.js";
export { jsKernels, matmulJs } from "./backend/im2col.js";
export { crossEntropy, mseLoss, binaryCrossEntropyWithLogits } from "./ops/loss.js";
export type { Reduction } from "./ops/loss.js";
export { einsum, einsumNaive, explainEinsum, parseEinsum, swapSpec } from "./einsum.js";
export type { EinsumSpec, EinsumExplanation } from "./einsum.js";
export { gradcheck } from "./gradcheck.js";
export type { GradcheckOptions, GradcheckResult, GradcheckWorst } from "./gradcheck.js";
export { VERSION } from "./version.js";
export * as nn from "./nn/index.js";
export * as optim from "./optim/index.js";
export * as io from "./io/index.js";
/** ONNX export: `fl.onnx.export(model, exampleInput, path, options)` and `fl.onnx.exportBytes`. */
export * as onnx from "./io/onnx/index.js";
export * as data from "./data/index.js";
export * as models from "./models/index.js";
export * as prob from "./prob/index.js";
