/**
 * Tensor: a contiguous row-major typed array with a shape, a dtype, and — when it takes part in
 * autograd — a `.grad` and the node that produced it. Creation functions live here too.
 */
import { allocate, checkDType, convert, dtypeOf, type DType, type TypedArray } from "./dtype.js";
import { generatorFor } from "./random.js";
import { checkShape, describeValue, fmt, ShapeError, sizeOf, stridesOf, type Shape } from "./shape.js";
import type { GradNode } from "./autograd.js";
import { runBackward, type BackwardOptions } from "./autograd.js";
import { locationOf, type StorageLocation } from "./storage.js";

/** Nested arrays of numbers, as `toArray()` returns and `tensor()` accepts. */
export type NestedArray = number | NestedArray[];

/** Options of tensor constructors: the element type (default float32) and whether the tensor requires grad. */
export interface TensorOptions {
  /** Element type (default "float32"). */
  dtype?: DType;
  /** Record ops on this tensor so that backward reaches it (default false). */
  requiresGrad?: boolean;
}

/**
 * Version counters, one per storage (the typed array): every in-place operation fundl offers
 * (nn.init's `*_` initialisers, optimiser steps, Module.loadStateDict, `bumpVersion()`) adds 1,
 * and backward refuses to use a tensor whose version changed since the forward recorded it (as
 * PyTorch does). Tensors that share the typed array (detach, reshape views) share the counter.
 * Writing into `.data` directly, or into a `subarray` of it, bypasses the counter.
 */
const versions = new WeakMap<TypedArray, number>();

/**
 * An n-dimensional array of float32 or float64 numbers (row-major, contiguous) that can record the ops applied
 * to it, so that `backward()` fills the `.grad` of the tensors it came from.
 */
export class Tensor {
  /** The elements in row-major order (Float32Array or Float64Array, by dtype). */
  readonly data: TypedArray;
  /** The size of each dimension ([] for a scalar). */
  readonly shape: readonly number[];
  /** The element type: "float32" or "float64". */
  readonly dtype: DType;
  /** Whether gradients flow to (or through) this tensor. */
  requiresGrad: boolean;
  /** Gradient of the last `backward()` root with respect to this tensor; same shape and dtype. */
  grad: Tensor | null = null;
  /** The op that produced this tensor, while the graph is alive (null for leaves). */
  _node: GradNode | null = null;
  /** Keep `.grad` on this non-leaf tensor after backward (see `retainGrad()`). */
  _retainGrad = false;

  constructor(data: TypedArray, shape: Shape, requiresGrad = false) {
    if (data.length !== sizeOf(shape)) {
      throw new ShapeError(`Tensor: ${data.length} values do not fill shape ${fmt(shape)} (needs ${sizeOf(shape)})`);
    }
    this.data = data;
    this.shape = Object.freeze(shape.slice());
    this.dtype = dtypeOf(data);
    this.requiresGrad = requiresGrad;
  }

  /** The number of elements (the product of the shape). */
  get size(): number {
    return this.data.length;
  }

  /**
   * Where the numbers live: "js" (an ordinary typed array) or "wasm" (a view onto the WebAssembly
   * memory the fast kernels run on, which they use in place). Only storage whose end fundl knows
   * lives in wasm memory: intermediate gradients during `backward()`, and the activations
   * nn.Sequential passes between its own layers, which user code never sees.
   */
  get location(): StorageLocation {
    return locationOf(this.data);
  }

  /** How many in-place operations changed this tensor's storage (see `bumpVersion`). */
  get version(): number {
    return versions.get(this.data) ?? 0;
  }

  /**
   * Record an in-place change of the values (fundl's in-place operations call it; call it after
   * writing into `.data` yourself so that backward notices the change). Returns this tensor.
   */
  bumpVersion(): this {
    versions.set(this.data, this.version + 1);
    return this;
  }

