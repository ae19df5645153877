/**
 * Shape ops: reshape, permute/transpose, expand, slice/select, concat, stack, squeeze/unsqueeze.
 * Their backwards move y.grad back to where each element came from.
 */
import { addGrad, gradBuffer, runOp } from "../autograd.js";
import { broadcastOffsets, broadcastShapes, fmt, normDim, ShapeError, sizeOf, stridesOf, type Shape } from "../shape.js";
import { Tensor } from "../tensor.js";
import { checkTensor, empty, sameDType } from "./util.js";

/** Same values, new shape (one size may be −1 and is inferred). Shares storage with x. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  checkTensor("reshape", x);
  const s = shape.slice();
  const infer = s.indexOf(-1);
  if (infer >= 0) {
    if (s.indexOf(-1, infer + 1) >= 0) throw new ShapeError(`reshape: only one size may be −1, got ${fmt(shape)}`);
    const rest = sizeOf(s.filter((_, i) => i !== infer));
    if (rest === 0 || x.size % rest !== 0) throw new ShapeError(`reshape: cannot infer −1 in ${fmt(shape)} for ${x.size} elements`);
    s[infer] = x.size / rest;
  }
  for (const d of s) if (!Number.isInteger(d) || d < 0) throw new ShapeError(`reshape: invalid size ${d} in ${fmt(shape)}`);
  if (sizeOf(s) !== x.size) {
    throw new ShapeError(`reshape: cannot view shape ${fmt(x.shape)} (${x.size} elements) as ${fmt(s)} (${sizeOf(s)} elements)`);
  }
  return runOp("reshape", [x], () => ({
    out: new Tensor(x.data, s),
    backward: (y) => addGrad(x, new Tensor(y.grad!.data, x.shape)),
  }));
}

/** Flatten dims start..end (inclusive) into one. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const a = normDim("flatten", startDim, x.ndim);
  const b = normDim("flatten", endDim, x.ndim);
  if (a > b) throw new RangeError(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
  const shape = [...x.shape.slice(0, a), sizeOf(x.shape.slice(a, b + 1)), ...x.shape.slice(b + 1)];
  return reshape(x, shape);
}

/** Insert a dimension of size 1 at `dim` (a view: shares data with x). */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normDim("unsqueeze", dim, x.ndim + 1);
  return reshape(x, [...x.shape.slice(0, d), 1, ...x.shape.slice(d)]);
}

/** Drop size-1 dims (all of them, or the one given). */
export function squeeze(x: Tensor, dim?: number): Tensor {
  if (dim === undefined) return reshape(x, x.shape.filter((s) => s !== 1));
  const d = normDim("squeeze", dim, x.ndim);
  if (x.shape[d] !== 1) return x;
  return reshape(x, x.shape.filter((_, i) => i !== d));
}

/** y[i_{p(0)}, …, i_{p(n−1)}] = x[i_0, …, i_{n−1}]: y's dim k is x's dim perm[k]. */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  checkTensor("permute", x);
  if (perm.length !== x.ndim) throw new ShapeError(`permute: got ${perm.length} dims ${JSON.stringify(perm)} for a tensor of rank ${x.ndim}`);
  const p = perm.map((d) => normDim("permute", d, x.ndim));
  if (new Set(p).size !== p.length) throw new RangeError(`permute: ${JSON.stringify(perm)} is not a permutation`);
  const shape = p.map((d) => x.shape[d]!);
  const inverse = new Array<number>(p.length);
  p.forEach((d, k) => (inverse[d] = k));
  return runOp("permute", [x], () => ({
    out: new Tensor(permuteData(x.data, x.shape, p), shape),
    attrs: { perm: p },
    backward: (y) => addGrad(x, new Tensor(permuteData(y.grad!.data, shape, inverse), x.shape)),
  }));
}

