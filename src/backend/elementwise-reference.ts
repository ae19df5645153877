/**
 * The definitions of the elementwise and last-axis kernels (see `Kernels` in ./kernels.ts): the
 * plain JavaScript loops the ops ran before these kernels existed, with each op's f and f' as a
 * closure. The fast backend (src/backend/fast/elementwise.ts) is tested against these.
 */
import type { TypedArray } from "../dtype.js";
import type { BinaryArgs, BinaryKernelOp, Kernels, OperandLayout, UnaryKernelOp } from "./kernels.js";

/** A unary op's definition: y = f(x) and dy/dx = df(x, y). */
export interface UnaryDefinition {
  f: (x: number) => number;
  df: (x: number, y: number) => number;
}

/** f and f' of every unary op with a kernel. */
export const UNARY_DEFINITIONS: Readonly<Record<UnaryKernelOp, UnaryDefinition>> = {
  neg: { f: (v) => -v, df: () => -1 },
  exp: { f: Math.exp, df: (_x, y) => y },
  log: { f: Math.log, df: (v) => 1 / v },
  sqrt: { f: Math.sqrt, df: (_x, y) => 0.5 / y },
  square: { f: (v) => v * v, df: (v) => 2 * v },
  abs: { f: Math.abs, df: (v) => (v > 0 ? 1 : v < 0 ? -1 : 0) },
  tanh: { f: Math.tanh, df: (_x, y) => 1 - y * y },
  // σ(x) = 1/(1+e^−x), computed without overflow;  σ' = y(1−y)
  sigmoid: { f: (v) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v))), df: (_x, y) => y * (1 - y) },
};

/** z = f(x, y) of every binary op with a kernel. */
export const BINARY_DEFINITIONS: Readonly<Record<BinaryKernelOp, (x: number, y: number) => number>> = {
  add: (x, y) => x + y,
  sub: (x, y) => x - y,
  mul: (x, y) => x * y,
  div: (x, y) => x / y,
};

/** y[i] = f(x[i]) (definition of `unaryForward`). */
export function unaryForwardReference(op: UnaryKernelOp, x: TypedArray, y: TypedArray): void {
  const f = UNARY_DEFINITIONS[op].f;
  // y[i] = f(x[i])
  for (let i = 0; i < x.length; i++) y[i] = f(x[i]!);
}

/** x.grad[i] (+)= y.grad[i] · f'(x[i]) (definition of `unaryBackward`). */
export function unaryBackwardReference(op: UnaryKernelOp, x: TypedArray, y: TypedArray, gy: TypedArray, gx: TypedArray, accumulate = true): void {
  const df = UNARY_DEFINITIONS[op].df;
  if (!accumulate) gx.fill(0, 0, x.length);
  // x.grad[i] += y.grad[i] · f'(x[i])
  for (let i = 0; i < x.length; i++) gx[i] = gx[i]! + gy[i]! * df(x[i]!, y[i]!);
}

/** out[r, c] = a[..] ⊙ b[..] (definition of `binaryForward`). */
export function binaryForwardReference(op: BinaryKernelOp, a: TypedArray, b: TypedArray, out: TypedArray, p: BinaryArgs): void {
  const f = BINARY_DEFINITIONS[op];
  for (let r = 0; r < p.rows; r++)
    for (let c = 0; c < p.cols; c++) {
      // out[r, c] = a[r·aRow + c·aCol] ⊙ b[r·bRow + c·bCol]
      out[r * p.cols + c] = f(a[r * p.a.rowStride + c * p.a.colStep]!, b[r * p.b.rowStride + c * p.b.colStep]!);
    }
}

/** How many elements an operand with this layout has in a rows × cols result. */
export function layoutLength(l: OperandLayout, rows: number, cols: number): number {
  return l.colStep === 0 ? (l.rowStride === 0 ? 1 : rows) : l.rowStride === 0 ? cols : rows * cols;
}

