/**
 * Shapes: sizes, strides, broadcasting, dim normalisation — and the errors that name what disagrees.
 */
export type Shape = readonly number[];

/** Thrown when tensor shapes do not fit an op (the message names the op and the shapes). */
export class ShapeError extends Error {
  override name = "ShapeError";
}

export function fmt(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides: stride[i] = Π_{j>i} shape[j]. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The most elements one tensor may hold: fundl indexes elements with 32-bit signed integers
 * (broadcast offsets, gather indices), so 2³¹ − 1. Larger results are refused up front with an
 * error naming the op, instead of failing inside a typed-array constructor.
 */
export const MAX_ELEMENTS = 2 ** 31 - 1;

/** Refuse a `what` (e.g. "the result") of `shape` with more than MAX_ELEMENTS elements, naming `op`. */
export function checkElementCount(op: string, what: string, shape: Shape): void {
  const n = sizeOf(shape);
  if (n > MAX_ELEMENTS) {
    throw new RangeError(`${op}: ${what} of shape ${fmt(shape)} would hold ${n} elements, more than the limit of ${MAX_ELEMENTS} (2^31 − 1) elements per tensor`);
  }
}

export function checkShape(shape: unknown, where: string): number[] {
  if (!Array.isArray(shape)) throw new ShapeError(`${where}: shape must be an array of sizes, got ${String(shape)}`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`${where}: shape ${JSON.stringify(shape)} has an invalid size ${String(d)} (sizes are integers ≥ 0)`);
    }
  }
  checkElementCount(where, "the tensor", shape as number[]);
  return shape.slice() as number[];
}

/** NumPy/PyTorch broadcasting: align from the right; sizes must match or be 1. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        `${op}: shapes ${fmt(a)} and ${fmt(b)} cannot be broadcast: dimension ${i - n} (from the right) is ${da} vs ${db}`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  checkElementCount(op, `the broadcast result of ${fmt(a)} and ${fmt(b)}`, out);
  return out;
}

/** Strides to read an array of `shape` as if it had `target` (broadcast dims get stride 0). */
export function broadcastStrides(shape: Shape, target: Shape): number[] {
  const st = stridesOf(shape);
  const off = target.length - shape.length;
  const out = new Array<number>(target.length).fill(0);
  for (let i = 0; i < shape.length; i++) out[i + off] = shape[i] === 1 ? 0 : st[i]!;
  return out;
}

/** Turn a possibly negative dim into 0..rank-1, or throw naming the op. */
export function normDim(op: string, dim: number, rank: number): number {
  if (!Number.isInteger(dim) || dim < -rank || dim >= rank) {
    throw new RangeError(`${op}: dim ${dim} is out of range for a tensor of rank ${rank} (valid: ${-rank}..${rank - 1})`);
  }
  return dim < 0 ? dim + rank : dim;
}

/** Normalise a dims argument (undefined = all dims), rejecting duplicates. */
export function normDims(op: string, dims: number | readonly number[] | undefined, rank: number): number[] {
  if (dims === undefined) return Array.from({ length: rank }, (_, i) => i);
  if (typeof dims !== "number" && !Array.isArray(dims)) {
    throw new TypeError(`${op}: dims must be a dimension index or an array of them, got ${JSON.stringify(dims) ?? typeof dims} (${typeof dims})`);
  }
  const list = typeof dims === "number" ? [dims] : dims;
  const out = list.map((d) => normDim(op, d, rank));
  if (new Set(out).size !== out.length) throw new RangeError(`${op}: dims ${JSON.stringify(list)} repeat a dimension`);
  return out.sort((x, y) => x - y);
}

/**
 * For each element of `target` (row-major), the flat index in an array of `shape` that
 * broadcasting reads: offset[i] = Σ_d idx_d(i) · stride_d, with stride 0 on broadcast dims.
 */
export function broadcastOffsets(shape: Shape, target: Shape): Int32Array {
  const n = sizeOf(target);
  const st = broadcastStrides(shape, target);
  const rank = target.length;
  const out = new Int32Array(n);
  const idx = new Array<number>(rank).fill(0);
  let o = 0;
  for (let i = 0; i < n; i++) {
    out[i] = o;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      o += st[d]!;
      if (idx[d]! < target[d]!) break;
      o -= st[d]! * target[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

/** A short description of a value for error messages: its type, and the value when it is short. */
export function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 20 ? v.slice(0, 20) + "…" : v)}`;
  if (typeof v === "object") return `an object (${(v as object).constructor?.name ?? "no prototype"})`;
  return `${typeof v}${v === undefined ? "" : ` ${String(v)}`}`;
}