/** y[i_{p(0)}, …] = x[i_0, …] on raw storage: y's dim k is x's dim p[k]. */
export function permuteData<T extends Float32Array | Float64Array>(src: T, shape: Shape, p: readonly number[]): T {
  const n = src.length;
  const out = new (src.constructor as { new (n: number): T })(n);
  const rank = shape.length;
  if (rank === 0) {
    out[0] = src[0]!;
    return out;
  }
  const st = stridesOf(shape);
  const outShape = p.map((d) => shape[d]!);
  const readStride = p.map((d) => st[d]!); // walking y in order reads x with these strides
  const idx = new Array<number>(rank).fill(0);
  let r = 0;
  for (let i = 0; i < n; i++) {
    out[i] = src[r]!;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      r += readStride[d]!;
      if (idx[d]! < outShape[d]!) break;
      r -= readStride[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

/** Swap two dims (the last two by default). */
export function transpose(x: Tensor, dim0 = -2, dim1 = -1): Tensor {
  if (x.ndim < 2 && dim0 === -2 && dim1 === -1) return x;
  const a = normDim("transpose", dim0, x.ndim);
  const b = normDim("transpose", dim1, x.ndim);
  const p = Array.from({ length: x.ndim }, (_, i) => i);
  p[a] = b;
  p[b] = a;
  return permute(x, p);
}

/** Broadcast x to `shape` (copying); x.grad gets y.grad summed over the broadcast dims. */
export function expand(x: Tensor, shape: Shape): Tensor {
  checkTensor("expand", x);
  const target = broadcastShapes("expand", x.shape, shape);
  if (target.length !== shape.length || target.some((s, i) => s !== shape[i])) {
    throw new ShapeError(`expand: shape ${fmt(x.shape)} cannot be expanded to ${fmt(shape)}`);
  }
  return runOp("expand", [x], () => {
    const src = broadcastOffsets(x.shape, target);
    const out = empty(x.dtype, src.length);
    // y[i] = x[src(i)], src the broadcasting read
    for (let i = 0; i < src.length; i++) out[i] = x.data[src[i]!]!;
    return { out: new Tensor(out, target), backward: (y) => addGrad(x, y.grad!) };
  });
}

/**
 * Elements start ≤ k < end (step `step`) along `dim`; negative indices count from the end.
 * y[…, k, …] = x[…, start + k·step, …]  —  x.grad[…, start + k·step, …] += y.grad[…, k, …]
 */
export function slice(x: Tensor, dim: number, start = 0, end?: number, step = 1): Tensor {
  checkTensor("slice", x);
  const d = normDim("slice", dim, x.ndim);
  const size = x.shape[d]!;
  if (!Number.isInteger(step) || step < 1) throw new RangeError(`slice: step must be a positive integer, got ${step}`);
  const clampIdx = (v: number): number => Math.min(size, Math.max(0, v < 0 ? v + size : v));
  const s = clampIdx(start);
  const e = clampIdx(end ?? size);
  const count = Math.max(0, Math.ceil((e - s) / step));
  const shape = x.shape.slice();
  shape[d] = count;
  const outer = sizeOf(x.shape.slice(0, d));
  const inner = sizeOf(x.shape.slice(d + 1));
  return runOp("slice", [x], () => {
    const out = empty(x.dtype, outer * count * inner);
    const xd = x.data;
    // y[o,k,i] = x[o, start + k·step, i]  (short rows copied by a plain loop: subarray views cost more)
    for (let o = 0; o < outer; o++)
      for (let k = 0; k < count; k++) {
        const src = (o * size + s + k * step) * inner;
        const dst = (o * count + k) * inner;
        if (inner >= 64) out.set(xd.subarray(src, src + inner), dst);
        else for (let i = 0; i < inner; i++) out[dst + i] = xd[src + i]!;
      }
    return {
      out: new Tensor(out, shape),
      attrs: { dim: d, start: s, end: e, step },
      backward: (y) => {
        const g = y.grad!.data;
        const gx = gradBuffer(x);
        for (let o = 0; o < outer; o++)
          for (let k = 0; k < count; k++) {
            const dst = (o * size + s + k * step) * inner;
            const src = (o * count + k) * inner;
            for (let i = 0; i < inner; i++) gx[dst + i] = gx[dst + i]! + g[src + i]!;
          }
      },
    };
  });
}

/** The sub-tensor at `index` along `dim`, with that dim removed. */
export function select(x: Tensor, dim: number, index: number): Tensor {
  const d = normDim("select", dim, x.ndim);
  const size = x.shape[d]!;
  if (!Number.isInteger(index) || index < -size || index >= size) {
    throw new RangeError(`select: index ${index} is out of range for dim ${dim} of size ${size}`);
  }
  const i = index < 0 ? index + size : index;
  return squeeze(slice(x, d, i, i + 1), d);
}

/** x[i] along the first dim (x[i] in PyTorch). */
export function index(x: Tensor, i: number): Tensor {
  return select(x, 0, i);
}

/** Join tensors along an existing dim; all other sizes must agree. */
export function concat(xs: readonly Tensor[], dim = 0): Tensor {
  if (xs.length === 0) throw new RangeError("concat: needs at least one tensor");
  xs.forEach((x, i) => checkTensor("concat", x, `tensor ${i}`));
  sameDType("concat", ...xs);
  const first = xs[0]!;
  const d = normDim("concat", dim, first.ndim);
  xs.forEach((x, k) => {
    if (x.ndim !== first.ndim) throw new ShapeError(`concat: tensor ${k} has rank ${x.ndim} but tensor 0 has rank ${first.ndim}`);
    x.shape.forEach((s, i) => {
      if (i !== d && s !== first.shape[i]) {
        throw new ShapeError(`concat: tensor ${k} has shape ${fmt(x.shape)} but tensor 0 has ${fmt(first.shape)}: dimension ${i} is ${s} vs ${first.shape[i]}`);
      }
    });
  });
  const sizes = xs.map((x) => x.shape[d]!);
  const total = sizes.reduce((a, b) => a + b, 0);
  const shape = first.shape.slice();
  shape[d] = total;
  const outer = sizeOf(first.shape.slice(0, d));
  const inner = sizeOf(first.shape.slice(d + 1));
  return runOp("concat", xs, () => {
    const out = empty(first.dtype, outer * total * inner);
    let off = 0;
    xs.forEach((x, k) => {
      const chunk = sizes[k]! * inner;
      for (let o = 0; o < outer; o++) out.set(x.data.subarray(o * chunk, (o + 1) * chunk), o * total * inner + off * inner);
      off += sizes[k]!;
    });
    return {
      out: new Tensor(out, shape),
      attrs: { dim: d },
      backward: (y) => {
        const g = y.grad!.data;
        let start = 0;
        xs.forEach((x, k) => {
          if (x.requiresGrad) {
            const chunk = sizes[k]! * inner;
            const gx = gradBuffer(x);
            for (let o = 0; o < outer; o++) {
              const src = o * total * inner + start * inner;
              for (let i = 0; i < chunk; i++) gx[o * chunk + i] = gx[o * chunk + i]! + g[src + i]!;
            }
          }
          start += sizes[k]!;
        });
      },
    };
  });
}

/** Join equally shaped tensors along a new dim. */
export function stack(xs: readonly Tensor[], dim = 0): Tensor {
  if (xs.length === 0) throw new RangeError("stack: needs at least one tensor");
  const first = xs[0]!;
  xs.forEach((x, k) => {
    checkTensor("stack", x, `tensor ${k}`);
    if (x.ndim !== first.ndim || x.shape.some((s, i) => s !== first.shape[i])) {
      throw new ShapeError(`stack: tensor ${k} has shape ${fmt(x.shape)} but tensor 0 has ${fmt(first.shape)}`);
    }
  });
  const d = normDim("stack", dim, first.ndim + 1);
  return concat(xs.map((x) => unsqueeze(x, d)), d);
}

/** Split along `dim` into pieces of `size` (the last may be smaller). */
export function split(x: Tensor, size: number, dim = 0): Tensor[] {
  const d = normDim("split", dim, x.ndim);
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`split: size must be a positive integer, got ${size}`);
  const out: Tensor[] = [];
  for (let s = 0; s < x.shape[d]!; s += size) out.push(slice(x, d, s, s + size));
  return out;
}

/** Unstack along `dim`: the list of sub-tensors with that dim removed. */
export function unbind(x: Tensor, dim = 0): Tensor[] {
  const d = normDim("unbind", dim, x.ndim);
  return Array.from({ length: x.shape[d]! }, (_, i) => select(x, d, i));
}

/** A differentiable change of dtype. */
export function cast(x: Tensor, dtype: "float32" | "float64"): Tensor {
  if (x.dtype === dtype) return x;
  return runOp("cast", [x], () => ({
    out: x.to(dtype),
    backward: (y) => addGrad(x, y.grad!.to(x.dtype)),
  }));
}