  /** The number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }
  /** Row-major strides: how many elements apart consecutive indices of each dimension are. */
  get strides(): number[] {
    return stridesOf(this.shape);
  }
  /** True for tensors not produced by a recorded op (parameters, inputs). */
  get isLeaf(): boolean {
    return this._node === null;
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new ShapeError(`item: tensor of shape ${fmt(this.shape)} has ${this.size} elements, not 1`);
    return this.data[0]!;
  }

  /** Nested JavaScript arrays (a number for a scalar). */
  toArray(): NestedArray {
    if (this.shape.length === 0) return this.data[0]!;
    const strides = this.strides;
    const build = (dim: number, offset: number): NestedArray[] => {
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[dim]!; i++) {
        const o = offset + i * strides[dim]!;
        out.push(dim === this.shape.length - 1 ? this.data[o]! : build(dim + 1, o));
      }
      return out;
    };
    return build(0, 0);
  }

  /** A flat copy of the values as a plain array. */
  toList(): number[] {
    return Array.from(this.data);
  }

  /** The values as nested rows, with shape and dtype. */
  toString(): string {
    return formatTensor(this);
  }

  /** Back-propagate from this tensor (a scalar unless `grad` is given); adds into every leaf's `.grad`. */
  backward(grad?: Tensor, options?: BackwardOptions): void {
    runBackward(this, grad, options);
  }

  /** Keep `.grad` on this intermediate tensor after backward (leaves always keep theirs). */
  retainGrad(): this {
    this._retainGrad = true;
    return this;
  }

  /** Drop this tensor's gradient (set `.grad` to null). */
  zeroGrad(): void {
    this.grad = null;
  }

  /** The same values, cut from the graph: no gradient flows through the result. Shares storage. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, false);
  }

  /** Turn gradient tracking on or off for this leaf, in place (PyTorch's `requires_grad_`). */
  requiresGrad_(on = true): this {
    if (!this.isLeaf && !on) throw new Error("requiresGrad_: cannot turn off gradients on a non-leaf tensor; use detach()");
    this.requiresGrad = on;
    return this;
  }

  /** A deep copy of the values (a new leaf that does not require grad). */
  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape, false);
  }

  /** A copy in another dtype (no gradient flows through it; use `fl.cast` for a differentiable one). */
  to(dtype: DType): Tensor {
    checkDType(dtype, "to");
    return dtype === this.dtype ? this : new Tensor(convert(this.data, dtype), this.shape, false);
  }
}

function formatNumber(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return v.toFixed(0);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(4);
  return v.toFixed(4);
}

function formatTensor(t: Tensor): string {
  const head = `tensor(`;
  const tail = `, shape=${fmt(t.shape)}, dtype=${t.dtype}${t.requiresGrad ? ", requiresGrad" : ""})`;
  if (t.size > 1000) {
    const first = Array.from(t.data.subarray(0, 6), formatNumber).join(", ");
    return `${head}[${first}, …]${tail}`;
  }
  const strides = t.strides;
  const render = (dim: number, offset: number, indent: string): string => {
    if (t.shape.length === 0) return formatNumber(t.data[0]!);
    const n = t.shape[dim]!;
    const parts: string[] = [];
    for (let i = 0; i < n; i++) {
      const o = offset + i * strides[dim]!;
      parts.push(dim === t.shape.length - 1 ? formatNumber(t.data[o]!) : render(dim + 1, o, indent + " "));
    }
    const sep = dim === t.shape.length - 1 ? ", " : ",\n" + indent + " ";
    return `[${parts.join(sep)}]`;
  };
  return head + render(0, 0, " ".repeat(head.length)) + tail;
}

// ---------------------------------------------------------------------------------------------
// Creation
// ---------------------------------------------------------------------------------------------

function inferShape(data: NestedArray, where: string): number[] {
  const shape: number[] = [];
  let cur: NestedArray = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0]!;
  }
  if (!Array.isArray(data) && typeof data !== "number") throw new TypeError(`${where}: expected numbers or nested arrays of numbers`);
  return shape;
}

