/**
 * Elementwise ops. Binary ops broadcast like NumPy/PyTorch; each backward adds into the inputs'
 * grads and `addGrad` sums the contribution back over broadcast dims.
 */
import { addGrad, gradBuffer, gradTarget, runOp } from "../autograd.js";
import { kernels } from "../backend/index.js";
import { BINARY_DEFINITIONS, UNARY_DEFINITIONS } from "../backend/elementwise-reference.js";
import type { BinaryArgs, BinaryKernelOp, OperandLayout, UnaryKernelOp } from "../backend/kernels.js";
import { uninitialized, type TypedArray } from "../dtype.js";
import { broadcastOffsets, broadcastShapes, sameShape, sizeOf, type Shape } from "../shape.js";
import { Tensor, asTensor, type TensorLike } from "../tensor.js";
import { checkTensor, empty, operands, outputArray } from "./util.js";

// ---------------------------------------------------------------------------------------------
// Broadcasting binary map
// ---------------------------------------------------------------------------------------------

/** out[i] = f(a[ia(i)], b[ib(i)]) over the broadcast shape. */
function broadcastMap(a: Tensor, b: Tensor, shape: Shape, f: (x: number, y: number) => number): TypedArray {
  const n = sizeOf(shape);
  const out = empty(a.dtype, n);
  const ad = a.data;
  const bd = b.data;
  if (sameShape(a.shape, b.shape) && a.size === n) {
    for (let i = 0; i < n; i++) out[i] = f(ad[i]!, bd[i]!);
    return out;
  }
  if (b.size === 1 && a.size === n) {
    const y = bd[0]!;
    for (let i = 0; i < n; i++) out[i] = f(ad[i]!, y);
    return out;
  }
  if (a.size === 1 && b.size === n) {
    const x = ad[0]!;
    for (let i = 0; i < n; i++) out[i] = f(x, bd[i]!);
    return out;
  }
  const ia = broadcastOffsets(a.shape, shape);
  const ib = broadcastOffsets(b.shape, shape);
  for (let i = 0; i < n; i++) out[i] = f(ad[ia[i]!]!, bd[ib[i]!]!);
  return out;
}

/**
 * How a binary kernel reads a and b for the broadcast `shape`, when each operand is full, a scalar, a
 * row repeated over leading dims ([.., n] ⊙ [n]) or a column repeated along trailing dims
 * ([.., n] ⊙ [.., 1]) of one split of `shape` into rows × cols; null for any other broadcast.
 */
export function binaryLayout(aShape: Shape, bShape: Shape, shape: Shape): BinaryArgs | null {
  const rank = shape.length;
  const n = sizeOf(shape);
  if (n === 0) return null;
  // the common cases without the general search
  const full: OperandLayout = { rowStride: n, colStep: 1 };
  const scalar: OperandLayout = { rowStride: 0, colStep: 0 };
  if (sameShape(aShape, bShape)) return { rows: 1, cols: n, a: full, b: full };
  if (sizeOf(bShape) === 1 && sizeOf(aShape) === n) return { rows: 1, cols: n, a: full, b: scalar };
  if (sizeOf(aShape) === 1 && sizeOf(bShape) === n) return { rows: 1, cols: n, a: scalar, b: full };
  // each operand: its kind, and the split it needs (-1: any)
  const kinds = [aShape, bShape].map((s) => {
    const p = [...new Array<number>(rank - s.length).fill(1), ...s];
    if (sizeOf(p) === n) return { kind: "full" as const, split: -1 };
    if (sizeOf(p) === 1) return { kind: "scalar" as const, split: -1 };
    const first = p.findIndex((d) => d !== 1);
    if (p.slice(first).every((d, i) => d === shape[first + i])) return { kind: "row" as const, split: first };
    let last = rank - 1;
    while (p[last] === 1) last--;
    if (p.slice(0, last + 1).every((d, i) => d === shape[i])) return { kind: "column" as const, split: last + 1 };
    return null;
  });
  const [ka, kb] = kinds;
  if (!ka || !kb) return null;
  if (ka.split >= 0 && kb.split >= 0 && ka.split !== kb.split) return null;
  const split = ka.split >= 0 ? ka.split : kb.split >= 0 ? kb.split : 0;
  const cols = sizeOf(shape.slice(split));
  const layout = (kind: "full" | "scalar" | "row" | "column"): OperandLayout =>
    kind === "full" ? { rowStride: cols, colStep: 1 } : kind === "row" ? { rowStride: 0, colStep: 1 } : kind === "column" ? { rowStride: 1, colStep: 0 } : { rowStride: 0, colStep: 0 };
  return { rows: n / cols, cols, a: layout(ka.kind), b: layout(kb.kind) };
}

