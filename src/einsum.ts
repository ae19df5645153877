/**
 * einsum — index notation as an op.
 *
 *   fl.einsum("ck,bk->bc", W, x)      y[b,c] += W[c,k] · x[b,k]
 *
 * Spec language: one comma-separated letter string per operand, then "->" and the output letters.
 * Without "->" the output is every letter that appears exactly once, in alphabetical order
 * (NumPy's rule). A letter missing from the output is summed over, also when it appears in one
 * operand only or twice within one operand (a trace/diagonal).
 *
 * THE SWAP RULE (the backward). For y = einsum(s_1,…,s_n -> o)(x_1,…,x_n) the gradient for operand
 * i is again an einsum: y.grad takes x_i's place and x_i's letters become the output,
 *
 *     x_i.grad[s_i] += einsum(o, s_1,…,s_{i−1}, s_{i+1},…,s_n -> s_i)(y.grad, x_1,…,x_{i−1}, x_{i+1},…,x_n)
 *
 * because ∂y[o]/∂x_i[s_i] is the product of the other operands. Preconditions for running the
 * swapped spec as written: (1) every letter of s_i appears in o or in another operand, so its size
 * is known there; (2) s_i has no repeated letter, since an output may not repeat one. When (1)
 * fails the letter was summed over x_i alone: the gradient is constant along it, so we run the
 * swapped einsum without it and broadcast along it. When (2) fails (x_i[j,j] read a diagonal) the
 * gradient lives on that diagonal: we run the swapped einsum to the distinct letters and add the
 * result at the positions where the repeated letters agree. Both are done by `scatterGrad` below.
 *
 * The forward contracts operands pairwise, left to right, each pair as one batched matrix product
 * on the backend (permute to [batch, free, summed] · [batch, summed, free]).
 */
import { addGrad, runOp } from "./autograd.js";
import { kernels } from "./backend/index.js";
import type { TypedArray } from "./dtype.js";
import { checkElementCount, ShapeError, sizeOf, stridesOf } from "./shape.js";
import { Tensor } from "./tensor.js";
import { empty, sameDType } from "./ops/util.js";
import { permuteData } from "./ops/view.js";

/** A parsed einsum spec: the index letters of each input and of the output. */
export interface EinsumSpec {
  /** The index letters of each input. */
  inputs: string[][];
  /** The index letters of the output. */
  output: string[];
}

const LETTER = /^[a-zA-Z]$/;

/** Parse and validate a spec for `count` operands. */
export function parseEinsum(spec: string, count?: number): EinsumSpec {
  if (typeof spec !== "string") throw new TypeError(`einsum: the spec must be a string, got ${typeof spec}`);
  const s = spec.replace(/\s+/g, "");
  if (s.includes("...")) throw new SyntaxError(`einsum: "${spec}": ellipsis (...) is not supported; name every dimension with a letter`);
  const parts = s.split("->");
  if (parts.length > 2) throw new SyntaxError(`einsum: "${spec}" has more than one "->"`);
  const lhs = parts[0]!;
  const inputs = lhs.split(",").map((t) => t.split(""));
  for (const [i, letters] of inputs.entries()) {
    for (const c of letters) {
      if (!LETTER.test(c)) throw new SyntaxError(`einsum: "${spec}": operand ${i} has '${c}', but indices must be letters a–z or A–Z`);
    }
  }
  if (count !== undefined && inputs.length !== count) {
    throw new SyntaxError(`einsum: "${spec}" names ${inputs.length} operand(s) but ${count} tensor(s) were given`);
  }
  let output: string[];
  if (parts.length === 2) {
    output = parts[1]!.split("");
    const seen = new Set<string>();
    for (const c of output) {
      if (!LETTER.test(c)) throw new SyntaxError(`einsum: "${spec}": output has '${c}', but indices must be letters`);
      if (seen.has(c)) throw new SyntaxError(`einsum: "${spec}": output index '${c}' appears twice`);
      if (!inputs.some((l) => l.includes(c))) throw new SyntaxError(`einsum: "${spec}": output index '${c}' appears in no operand`);
      seen.add(c);
    }
  } else {
    const counts = new Map<string, number>();
    for (const l of inputs) for (const c of l) counts.set(c, (counts.get(c) ?? 0) + 1);
    output = [...counts.entries()].filter(([, n]) => n === 1).map(([c]) => c).sort();
  }
  return { inputs, output };
}