/** One operand's gradient of a ⊙ b, summed over its broadcast (definition of `binaryBackward`). */
export function binaryBackwardReference(op: BinaryKernelOp, side: 0 | 1, g: TypedArray, a: TypedArray, b: TypedArray, out: TypedArray, gx: TypedArray, p: BinaryArgs, accumulate = true): void {
  const { rows, cols } = p;
  const at = (l: OperandLayout, r: number, c: number) => r * l.rowStride + c * l.colStep;
  // the contribution of each element, rounded to g's precision as the ops that computed it did:
  // add: g; sub: g and −g; mul: g·b and g·a; div: g/b and −(g·out)/b
  const t = g.constructor === Float64Array ? new Float64Array(rows * cols) : new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const gv = g[i]!;
      if (op === "add") t[i] = gv;
      else if (op === "sub") t[i] = side === 0 ? gv : -gv;
      else if (op === "mul") t[i] = gv * (side === 0 ? b[at(p.b, r, c)]! : a[at(p.a, r, c)]!);
      else if (side === 0) t[i] = gv / b[at(p.b, r, c)]!;
      else {
        t[i] = gv * out[i]!;
        t[i] = -(t[i]! / b[at(p.b, r, c)]!);
      }
    }
  // summed over the positions that read the same element of the operand (as sumToShape does), then added
  const l = side === 0 ? p.a : p.b;
  const red = t.constructor === Float64Array ? new Float64Array(layoutLength(l, rows, cols)) : new Float32Array(layoutLength(l, rows, cols));
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) red[at(l, r, c)] += t[r * cols + c]!;
  if (!accumulate) gx.fill(0, 0, red.length);
  for (let i = 0; i < red.length; i++) gx[i] = gx[i]! + red[i]!;
}

/** y[r] = Σ_c x[r, c] (definition of `sumLast`). */
export function sumLastReference(x: TypedArray, y: TypedArray, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    // y[r] = Σ_c x[r, c]   (added up in y's precision, as the sum op does)
    y[r] = 0;
    for (let c = 0; c < cols; c++) y[r] += x[r * cols + c]!;
  }
}

/** x.grad[r, c] (+)= y.grad[r] (definition of `expandLast`). */
export function expandLastReference(gy: TypedArray, gx: TypedArray, rows: number, cols: number, accumulate = true): void {
  if (!accumulate) gx.fill(0, 0, rows * cols);
  // x.grad[r, c] += y.grad[r]
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) gx[r * cols + c] = gx[r * cols + c]! + gy[r]!;
}

/** The max or min of each row and its first index (definition of `extremeLast`). */
export function extremeLastReference(which: "max" | "min", x: TypedArray, y: TypedArray, arg: Int32Array, rows: number, cols: number): void {
  const better = which === "max" ? (a: number, b: number) => a > b : (a: number, b: number) => a < b;
  for (let r = 0; r < rows; r++) {
    // y[r] = max_c x[r, c], arg[r] = its first c (a NaN wins: the first NaN)
    let best = x[r * cols]!;
    let at = 0;
    for (let c = 1; c < cols; c++) {
      const v = x[r * cols + c]!;
      if ((better(v, best) || Number.isNaN(v)) && !Number.isNaN(best)) {
        best = v;
        at = c;
      }
    }
    y[r] = best;
    arg[r] = at;
  }
}

/** y[r] = ln Σ_c e^{x[r, c]}, shifted by the max (definition of `logSumExpLast`). */
export function logSumExpLastReference(x: TypedArray, y: TypedArray, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let c = 0; c < cols; c++) if (x[r * cols + c]! > m) m = x[r * cols + c]!;
    // shift by the max, or by 0 when the max is ±Inf (as PyTorch): Σ e^{x} is then +Inf or 0 and
    // ln of it gives +Inf or −Inf, where x − max would give ∞ − ∞ = NaN
    if (Math.abs(m) === Infinity) m = 0;
    // y[r] = m + ln Σ_c e^{x[r, c] − m}   (the sum kept in y's precision, as the logSumExp op does)
    y[r] = 0;
    for (let c = 0; c < cols; c++) y[r] += Math.exp(x[r * cols + c]! - m);
    y[r] = m + Math.log(y[r]!);
  }
}

