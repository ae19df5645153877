/**
 * Method-style calls on tensors (`x.mul(y).sum()`), as PyTorch users expect. Each method is the
 * function of the same name; the declarations merge into the Tensor class's type.
 */
import { Tensor, type TensorLike } from "../tensor.js";
import * as ew from "./elementwise.js";
import * as red from "./reduce.js";
import * as view from "./view.js";
import * as la from "./linalg.js";
import * as sm from "./softmax.js";
import type { Shape } from "../shape.js";
import type { DType } from "../dtype.js";

declare module "../tensor.js" {
  interface Tensor {
    add(o: TensorLike): Tensor;
    sub(o: TensorLike): Tensor;
    mul(o: TensorLike): Tensor;
    div(o: TensorLike): Tensor;
    pow(o: TensorLike): Tensor;
    maximum(o: TensorLike): Tensor;
    minimum(o: TensorLike): Tensor;
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    log1p(): Tensor;
    sqrt(): Tensor;
    square(): Tensor;
    abs(): Tensor;
    sigmoid(): Tensor;
    tanh(): Tensor;
    relu(): Tensor;
    clamp(min?: number, max?: number): Tensor;
    sum(dims?: red.Dims, keepDims?: boolean): Tensor;
    mean(dims?: red.Dims, keepDims?: boolean): Tensor;
    max(dims?: red.Dims, keepDims?: boolean): Tensor;
    min(dims?: red.Dims, keepDims?: boolean): Tensor;
    argmax(dim: number, keepDims?: boolean): Tensor;
    logSumExp(dims?: red.Dims, keepDims?: boolean): Tensor;
    reshape(shape: Shape): Tensor;
    view(shape: Shape): Tensor;
    flatten(startDim?: number, endDim?: number): Tensor;
    squeeze(dim?: number): Tensor;
    unsqueeze(dim: number): Tensor;
    permute(perm: readonly number[]): Tensor;
    transpose(dim0?: number, dim1?: number): Tensor;
    readonly T: Tensor;
    expand(shape: Shape): Tensor;
    slice(dim: number, start?: number, end?: number, step?: number): Tensor;
    select(dim: number, index: number): Tensor;
    index(i: number): Tensor;
    matmul(o: Tensor): Tensor;
    softmax(dim?: number): Tensor;
    logSoftmax(dim?: number): Tensor;
    cast(dtype: DType): Tensor;
  }
}

const P = Tensor.prototype;
P.add = function (o) { return ew.add(this, o); };
P.sub = function (o) { return ew.sub(this, o); };
P.mul = function (o) { return ew.mul(this, o); };
P.div = function (o) { return ew.div(this, o); };
P.pow = function (o) { return ew.pow(this, o); };
P.maximum = function (o) { return ew.maximum(this, o); };
P.minimum = function (o) { return ew.minimum(this, o); };
P.neg = function () { return ew.neg(this); };
P.exp = function () { return ew.exp(this); };
P.log = function () { return ew.log(this); };
P.log1p = function () { return ew.log1p(this); };
P.sqrt = function () { return ew.sqrt(this); };
P.square = function () { return ew.square(this); };
P.abs = function () { return ew.abs(this); };
P.sigmoid = function () { return ew.sigmoid(this); };
P.tanh = function () { return ew.tanh(this); };
P.relu = function () { return ew.relu(this); };
P.clamp = function (min, max) { return ew.clamp(this, min, max); };
P.sum = function (dims, keep) { return red.sum(this, dims, keep); };
P.mean = function (dims, keep) { return red.mean(this, dims, keep); };
P.max = function (dims, keep) { return red.max(this, dims, keep); };
P.min = function (dims, keep) { return red.min(this, dims, keep); };
P.argmax = function (dim, keep) { return red.argmax(this, dim, keep); };
P.logSumExp = function (dims, keep) { return red.logSumExp(this, dims, keep); };
P.reshape = function (shape) { return view.reshape(this, shape); };
P.view = function (shape) { return view.reshape(this, shape); };
P.flatten = function (a, b) { return view.flatten(this, a, b); };
P.squeeze = function (dim) { return view.squeeze(this, dim); };
P.unsqueeze = function (dim) { return view.unsqueeze(this, dim); };
P.permute = function (perm) { return view.permute(this, perm); };
P.transpose = function (a, b) { return view.transpose(this, a, b); };
Object.defineProperty(P, "T", { get(this: Tensor) { return view.transpose(this); } });
P.expand = function (shape) { return view.expand(this, shape); };
P.slice = function (dim, start, end, step) { return view.slice(this, dim, start, end, step); };
P.select = function (dim, i) { return view.select(this, dim, i); };
P.index = function (i) { return view.index(this, i); };
P.matmul = function (o) { return la.matmul(this, o); };
P.softmax = function (dim) { return sm.softmax(this, dim); };
P.logSoftmax = function (dim) { return sm.logSoftmax(this, dim); };
P.cast = function (dtype) { return view.cast(this, dtype); };