function flatten(data: NestedArray, shape: number[], out: number[], dim: number, where: string): void {
  if (dim === shape.length) {
    if (typeof data !== "number") throw new TypeError(`${where}: ragged nested array (expected a number at depth ${dim})`);
    out.push(data);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[dim]) {
    throw new ShapeError(`${where}: ragged nested array: expected ${shape[dim]} entries at depth ${dim}, got ${Array.isArray(data) ? data.length : "a number"}`);
  }
  for (const d of data) flatten(d, shape, out, dim + 1, where);
}

/**
 * Make a tensor from nested arrays, a flat array with a shape, a typed array, or a number.
 * A Float32Array/Float64Array is used as storage directly (no copy) when its dtype matches.
 */
export function tensor(data: NestedArray | ArrayLike<number> | TypedArray, shape?: Shape, options: TensorOptions = {}): Tensor {
  const isTyped = ArrayBuffer.isView(data) && !(data instanceof DataView) && !(data instanceof BigInt64Array) && !(data instanceof BigUint64Array);
  const length = (data as { length?: unknown } | null)?.length;
  const isArrayLike = typeof data === "object" && data !== null && typeof length === "number" && Number.isSafeInteger(length) && length >= 0;
  if (typeof data !== "number" && !Array.isArray(data) && !isTyped && !isArrayLike) {
    throw new TypeError(`tensor: data must be a number, an array (nested or flat) of numbers or a typed array, got ${describeValue(data)}`);
  }
  if (!isTyped && !Array.isArray(data) && isArrayLike) data = Array.from(data as ArrayLike<unknown>) as number[];
  if (Array.isArray(data) && !data.some((d) => Array.isArray(d))) {
    const bad = data.findIndex((d) => typeof d !== "number");
    if (bad >= 0) throw new TypeError(`tensor: element ${bad} is ${describeValue(data[bad])}, not a number`);
  }
  const dtype = checkDType(options.dtype ?? (data instanceof Float64Array ? "float64" : "float32"), "tensor");
  let values: TypedArray;
  let outShape: number[];
  if (typeof data === "number") {
    values = convert([data], dtype);
    outShape = [];
  } else if (Array.isArray(data) && (shape === undefined || data.some((d) => Array.isArray(d)))) {
    outShape = inferShape(data, "tensor");
    const flat: number[] = [];
    flatten(data, outShape, flat, 0, "tensor");
    values = convert(flat, dtype);
  } else {
    const arr = data as ArrayLike<number>;
    values = (arr instanceof Float32Array && dtype === "float32") || (arr instanceof Float64Array && dtype === "float64")
      ? (arr as TypedArray)
      : convert(arr, dtype);
    outShape = [values.length];
  }
  if (shape !== undefined) {
    const s = checkShape(shape, "tensor");
    if (sizeOf(s) !== values.length) {
      throw new ShapeError(`tensor: ${values.length} values cannot take shape ${fmt(s)} (needs ${sizeOf(s)})`);
    }
    outShape = s;
  }
  return new Tensor(values, outShape, options.requiresGrad ?? false);
}

/**
 * Options of the random constructors: TensorOptions plus a seed (the same seed gives the same numbers on every
 * platform).
 */
export interface CreateOptions extends TensorOptions {
  /** Seed of a fresh generator (default: the global generator). */
  seed?: number;
}

/** A tensor of `shape` filled with `value`; `op` names the caller in errors. */
function filled(op: string, shape: Shape, value: number, options: TensorOptions): Tensor {
  const s = checkShape(shape, op);
  const data = allocate(checkDType(options.dtype ?? "float32", op), sizeOf(s));
  if (value !== 0) data.fill(value);
  return new Tensor(data, s, options.requiresGrad ?? false);
}

/** A tensor of the given shape with every element equal to `value`. */
export function full(shape: Shape, value: number, options: TensorOptions = {}): Tensor {
  return filled("full", shape, value, options);
}

