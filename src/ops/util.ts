/** Small helpers shared by the op families: dtype agreement and the errors that go with it. */
import { allocate, type DType, type TypedArray } from "../dtype.js";
import { outputStorage } from "../storage.js";
import { Tensor, asTensor, type TensorLike } from "../tensor.js";

/** Check that all tensors share one dtype; numbers adopt it. */
export function sameDType(op: string, ...xs: Tensor[]): DType {
  const d = xs[0]!.dtype;
  for (let i = 1; i < xs.length; i++) {
    if (xs[i]!.dtype !== d) {
      throw new TypeError(`${op}: dtype mismatch: input 0 is ${d} but input ${i} is ${xs[i]!.dtype}; convert one with .to("${d}")`);
    }
  }
  return d;
}

/** Two operands of a binary op as tensors: a number takes the other operand's dtype. */
export function operands(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  if (!(a instanceof Tensor) && !(b instanceof Tensor)) {
    if (typeof a !== "number" || typeof b !== "number") throw new TypeError(`${op}: expected tensors or numbers`);
    return [asTensor(a), asTensor(b)];
  }
  const like = (a instanceof Tensor ? a : b) as Tensor;
  const ta = asTensor(a, like);
  const tb = asTensor(b, like);
  sameDType(op, ta, tb);
  return [ta, tb];
}

export function checkTensor(op: string, x: unknown, what = "input"): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: ${what} must be a Tensor, got ${x === null ? "null" : typeof x}`);
  return x;
}

export function empty(dtype: DType, n: number): TypedArray {
  return allocate(dtype, n);
}

/**
 * Storage for an op's output that its kernel writes in full: inside nn.Sequential between two of
 * fundl's layers, memory the graph owns (src/storage.ts); otherwise an uninitialized array.
 */
export function outputArray(dtype: DType, n: number): TypedArray {
  return outputStorage(dtype, n);
}