interface BinarySpec {
  f: (x: number, y: number) => number;
  /** The backend kernel that computes f and both gradients (then f, da and db are its definitions). */
  kernel?: BinaryKernelOp;
  /** Contributions to a.grad and b.grad given the output gradient (computed with other ops, under noGrad). */
  da: (g: Tensor, a: Tensor, b: Tensor, out: Tensor) => Tensor;
  db: (g: Tensor, a: Tensor, b: Tensor, out: Tensor) => Tensor;
  multiplies: number;
  adds: number;
}

function binary(name: string, spec: BinarySpec, x: TensorLike, y: TensorLike): Tensor {
  const [a, b] = operands(name, x, y);
  const shape = broadcastShapes(name, a.shape, b.shape);
  // the backend's kernels where the broadcast is one they take (full, row, column or scalar operands)
  const args = spec.kernel ? binaryLayout(a.shape, b.shape, shape) : null;
  if (spec.kernel && args) return binaryKernel(name, spec, spec.kernel, args, a, b, shape);
  return runOp(name, [a, b], () => {
    const out = new Tensor(broadcastMap(a, b, shape, spec.f), shape);
    return {
      out,
      multiplies: spec.multiplies * out.size,
      adds: spec.adds * out.size,
      backward: (o) => {
        const g = o.grad!;
        if (a.requiresGrad) addGrad(a, spec.da(g, a, b, o));
        if (b.requiresGrad) addGrad(b, spec.db(g, a, b, o));
      },
    };
  });
}

/** A binary op through the backend's kernels: out[r, c] = a[..] ⊙ b[..], each gradient summed over its operand's broadcast. */
function binaryKernel(name: string, spec: BinarySpec, op: BinaryKernelOp, args: BinaryArgs, a: Tensor, b: Tensor, shape: Shape): Tensor {
  return runOp(name, [a, b], () => {
    const data = outputArray(a.dtype, args.rows * args.cols); // the kernel writes every element
    kernels().binaryForward(op, a.data, b.data, data, args);
    const out = new Tensor(data, shape);
    return {
      out,
      multiplies: spec.multiplies * out.size,
      adds: spec.adds * out.size,
      backward: (o) => {
        // a.grad (+)= Σ da, b.grad (+)= Σ db over the positions that read each of their elements
        const sides: Array<[Tensor, 0 | 1]> = [[a, 0], [b, 1]];
        for (const [t, side] of sides) {
          if (!t.requiresGrad) continue;
          const gt = gradTarget(t);
          kernels().binaryBackward(op, side, o.grad!.data, a.data, b.data, o.data, gt.data, args, gt.accumulate);
        }
      },
    };
  });
}

/** z[i] = a[i] + b[i]  —  a.grad[i] += z.grad[i]; b.grad[i] += z.grad[i] */
export function add(a: TensorLike, b: TensorLike): Tensor {
  return binary("add", { f: BINARY_DEFINITIONS.add, kernel: "add", da: (g) => g, db: (g) => g, multiplies: 0, adds: 1 }, a, b);
}

/** z[i] = a[i] − b[i]  —  a.grad[i] += z.grad[i]; b.grad[i] −= z.grad[i] */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  return binary("sub", { f: BINARY_DEFINITIONS.sub, kernel: "sub", da: (g) => g, db: (g) => neg(g), multiplies: 0, adds: 1 }, a, b);
}

/** z[i] = a[i] · b[i]  —  a.grad[i] += z.grad[i]·b[i]; b.grad[i] += z.grad[i]·a[i] */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  return binary(
    "mul",
    { f: BINARY_DEFINITIONS.mul, kernel: "mul", da: (g, _a, bb) => mul(g, bb), db: (g, aa) => mul(g, aa), multiplies: 1, adds: 0 },
    a,
    b,
  );
}