/** The size of every letter, checked for agreement across operands. */
function letterSizes(spec: EinsumSpec, shapes: readonly (readonly number[])[], text: string): Map<string, number> {
  const sizes = new Map<string, number>();
  const where = new Map<string, string>();
  spec.inputs.forEach((letters, i) => {
    const shape = shapes[i]!;
    if (letters.length !== shape.length) {
      throw new ShapeError(`einsum: "${text}": operand ${i} has ${letters.length} indices (${letters.join("")}) but its shape [${shape.join(", ")}] has rank ${shape.length}`);
    }
    letters.forEach((c, d) => {
      const n = shape[d]!;
      const prev = sizes.get(c);
      if (prev !== undefined && prev !== n) {
        throw new ShapeError(`einsum: "${text}": index '${c}' has size ${prev} in ${where.get(c)} but ${n} in operand ${i} (dimension ${d})`);
      }
      if (prev === undefined) {
        sizes.set(c, n);
        where.set(c, `operand ${i} (dimension ${d})`);
      }
    });
  });
  return sizes;
}

// ---------------------------------------------------------------------------------------------
// Raw evaluation (no autograd): the definition and the planned contraction
// ---------------------------------------------------------------------------------------------

interface Operand {
  data: TypedArray;
  letters: string[];
}

/**
 * The definition: y[o] += Π_i x_i[s_i] over every assignment of every letter. Exact and slow.
 */