/** A tensor of the given shape filled with 0 (float32 unless `dtype` says otherwise). */
export function zeros(shape: Shape, options: TensorOptions = {}): Tensor {
  return filled("zeros", shape, 0, options);
}

/** A tensor of the given shape filled with 1 (float32 unless `dtype` says otherwise). */
export function ones(shape: Shape, options: TensorOptions = {}): Tensor {
  return filled("ones", shape, 1, options);
}

/** Zeros with the shape and dtype of `t` (options may override the dtype). */
export function zerosLike(t: Tensor, options: TensorOptions = {}): Tensor {
  return zeros(t.shape, { dtype: t.dtype, ...options });
}

/** Ones with the shape and dtype of `t` (options may override the dtype). */
export function onesLike(t: Tensor, options: TensorOptions = {}): Tensor {
  return ones(t.shape, { dtype: t.dtype, ...options });
}

/** Values start, start+step, … below end (like `torch.arange`). */
export function arange(start: number, end?: number, step = 1, options: TensorOptions = {}): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (step === 0 || !Number.isFinite(step)) throw new RangeError(`arange: step must be a non-zero finite number, got ${step}`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  const data = allocate(checkDType(options.dtype ?? "float32", "arange"), n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return new Tensor(data, [n], options.requiresGrad ?? false);
}

/** `steps` values evenly spaced from `start` to `end`, both included (like `torch.linspace`). */
export function linspace(start: number, end: number, steps: number, options: TensorOptions = {}): Tensor {
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`linspace: steps must be a positive integer, got ${steps}`);
  const data = allocate(checkDType(options.dtype ?? "float32", "linspace"), steps);
  for (let i = 0; i < steps; i++) data[i] = steps === 1 ? start : start + ((end - start) * i) / (steps - 1);
  return new Tensor(data, [steps], options.requiresGrad ?? false);
}

/** The n×n identity matrix. */
export function eye(n: number, options: TensorOptions = {}): Tensor {
  const t = zeros([n, n], options);
  for (let i = 0; i < n; i++) t.data[i * n + i] = 1;
  return t;
}

/** Standard normal samples (seeded: the same seed gives the same numbers everywhere). */
export function randn(shape: Shape, options: CreateOptions = {}): Tensor {
  const s = checkShape(shape, "randn");
  const gen = generatorFor(options.seed);
  const data = allocate(checkDType(options.dtype ?? "float32", "randn"), sizeOf(s));
  for (let i = 0; i < data.length; i++) data[i] = gen.normal();
  return new Tensor(data, s, options.requiresGrad ?? false);
}

/** Uniform samples in [0, 1) (seeded). */
export function rand(shape: Shape, options: CreateOptions = {}): Tensor {
  const s = checkShape(shape, "rand");
  const gen = generatorFor(options.seed);
  const data = allocate(checkDType(options.dtype ?? "float32", "rand"), sizeOf(s));
  for (let i = 0; i < data.length; i++) data[i] = gen.random();
  return new Tensor(data, s, options.requiresGrad ?? false);
}

/** Uniform integers in [low, high) (seeded), stored as floats. */
export function randint(low: number, high: number, shape: Shape, options: CreateOptions = {}): Tensor {
  if (!(high > low)) throw new RangeError(`randint: high (${high}) must exceed low (${low})`);
  const s = checkShape(shape, "randint");
  const gen = generatorFor(options.seed);
  const data = allocate(checkDType(options.dtype ?? "float32", "randint"), sizeOf(s));
  for (let i = 0; i < data.length; i++) data[i] = low + gen.int(high - low);
  return new Tensor(data, s, false);
}

/** Anything a binary op accepts: a tensor or a plain number. */
export type TensorLike = Tensor | number;

/** A tensor for `x`, with `like`'s dtype when `x` is a number. */
export function asTensor(x: TensorLike, like?: Tensor): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x !== "number") throw new TypeError(`expected a Tensor or a number, got ${typeof x}`);
  return new Tensor(convert([x], like?.dtype ?? "float32"), [], false);
}