/** z[i] = a[i] / b[i]  —  a.grad[i] += z.grad[i]/b[i]; b.grad[i] −= z.grad[i]·z[i]/b[i] */
export function div(a: TensorLike, b: TensorLike): Tensor {
  return binary(
    "div",
    {
      f: BINARY_DEFINITIONS.div,
      kernel: "div",
      da: (g, _a, bb) => div(g, bb),
      db: (g, _a, bb, out) => neg(div(mul(g, out), bb)),
      multiplies: 1,
      adds: 0,
    },
    a,
    b,
  );
}

/**
 * z[i] = a[i]^b[i]  —  a.grad += z.grad·b·a^(b−1), taken as 0 where b = 0 (d/da a⁰ = 0, also at
 * a = 0 where b·a^(b−1) would be 0·∞); b.grad += z.grad·z·ln a, taken as 0 where a = 0 and b ≥ 0
 * (z = 0 there, 0·ln 0 would be NaN). Both as PyTorch's pow backward.
 */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  return binary(
    "pow",
    {
      f: (x, y) => Math.pow(x, y),
      da: (g, aa, bb) => mul(g, where(eq(bb, 0), 0, mul(bb, pow(aa, sub(bb, 1))))),
      db: (g, aa, bb, out) => mul(g, where(mul(eq(aa, 0), ge(bb, 0)), 0, mul(out, log(aa)))),
      multiplies: 1,
      adds: 0,
    },
    a,
    b,
  );
}

/** z[i] = max(a[i], b[i]), NaN when either is NaN (as PyTorch); the gradient goes to a where a ≥ b, else to b. */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return binary(
    "maximum",
    {
      f: (x, y) => (x !== x ? x : x >= y ? x : y),
      da: (g, aa, bb) => mul(g, ge(aa, bb)),
      db: (g, aa, bb) => mul(g, sub(1, ge(aa, bb))),
      multiplies: 0,
      adds: 0,
    },
    a,
    b,
  );
}

/** z[i] = min(a[i], b[i]), NaN when either is NaN (as PyTorch); the gradient goes to a where a ≤ b, else to b. */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return neg(maximum(neg(asTensor(a, b instanceof Tensor ? b : undefined)), neg(asTensor(b, a instanceof Tensor ? a : undefined))));
}

function compare(name: string, f: (x: number, y: number) => boolean, x: TensorLike, y: TensorLike): Tensor {
  const [a, b] = operands(name, x, y);
  const shape = broadcastShapes(name, a.shape, b.shape);
  return runOp(name, [a, b], () => ({ out: new Tensor(broadcastMap(a, b, shape, (p, q) => (f(p, q) ? 1 : 0)), shape) }));
}

/** 1 where a > b, else 0 (no gradient). */
export const gt = (a: TensorLike, b: TensorLike): Tensor => compare("gt", (x, y) => x > y, a, b);
/** 1 where a ≥ b, else 0 (no gradient). */
export const ge = (a: TensorLike, b: TensorLike): Tensor => compare("ge", (x, y) => x >= y, a, b);
/** 1 where a < b, else 0 (no gradient). */
export const lt = (a: TensorLike, b: TensorLike): Tensor => compare("lt", (x, y) => x < y, a, b);
/** 1 where a ≤ b, else 0 (no gradient). */
export const le = (a: TensorLike, b: TensorLike): Tensor => compare("le", (x, y) => x <= y, a, b);
/** 1 where a = b, else 0 (no gradient). */
export const eq = (a: TensorLike, b: TensorLike): Tensor => compare("eq", (x, y) => x === y, a, b);

// ---------------------------------------------------------------------------------------------
// Unary ops: y[i] = f(x[i]);  x.grad[i] += y.grad[i] · f'(x[i]) (written with y where cheaper)
// ---------------------------------------------------------------------------------------------