export function einsumNaiveData(spec: EinsumSpec, ops: readonly Operand[], sizes: Map<string, number>, dtype: "float32" | "float64"): TypedArray {
  const all = [...new Set([...spec.output, ...spec.inputs.flat()])];
  const dims = all.map((c) => sizes.get(c)!);
  const outStr = strideFor(spec.output, all, sizes);
  const inStr = ops.map((o) => strideFor(o.letters, all, sizes));
  const out = empty(dtype, sizeOf(spec.output.map((c) => sizes.get(c)!)));
  const total = sizeOf(dims);
  const idx = new Array<number>(all.length).fill(0);
  const pos = new Array<number>(ops.length).fill(0);
  let o = 0;
  for (let t = 0; t < total; t++) {
    let p = 1;
    for (let k = 0; k < ops.length; k++) p *= ops[k]!.data[pos[k]!]!;
    out[o] += p;
    for (let d = all.length - 1; d >= 0; d--) {
      idx[d]!++;
      o += outStr[d]!;
      for (let k = 0; k < ops.length; k++) pos[k]! += inStr[k]![d]!;
      if (idx[d]! < dims[d]!) break;
      o -= outStr[d]! * dims[d]!;
      for (let k = 0; k < ops.length; k++) pos[k]! -= inStr[k]![d]! * dims[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

/** For each letter of `all`, the storage stride it has in a tensor indexed by `letters` (summed over repeats). */
function strideFor(letters: readonly string[], all: readonly string[], sizes: Map<string, number>): number[] {
  const st = stridesOf(letters.map((c) => sizes.get(c)!));
  return all.map((c) => letters.reduce((acc, l, d) => (l === c ? acc + st[d]! : acc), 0));
}

/** Reduce one operand to `keep` (distinct letters): sums letters not kept and takes diagonals. */
function reduceTo(op: Operand, keep: string[], sizes: Map<string, number>, dtype: "float32" | "float64"): Operand {
  const same = op.letters.length === keep.length && op.letters.every((c, i) => c === keep[i]);
  if (same) return op;
  const data = einsumNaiveData({ inputs: [op.letters], output: keep }, [op], sizes, dtype);
  return { data, letters: keep };
}

/** The operand's values with its (distinct) letters reordered to `order`. */
function permuteTo(op: Operand, order: string[], sizes: Map<string, number>): TypedArray {
  if (op.letters.every((c, i) => c === order[i])) return op.data;
  return permuteData(op.data, op.letters.map((c) => sizes.get(c)!), order.map((c) => op.letters.indexOf(c)));
}

/** Contract two operands into the letters `keep` as one batched matmul; returns the work done. */
function contractPair(a: Operand, b: Operand, keep: Set<string>, sizes: Map<string, number>, dtype: "float32" | "float64"): { op: Operand; mults: number } {
  const uniq = (l: string[]) => [...new Set(l)];
  // letters each side must keep: needed later, or shared with the other side
  const aKeep = uniq(a.letters).filter((c) => keep.has(c) || b.letters.includes(c));
  const bKeep = uniq(b.letters).filter((c) => keep.has(c) || a.letters.includes(c));
  const ra = reduceTo(a, aKeep, sizes, dtype);
  const rb = reduceTo(b, bKeep, sizes, dtype);
  const batch = aKeep.filter((c) => bKeep.includes(c) && keep.has(c));
  const summed = aKeep.filter((c) => bKeep.includes(c) && !keep.has(c));
  const aFree = aKeep.filter((c) => !bKeep.includes(c));
  const bFree = bKeep.filter((c) => !aKeep.includes(c));
  const size = (l: string[]) => sizeOf(l.map((c) => sizes.get(c)!));
  const [nb, m, k, n] = [size(batch), size(aFree), size(summed), size(bFree)];
  const A = permuteTo(ra, [...batch, ...aFree, ...summed], sizes);
  const B = permuteTo(rb, [...batch, ...summed, ...bFree], sizes);
  const C = empty(dtype, nb * m * n);
  // C[b,i,j] = Σ_k A[b,i,k] · B[b,k,j]
  kernels().matmul(A, B, C, { batch: nb, m, n, k, transA: false, transB: false, strideA: m * k, strideB: k * n, accumulate: false });
  return { op: { data: C, letters: [...batch, ...aFree, ...bFree] }, mults: nb * m * n * k };
}

/** Evaluate a spec on raw operands by pairwise contraction. */
function evaluate(spec: EinsumSpec, ops: Operand[], sizes: Map<string, number>, dtype: "float32" | "float64"): { data: TypedArray; mults: number } {
  let mults = 0;
  let acc = ops[0]!;
  for (let i = 1; i < ops.length; i++) {
    const later = new Set([...spec.output, ...spec.inputs.slice(i + 1).flat()]);
    const r = contractPair(acc, ops[i]!, later, sizes, dtype);
    acc = r.op;
    mults += r.mults;
  }
  const final = reduceTo(acc, spec.output.filter((c) => acc.letters.includes(c)), sizes, dtype);
  return { data: permuteTo(final, spec.output, sizes), mults };
}

// ---------------------------------------------------------------------------------------------
// The op
// ---------------------------------------------------------------------------------------------

/** Einstein summation with the swap-rule backward (see the comment at the top of this file). */
export function einsum(spec: string, ...tensors: Tensor[]): Tensor {
  tensors.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new TypeError(`einsum: operand ${i} must be a Tensor, got ${typeof t}`);
  });
  const parsed = parseEinsum(spec, tensors.length);
  const sizes = letterSizes(parsed, tensors.map((t) => t.shape), spec);
  const dtype = sameDType("einsum", ...tensors);
  const outShape = parsed.output.map((c) => sizes.get(c)!);
  checkElementCount("einsum", `the result of "${spec}"`, outShape);
  return runOp("einsum", tensors, () => {
    const ops = tensors.map((t, i) => ({ data: t.data, letters: parsed.inputs[i]! }));
    const r = evaluate(parsed, ops, sizes, dtype);
    return {
      out: new Tensor(r.data, outShape),
      multiplies: r.mults,
      adds: r.mults,
      attrs: { inputs: parsed.inputs, output: parsed.output },
      backward: (y) => {
        tensors.forEach((x, i) => {
          if (!x.requiresGrad) return;
          const swapped = swapSpec(parsed, i);
          const others = tensors.flatMap((t, j) => (j === i ? [] : [{ data: t.data, letters: parsed.inputs[j]! }]));
          const g = evaluate(swapped, [{ data: y.grad!.data, letters: parsed.output }, ...others], sizes, dtype);
          addGrad(x, scatterGrad(g.data, swapped.output, parsed.inputs[i]!, x.shape, sizes, dtype));
        });
      },
    };
  });
}

/**
 * The swapped spec for operand i: y.grad's letters first, then the other operands; the output is
 * the distinct letters of s_i that are known elsewhere (see preconditions above).
 */
export function swapSpec(spec: EinsumSpec, i: number): EinsumSpec {
  const others = spec.inputs.filter((_, j) => j !== i);
  const known = new Set([...spec.output, ...others.flat()]);
  const target = [...new Set(spec.inputs[i]!)].filter((c) => known.has(c));
  return { inputs: [spec.output, ...others], output: target };
}

/**
 * x.grad[s_i] += G[u]: G is indexed by the distinct known letters u; positions where a repeated
 * letter takes different values get nothing; letters absent from u are broadcast.
 */
function scatterGrad(g: TypedArray, u: string[], letters: string[], shape: readonly number[], sizes: Map<string, number>, dtype: "float32" | "float64"): Tensor {
  const plain = letters.length === u.length && letters.every((c, k) => c === u[k]);
  if (plain) return new Tensor(g, shape);
  const out = empty(dtype, sizeOf(shape));
  const uStr = stridesOf(u.map((c) => sizes.get(c)!));
  const rank = letters.length;
  const idx = new Array<number>(rank).fill(0);
  for (let p = 0; p < out.length; p++) {
    // the value each letter takes at this position; a mismatch on a repeated letter means off-diagonal
    let ok = true;
    let gi = 0;
    const value = new Map<string, number>();
    for (let d = 0; d < rank && ok; d++) {
      const c = letters[d]!;
      const v = value.get(c);
      if (v === undefined) value.set(c, idx[d]!);
      else if (v !== idx[d]) ok = false;
    }
    if (ok) {
      u.forEach((c, k) => (gi += value.get(c)! * uStr[k]!));
      out[p] = g[gi]!;
    }
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      if (idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return new Tensor(out, shape);
}

/** The definition as a standalone function (for tests and the reference): naive summation. */
export function einsumNaive(spec: string, ...tensors: Tensor[]): Tensor {
  const parsed = parseEinsum(spec, tensors.length);
  const sizes = letterSizes(parsed, tensors.map((t) => t.shape), spec);
  const dtype = sameDType("einsum", ...tensors);
  const data = einsumNaiveData(parsed, tensors.map((t, i) => ({ data: t.data, letters: parsed.inputs[i]! })), sizes, dtype);
  return new Tensor(data, parsed.output.map((c) => sizes.get(c)!));
}

// ---------------------------------------------------------------------------------------------
// Showing the derivation to people
// ---------------------------------------------------------------------------------------------

/**
 * What `explainEinsum` returns: the forward equation, the backward equation of each input (by the swap rule),
 * and both as text.
 */
export interface EinsumExplanation {
  /** The forward equation, e.g. `y[b,c] += W[c,k]·x[b,k]`. */
  forward: string;
  /** One backward equation per input, by the swap rule. */
  backward: string[];
  /** The forward and backward equations, one per line. */
  text: string;
  /** Same as `text`. */
  toString(): string;
}

/**
 * The forward equation and the swap-rule backward equations, written as in the course:
 *   explainEinsum("ck,bk->bc", ["W", "x"]) →
 *     y[b,c] += W[c,k]·x[b,k]
 *     W.grad[c,k] += y.grad[b,c]·x[b,k]
 *     x.grad[b,k] += y.grad[b,c]·W[c,k]
 */
export function explainEinsum(spec: string, names?: readonly string[], outputName = "y"): EinsumExplanation {
  const parsed = parseEinsum(spec);
  const ns = names ?? parsed.inputs.map((_, i) => (parsed.inputs.length === 1 ? "x" : `x${i + 1}`));
  if (ns.length !== parsed.inputs.length) {
    throw new RangeError(`explainEinsum: "${spec}" has ${parsed.inputs.length} operands but ${ns.length} names were given`);
  }
  const term = (name: string, letters: string[]) => (letters.length === 0 ? name : `${name}[${letters.join(",")}]`);
  const forward = `${term(outputName, parsed.output)} += ${parsed.inputs.map((l, i) => term(ns[i]!, l)).join("·")}`;
  const backward = parsed.inputs.map((letters, i) => {
    const rhs = [term(`${outputName}.grad`, parsed.output), ...parsed.inputs.flatMap((l, j) => (j === i ? [] : [term(ns[j]!, l)]))];
    return `${term(`${ns[i]}.grad`, letters)} += ${rhs.join("·")}`;
  });
  const text = [forward, ...backward].join("\n");
  return { forward, backward, text, toString: () => text };
}
