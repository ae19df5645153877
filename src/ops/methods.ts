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
    /** `fl.add(this, o)`: elementwise a + b, broadcasting. */
    add(o: TensorLike): Tensor;
    /** `fl.sub(this, o)`: elementwise a − b, broadcasting. */
    sub(o: TensorLike): Tensor;
    /** `fl.mul(this, o)`: elementwise a · b, broadcasting. */
    mul(o: TensorLike): Tensor;
    /** `fl.div(this, o)`: elementwise a / b, broadcasting. */
    div(o: TensorLike): Tensor;
    /** `fl.pow(this, o)`: elementwise a^b, broadcasting. */
    pow(o: TensorLike): Tensor;
    /** `fl.maximum(this, o)`: elementwise max(a, b). */
    maximum(o: TensorLike): Tensor;
    /** `fl.minimum(this, o)`: elementwise min(a, b). */
    minimum(o: TensorLike): Tensor;
    /** `fl.neg(this)`. */
    neg(): Tensor;
    /** `fl.exp(this)`. */
    exp(): Tensor;
    /** `fl.log(this)`. */
    log(): Tensor;
    /** `fl.log1p(this)`. */
    log1p(): Tensor;
    /** `fl.sqrt(this)`. */
    sqrt(): Tensor;
    /** `fl.square(this)`. */
    square(): Tensor;
    /** `fl.abs(this)`. */
    abs(): Tensor;
    /** `fl.sigmoid(this)`. */
    sigmoid(): Tensor;
    /** `fl.tanh(this)`. */
    tanh(): Tensor;
    /** `fl.relu(this)`. */
    relu(): Tensor;
    /** `fl.clamp(this, min, max)`. */
    clamp(min?: number, max?: number): Tensor;
    /** `fl.sum(this, dims, keepDims)`. */
    sum(dims?: red.Dims, keepDims?: boolean): Tensor;
    /** `fl.mean(this, dims, keepDims)`. */
    mean(dims?: red.Dims, keepDims?: boolean): Tensor;
    /** `fl.max(this, dims, keepDims)`. */
    max(dims?: red.Dims, keepDims?: boolean): Tensor;
    /** `fl.min(this, dims, keepDims)`. */
    min(dims?: red.Dims, keepDims?: boolean): Tensor;
    /** `fl.argmax(this, dim, keepDims)`. */
    argmax(dim: number, keepDims?: boolean): Tensor;
    /** `fl.logSumExp(this, dims, keepDims)`. */
    logSumExp(dims?: red.Dims, keepDims?: boolean): Tensor;
    /** `fl.reshape(this, shape)`. */
    reshape(shape: Shape): Tensor;
    /** Same as `reshape`. */
    view(shape: Shape): Tensor;
    /** `fl.flatten(this, startDim, endDim)`. */
    flatten(startDim?: number, endDim?: number): Tensor;
    /** `fl.squeeze(this, dim)`. */
    squeeze(dim?: number): Tensor;
    /** `fl.unsqueeze(this, dim)`. */
    unsqueeze(dim: number): Tensor;
    /** `fl.permute(this, perm)`. */
    permute(perm: readonly number[]): Tensor;
    /** `fl.transpose(this, dim0, dim1)`. */
    transpose(dim0?: number, dim1?: number): Tensor;
    /** The transpose of a matrix (the last two dimensions swapped). */
    readonly T: Tensor;
    /** `fl.expand(this, shape)`. */
    expand(shape: Shape): Tensor;
    /** `fl.slice(this, dim, start, end, step)`. */
    slice(dim: number, start?: number, end?: number, step?: number): Tensor;
    /** `fl.select(this, dim, index)`. */
    select(dim: number, index: number): Tensor;
    /** `fl.index(this, i)`: row i of the first dimension. */
    index(i: number): Tensor;
    /** `fl.matmul(this, o)`. */
    matmul(o: Tensor): Tensor;
    /** `fl.softmax(this, dim)`. */
    softmax(dim?: number): Tensor;
    /** `fl.logSoftmax(this, dim)`. */
    logSoftmax(dim?: number): Tensor;
    /** `fl.cast(this, dtype)`. */
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