interface UnarySpec {
  f: (x: number) => number;
  /** The backend kernel that computes f and its backward (then f and df are its definitions). */
  kernel?: UnaryKernelOp;
  /** dy/dx given x and y = f(x). */
  df: (x: number, y: number) => number;
  multiplies?: number;
  adds?: number;
  /** Settings reported to the ONNX tracer (leakyRelu's slope, clamp's bounds). */
  attrs?: Readonly<Record<string, unknown>>;
}

function unary(name: string, spec: UnarySpec, xIn: Tensor): Tensor {
  const x = checkTensor(name, xIn);
  if (spec.kernel) return unaryKernel(name, spec.kernel, spec, x);
  return runOp(name, [x], () => {
    const xd = x.data;
    const out = empty(x.dtype, xd.length);
    const f = spec.f;
    for (let i = 0; i < xd.length; i++) out[i] = f(xd[i]!);
    return {
      out: new Tensor(out, x.shape),
      multiplies: (spec.multiplies ?? 0) * xd.length,
      adds: (spec.adds ?? 0) * xd.length,
      attrs: spec.attrs,
      backward: (y) => {
        const g = y.grad!.data;
        const gx = gradBuffer(x);
        const yd = y.data;
        const df = spec.df;
        // x.grad[i] += y.grad[i] · f'(x[i])
        for (let i = 0; i < gx.length; i++) gx[i] = gx[i]! + g[i]! * df(xd[i]!, yd[i]!);
      },
    };
  });
}

/** A unary op through the backend's kernels: y[i] = f(x[i]);  x.grad[i] += y.grad[i] · f'(x[i]). */
function unaryKernel(name: string, op: UnaryKernelOp, spec: UnarySpec, x: Tensor): Tensor {
  return runOp(name, [x], () => {
    const out = outputArray(x.dtype, x.size); // the kernel writes every element
    kernels().unaryForward(op, x.data, out);
    return {
      out: new Tensor(out, x.shape),
      multiplies: (spec.multiplies ?? 0) * x.size,
      adds: (spec.adds ?? 0) * x.size,
      backward: (y) => {
        // x.grad[i] += y.grad[i] · f'(x[i])   (written, not added, when x has no gradient yet)
        const gx = gradTarget(x);
        kernels().unaryBackward(op, x.data, y.data, y.grad!.data, gx.data, gx.accumulate);
      },
    };
  });
}

/** A unary op's spec from its kernel's definition. */
function kernelSpec(op: UnaryKernelOp, extra: Omit<UnarySpec, "f" | "df" | "kernel"> = {}): UnarySpec {
  return { ...UNARY_DEFINITIONS[op], kernel: op, ...extra };
}

/** y[i] = −x[i]. */
export const neg = (x: Tensor): Tensor => unary("neg", kernelSpec("neg"), x);
/** y[i] = e^x[i]. */
export const exp = (x: Tensor): Tensor => unary("exp", kernelSpec("exp"), x);
/** y[i] = ln x[i] (natural logarithm). */
export const log = (x: Tensor): Tensor => unary("log", kernelSpec("log"), x);
/** y[i] = ln(1 + x[i]), accurate for small x. */
export const log1p = (x: Tensor): Tensor => unary("log1p", { f: Math.log1p, df: (v) => 1 / (1 + v) }, x);
/** y[i] = √x[i]. */
export const sqrt = (x: Tensor): Tensor => unary("sqrt", kernelSpec("sqrt"), x);
/** y[i] = x[i]². */
export const square = (x: Tensor): Tensor => unary("square", kernelSpec("square", { multiplies: 1 }), x);
/** y[i] = |x[i]| (gradient 0 at 0). */
export const abs = (x: Tensor): Tensor => unary("abs", kernelSpec("abs"), x);
/** y[i] = sin x[i]. */
export const sin = (x: Tensor): Tensor => unary("sin", { f: Math.sin, df: (v) => Math.cos(v) }, x);
/** y[i] = cos x[i]. */
export const cos = (x: Tensor): Tensor => unary("cos", { f: Math.cos, df: (v) => -Math.sin(v) }, x);
/** y[i] = 1 / x[i]. */
export const reciprocal = (x: Tensor): Tensor => unary("reciprocal", { f: (v) => 1 / v, df: (_x, y) => -y * y }, x);