/** x.grad[r, c] (+)= y.grad[r] · e^{x[r, c] − y[r]} (definition of `logSumExpLastBackward`). */
export function logSumExpLastBackwardReference(x: TypedArray, y: TypedArray, gy: TypedArray, gx: TypedArray, rows: number, cols: number, accumulate = true): void {
  if (!accumulate) gx.fill(0, 0, rows * cols);
  for (let r = 0; r < rows; r++) {
    if (y[r] === -Infinity) continue;
    // x.grad[r, c] += y.grad[r] · e^{x[r, c] − y[r]}
    for (let c = 0; c < cols; c++) gx[r * cols + c] = gx[r * cols + c]! + gy[r]! * Math.exp(x[r * cols + c]! - y[r]!);
  }
}

/** softmax or logSoftmax of each row (definition of `softmaxLast`). */
export function softmaxLastReference(x: TypedArray, y: TypedArray, rows: number, cols: number, log: boolean): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let m = -Infinity;
    for (let c = 0; c < cols; c++) m = Math.max(m, x[base + c]!);
    // an infinite max shifts by 0 instead (as PyTorch's logsumexp): ln Σ e^{x} is then ±Inf, not NaN
    if (Math.abs(m) === Infinity) m = 0;
    let s = 0;
    for (let c = 0; c < cols; c++) s += Math.exp(x[base + c]! - m);
    const lse = m + Math.log(s);
    // y[r, c] = x[r, c] − ln Σ_j e^{x[r, j]}   (softmax: e^ of that, rounded to y's precision first)
    for (let c = 0; c < cols; c++) y[base + c] = x[base + c]! - lse;
    if (!log) for (let c = 0; c < cols; c++) y[base + c] = Math.exp(y[base + c]!);
  }
}

/** softmax's or logSoftmax's backward over each row (definition of `softmaxLastBackward`). */
export function softmaxLastBackwardReference(y: TypedArray, gy: TypedArray, gx: TypedArray, rows: number, cols: number, log: boolean, accumulate = true): void {
  if (!accumulate) gx.fill(0, 0, rows * cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let s = 0;
    if (log) for (let c = 0; c < cols; c++) s += gy[base + c]!;
    else for (let c = 0; c < cols; c++) s += gy[base + c]! * y[base + c]!;
    for (let c = 0; c < cols; c++) {
      const p = base + c;
      // softmax: x.grad[k] += y[k]·(y.grad[k] − Σ_j y.grad[j]·y[j]);  logSoftmax: x.grad[k] += y.grad[k] − e^{y[k]}·Σ_j y.grad[j]
      gx[p] = log ? gx[p]! + gy[p]! - Math.exp(y[p]!) * s : gx[p]! + y[p]! * (gy[p]! - s);
    }
  }
}

/** The definitions as kernel overrides (merged into the reference backend). */
export const elementwiseReferenceKernels: Required<Pick<Kernels, "unaryForward" | "unaryBackward" | "binaryForward" | "binaryBackward" | "sumLast" | "expandLast" | "extremeLast" | "logSumExpLast" | "logSumExpLastBackward" | "softmaxLast" | "softmaxLastBackward">> = {
  unaryForward: unaryForwardReference,
  unaryBackward: unaryBackwardReference,
  binaryForward: binaryForwardReference,
  binaryBackward: binaryBackwardReference,
  sumLast: sumLastReference,
  expandLast: expandLastReference,
  extremeLast: extremeLastReference,
  logSumExpLast: logSumExpLastReference,
  logSumExpLastBackward: logSumExpLastBackwardReference,
  softmaxLast: softmaxLastReference,
  softmaxLastBackward: softmaxLastBackwardReference,
};