/** σ(x) = 1/(1+e^−x), computed without overflow;  σ' = y(1−y) */
export const sigmoid = (x: Tensor): Tensor =>
  unary("sigmoid", kernelSpec("sigmoid"), x);

/** tanh' = 1 − y² */
export const tanh = (x: Tensor): Tensor => unary("tanh", kernelSpec("tanh"), x);

/**
 * relu(x) = max(x, 0); relu'(x) = 1[x > 0] — through the backend's kernels. As in PyTorch, a NaN
 * input stays NaN, and no gradient flows where x ≤ 0 or x is NaN.
 */
export function relu(xIn: Tensor): Tensor {
  const x = checkTensor("relu", xIn);
  return runOp("relu", [x], () => {
    const out = outputArray(x.dtype, x.size); // the kernel writes every element
    // y[i] = max(x[i], 0)
    kernels().reluForward(x.data, out);
    return {
      out: new Tensor(out, x.shape),
      backward: (y) => {
        // x.grad[i] += y.grad[i] · 1[x[i] > 0]   (written, not added, when x has no gradient yet)
        const gx = gradTarget(x);
        kernels().reluBackward(x.data, y.grad!.data, gx.data, gx.accumulate);
      },
    };
  });
}

/** y[i] = x[i] for x[i] > 0, else slope·x[i] (slope default 0.01). */
export const leakyRelu = (x: Tensor, slope = 0.01): Tensor =>
  unary("leakyRelu", { f: (v) => (v > 0 ? v : slope * v), df: (v) => (v > 0 ? 1 : slope), attrs: { slope } }, x);

/** softplus(x) = ln(1 + e^x), stable;  softplus' = σ(x) */
export const softplus = (x: Tensor): Tensor =>
  unary(
    "softplus",
    { f: (v) => (v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v))), df: (v) => 1 / (1 + Math.exp(-v)) },
    x,
  );

/** clamp(x, lo, hi); the gradient passes where lo ≤ x ≤ hi. A NaN or non-number bound is refused. */
export function clamp(x: Tensor, min?: number, max?: number): Tensor {
  for (const [name, v] of [["min", min], ["max", max]] as const) {
    if (v !== undefined && (typeof v !== "number" || Number.isNaN(v))) throw new RangeError(`clamp: ${name} must be a number (not NaN), got ${typeof v === "number" ? "NaN" : JSON.stringify(v) ?? typeof v}`);
  }
  const lo = min ?? -Infinity;
  const hi = max ?? Infinity;
  if (lo > hi) throw new RangeError(`clamp: min (${lo}) exceeds max (${hi})`);
  return unary("clamp", { f: (v) => (v < lo ? lo : v > hi ? hi : v), df: (v) => (v >= lo && v <= hi ? 1 : 0), attrs: { min: lo, max: hi } }, x);
}

/**
 * out[i] = cond[i] ≠ 0 ? a[i] : b[i], broadcasting all three.
 * a.grad[i] += out.grad[i]·1[cond[i] ≠ 0];  b.grad[i] += out.grad[i]·1[cond[i] = 0]
 */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  checkTensor("where", cond, "condition");
  const [ta, tb] = operands("where", a, b);
  const shape = broadcastShapes("where", broadcastShapes("where", cond.shape, ta.shape), tb.shape);
  const mask = new Tensor(broadcastMap(cond.to(ta.dtype), cond.to(ta.dtype), shape, (c) => (c !== 0 ? 1 : 0)), shape);
  return runOp("where", [ta, tb], () => {
    const m = mask.data;
    const av = broadcastMap(ta, mask, shape, (x) => x);
    const bv = broadcastMap(tb, mask, shape, (x) => x);
    const out = empty(ta.dtype, m.length);
    for (let i = 0; i < m.length; i++) out[i] = m[i] !== 0 ? av[i]! : bv[i]!;
    return {
      out: new Tensor(out, shape),
      attrs: { condition: cond },
      backward: (o) => {
        const g = o.grad!;
        if (ta.requiresGrad) addGrad(ta, mul(g, mask));
        if (tb.requiresGrad) addGrad(tb, mul(g, sub(1, mask)));
      },
    };
  });
}
