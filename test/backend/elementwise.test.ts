// The fast elementwise and last-axis kernels (asm/pointwise.ts, asm/rows.ts) against their
// definitions (src/backend/elementwise-reference.ts): random lengths and broadcasts (odd lengths,
// scalar tails), operands in wasm memory (used in place) and in JavaScript arrays (copied in),
// NaN, ±Inf, ±0 and subnormals among the values.
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { fastContext } from "../../src/backend/fast/context.js";
import { fastElementwiseKernels as fast, wasmCalls } from "../../src/backend/fast/elementwise.js";
import * as ref from "../../src/backend/elementwise-reference.js";
import type { BinaryArgs, BinaryKernelOp, OperandLayout, UnaryKernelOp } from "../../src/backend/kernels.js";
import { rng } from "./helpers.js";

const ctx = fastContext()!;
const blocks: number[] = [];
/** Free the blocks `resident` took (after each property run, and after each test as a backstop). */
function freeBlocks(): void {
  while (blocks.length > 0) ctx.heap.free(blocks.pop()!);
}
afterEach(freeBlocks);

/** A copy of `a` in wasm memory (kernels use it in place), freed after the test. */
function resident<T extends Float32Array | Int32Array>(a: T): T {
  const at = ctx.heap.alloc(Math.max(1, a.length) * 4);
  blocks.push(at);
  const view = (a instanceof Int32Array ? ctx.heap.i32(at, a.length) : ctx.heap.f32(at, a.length)) as T;
  view.set(a as never);
  return view;
}

const SPECIAL = [0, -0, Infinity, -Infinity, NaN, 1e-45, -1e-45, 1e-39, 3.4e38, -3.4e38, 88.7, -88.7, 100, -104];

/** Special values of a gradient: finite ones near the float32 limit would lose bits times a subnormal e^d. */
const GRAD_SPECIAL = [0, -0, Infinity, -Infinity, NaN];

/** n float32 values: mostly spread over several magnitudes, some special. */
function sample(n: number, seed: number, specials = 0.1, special = SPECIAL): Float32Array {
  const r = rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = r();
    a[i] = u < specials ? special[Math.floor(r() * special.length)]! : (r() * 2 - 1) * 10 ** Math.floor(r() * 4 - 1);
  }
  return a;
}

/** The float32 bit pattern as an ordered integer: neighbouring floats differ by 1. */
const ordF = new Float32Array(1);
const ordI = new Int32Array(ordF.buffer);
function ord(v: number): number {
  ordF[0] = v;
  const i = ordI[0]!;
  return i < 0 ? -(i & 0x7fffffff) : i;
}

/** The first index where got and want differ by more than `ulps` (NaN only with NaN, ±∞ only with itself), or -1. */
function firstUlpMismatch(got: ArrayLike<number>, want: ArrayLike<number>, ulps: number): number {
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, w = want[i]!;
    if (Number.isNaN(w) || Number.isNaN(g)) {
      if (Number.isNaN(w) !== Number.isNaN(g)) return i;
    } else if (!Number.isFinite(w) || !Number.isFinite(g)) {
      if (g !== w) return i;
    } else if (Math.abs(ord(g) - ord(w)) > ulps) return i;
  }
  return -1;
}

function expectUlps(got: ArrayLike<number>, want: ArrayLike<number>, ulps: number, what: string): void {
  const i = firstUlpMismatch(got, want, ulps);
  if (i >= 0) expect.fail(`${what}: element ${i}: got ${got[i]}, want ${want[i]} (more than ${ulps} ulps apart)`);
}

/**
 * |got − want| ≤ rel·scale[i] + 1e-40 for every element (float32 subnormals carry few bits); NaN
 * only with NaN, ±∞ only with itself; where the scale itself is not finite only those are checked.
 */
function expectWithin(got: ArrayLike<number>, want: ArrayLike<number>, scale: ArrayLike<number>, rel: number, what: string): void {
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, w = want[i]!, s = scale[i]!;
    let ok: boolean;
    if (Number.isNaN(w) || Number.isNaN(g)) ok = Number.isNaN(w) && Number.isNaN(g);
    else if (!Number.isFinite(w) || !Number.isFinite(g)) ok = g === w;
    else ok = !Number.isFinite(s) || Math.abs(g - w) <= rel * s + 1e-40;
    if (!ok) expect.fail(`${what}: element ${i}: got ${g}, want ${w} (scale ${s})`);
  }
}

const UNARY: UnaryKernelOp[] = ["neg", "exp", "log", "sqrt", "square", "abs", "tanh", "sigmoid"];
/** Ops whose float32 result the kernel gives bit for bit (the others: within the ulps below). */
const EXACT = new Set<UnaryKernelOp>(["neg", "sqrt", "square", "abs"]);
/** Largest error of the polynomial ops in units in the last place (measured by the sweep below: 1, 1, 1, 2). */
const ULPS: Partial<Record<UnaryKernelOp, number>> = { exp: 1, log: 1, tanh: 1, sigmoid: 2 };

describe("unary kernels", () => {
  it("exp, log, tanh and σ are within 1–2 ulps of Math's results rounded to float32, over the whole range", () => {
    const xs: number[] = [];
    for (let x = -110; x <= 110; x += 0.00731) xs.push(x);
    for (let e = -149; e < 128; e++) for (const m of [1, 1.1, 1.5, 1.99]) xs.push(m * 2 ** e, -m * 2 ** e);
    xs.push(...SPECIAL);
    const x = new Float32Array(xs);
    for (const op of ["exp", "log", "tanh", "sigmoid"] as const) {
      const want = new Float32Array(x.length), got = new Float32Array(x.length);
      ref.unaryForwardReference(op, x, want);
      const before = wasmCalls.count;
      fast.unaryForward!(op, x, got);
      expect(wasmCalls.count).toBe(before + 1);
      expectUlps(got, want, ULPS[op]!, op);
    }
  });

  it("forward and backward match the definitions (random lengths, in place and copied, accumulate or overwrite)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...UNARY),
        fc.integer({ min: 1, max: 150 }),
        fc.boolean(),
        fc.boolean(),
        fc.integer(),
        (op, m, inWasm, accumulate, seed) => {
          // past the thresholds (src/backend/fast/elementwise.ts): in wasm from 256 elements, copied from 1024
          const n = inWasm ? 255 + m : 1023 + m;
          const put = <T extends Float32Array>(a: T): T => (inWasm ? resident(a) : a);
          const x = put(sample(n, seed));
          const want = new Float32Array(n), got = put(new Float32Array(n));
          ref.unaryForwardReference(op, x, want);
          const before = wasmCalls.count;
          fast.unaryForward!(op, x, got);
          expectUlps(got, want, EXACT.has(op) ? 0 : ULPS[op]!, `${op} forward`);
          // backward at the definition's y, so both sides read the same forward values
          const gy = put(sample(n, seed + 1));
          const old = sample(n, seed + 2, 0); // finite (see the note on overflow in src/backend/fast/elementwise.ts)
          const gWant = new Float32Array(old), gGot = put(accumulate ? new Float32Array(old) : new Float32Array(n).fill(NaN));
          ref.unaryBackwardReference(op, x, want, gy, gWant, accumulate);
          fast.unaryBackward!(op, x, put(new Float32Array(want)), gy, gGot, accumulate);
          expect(wasmCalls.count).toBe(before + 2);
          // the definition adds gy·f' to gx in double and rounds once; the kernel rounds f', the product and the sum
          const df = ref.UNARY_DEFINITIONS[op].df;
          const scale = Array.from(x, (v, i) => (accumulate ? Math.abs(old[i]!) : 0) + Math.abs(gy[i]! * df(v, want[i]!)));
          expectWithin(gGot, gWant, scale, 2 ** -21, `${op} backward`);
          freeBlocks();
        },
      ),
      { numRuns: 120 },
    );
  });

  it("float64 and small JavaScript arrays run the definitions exactly", () => {
    const x = new Float64Array(sample(301, 5));
    for (const op of UNARY) {
      const want = new Float64Array(x.length), got = new Float64Array(x.length);
      ref.unaryForwardReference(op, x, want);
      fast.unaryForward!(op, x, got);
      expect(got).toEqual(want);
    }
  });
});

const LAYOUTS = ["full", "row", "column", "scalar"] as const;
type Kind = (typeof LAYOUTS)[number];

function layoutOf(kind: Kind, cols: number): OperandLayout {
  return kind === "full" ? { rowStride: cols, colStep: 1 } : kind === "row" ? { rowStride: 0, colStep: 1 } : kind === "column" ? { rowStride: 1, colStep: 0 } : { rowStride: 0, colStep: 0 };
}

function lengthOf(kind: Kind, rows: number, cols: number): number {
  return kind === "full" ? rows * cols : kind === "row" ? cols : kind === "column" ? rows : 1;
}

describe("binary kernels", () => {
  it("add, sub, mul, div match the definitions bit for bit for every broadcast layout, and their gradients to rounding", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<BinaryKernelOp>("add", "sub", "mul", "div"),
        fc.constantFrom(...LAYOUTS),
        fc.constantFrom(...LAYOUTS),
        fc.integer({ min: 1, max: 13 }),
        fc.integer({ min: 1, max: 37 }),
        fc.boolean(),
        fc.boolean(),
        fc.integer(),
        (op, ka, kb, rows, cols0, inWasm, accumulate, seed) => {
          const cols = cols0 + Math.ceil((inWasm ? 256 : 1024) / rows); // enough work for the kernel to run
          const put = <T extends Float32Array>(t: T): T => (inWasm ? resident(t) : t);
          const args: BinaryArgs = { rows, cols, a: layoutOf(ka, cols), b: layoutOf(kb, cols) };
          const a = put(sample(lengthOf(ka, rows, cols), seed));
          const b = put(sample(lengthOf(kb, rows, cols), seed + 1));
          const want = new Float32Array(rows * cols), got = put(new Float32Array(rows * cols));
          ref.binaryForwardReference(op, a, b, want, args);
          const before = wasmCalls.count;
          fast.binaryForward!(op, a, b, got, args);
          expect(wasmCalls.count).toBe(before + 1);
          expectUlps(got, want, 0, `${op} ${ka}⊙${kb}`);
          for (let i = 0; i < want.length; i++) if (want[i] === 0) expect(Object.is(got[i], want[i])).toBe(true);
          // backward, both sides: contributions summed over each operand's broadcast (sums in another order)
          const g = put(sample(rows * cols, seed + 2, 0.02, GRAD_SPECIAL));
          for (const side of [0, 1] as const) {
            const kind = side === 0 ? ka : kb;
            const len = lengthOf(kind, rows, cols);
            const old = sample(len, seed + 3, 0);
            const gw = new Float32Array(old), gg = put(accumulate ? new Float32Array(old) : new Float32Array(len).fill(NaN));
            ref.binaryBackwardReference(op, side, g, a, b, want, gw, args, accumulate);
            fast.binaryBackward!(op, side, g, a, b, put(new Float32Array(want)), gg, args, accumulate);
            // scale: Σ |contribution| into each element (from the definition with |g|), plus the old value
            const absG = new Float32Array(g.length).map((_, i) => Math.abs(g[i]!));
            const absA = new Float32Array(a.length).map((_, i) => Math.abs(a[i]!));
            const absB = new Float32Array(b.length).map((_, i) => Math.abs(b[i]!));
            const absY = new Float32Array(want.length).map((_, i) => Math.abs(want[i]!));
            const scale = new Float32Array(len);
            ref.binaryBackwardReference(op === "sub" ? "add" : op, side, absG, absA, absB, absY, scale, args, false);
            const rel = (1 + (kind === "full" ? 0 : kind === "row" ? rows : kind === "column" ? cols : rows * cols)) * 2 ** -22;
            expectWithin(gg, gw, Array.from(scale, (v, i) => Math.abs(v) + (accumulate ? Math.abs(old[i]!) : 0)), rel, `${op} ${ka}⊙${kb} backward side ${side}`);
          }
          expect(wasmCalls.count).toBe(before + 3);
          freeBlocks();
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("last-axis kernels", () => {
  /** A rows × cols sample in which some rows hold NaN, ±∞, or only −∞. */
  function rowsSample(rows: number, cols: number, seed: number): Float32Array {
    const x = sample(rows * cols, seed, 0);
    const r = rng(seed + 7);
    for (let i = 0; i < rows; i++) {
      const u = r();
      const at = i * cols + Math.floor(r() * cols);
      if (u < 0.1) x[at] = NaN;
      else if (u < 0.2) x[at] = Infinity;
      else if (u < 0.3) x[at] = -Infinity;
      else if (u < 0.35) x.fill(-Infinity, i * cols, (i + 1) * cols);
      else if (u < 0.45) x.fill(x[at]!, i * cols, (i + 1) * cols); // ties everywhere
    }
    return x;
  }

  it("sum, max/min with argmax, logSumExp, softmax and logSoftmax, forward and backward, match the definitions", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 70 }), fc.boolean(), fc.boolean(), fc.integer(), (rows0, cols, inWasm, accumulate, seed) => {
        // enough rows for the kernels to run (from 256 elements in wasm, 1024 copied), any row length
        const rows = Math.max(rows0, Math.ceil((inWasm ? 256 : 1024) / cols));
        const n = rows * cols;
        const before = wasmCalls.count;
        const put = <T extends Float32Array | Int32Array>(t: T): T => (inWasm ? resident(t) : t);
        const x = put(rowsSample(rows, cols, seed));
        const absRow = (src: ArrayLike<number>, f: (v: number) => number = Math.abs) =>
          Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => f(src[r * cols + c]!)).reduce((p, q) => p + q, 0));
        // sum: four lanes add in another order; the error is bounded by n·ε·Σ|x|
        const sw = new Float32Array(rows), sg = put(new Float32Array(rows));
        ref.sumLastReference(x, sw, rows, cols);
        fast.sumLast!(x, sg, rows, cols);
        expectWithin(sg, sw, absRow(x), cols * 2 ** -23, "sumLast");
        // sum backward
        const gRow = put(sample(rows, seed + 3, 0.1, GRAD_SPECIAL));
        const old = sample(n, seed + 4, 0);
        const ew = new Float32Array(old), eg = put(accumulate ? new Float32Array(old) : new Float32Array(n).fill(NaN));
        ref.expandLastReference(gRow, ew, rows, cols, accumulate);
        fast.expandLast!(gRow, eg, rows, cols, accumulate);
        expectUlps(eg, ew, 0, "expandLast");
        // max and min: value and index exactly
        for (const which of ["max", "min"] as const) {
          const yw = new Float32Array(rows), yg = put(new Float32Array(rows));
          const aw = new Int32Array(rows), ag = put(new Int32Array(rows));
          ref.extremeLastReference(which, x, yw, aw, rows, cols);
          fast.extremeLast!(which, x, yg, ag, rows, cols);
          expectUlps(yg, yw, 0, which);
          expect(Array.from(ag)).toEqual(Array.from(aw));
        }
        // logSumExp: m + ln s, with s within a few ulps per term
        const lw = new Float32Array(rows), lg = put(new Float32Array(rows));
        ref.logSumExpLastReference(x, lw, rows, cols);
        fast.logSumExpLast!(x, lg, rows, cols);
        expectWithin(lg, lw, Array.from(lw, (v) => 1 + Math.abs(v)), 4 * 2 ** -23 + cols * 2 ** -24, "logSumExpLast");
        const lbw = new Float32Array(old), lbg = put(accumulate ? new Float32Array(old) : new Float32Array(n).fill(NaN));
        const lwIn = put(new Float32Array(lw));
        ref.logSumExpLastBackwardReference(x, lw, gRow, lbw, rows, cols, accumulate);
        fast.logSumExpLastBackward!(x, lwIn, gRow, lbg, rows, cols, accumulate);
        const lbScale = Array.from(x, (v, i) => (accumulate ? Math.abs(old[i]!) : 0) + Math.abs(gRow[Math.floor(i / cols)]!) * Math.exp(v - lw[Math.floor(i / cols)]!) * (1 + Math.abs(v) + Math.abs(lw[Math.floor(i / cols)]!)));
        expectWithin(lbg, lbw, lbScale, 2 ** -20, "logSumExpLastBackward");
        // softmax and logSoftmax
        for (const log of [false, true]) {
          const yw = new Float32Array(n), yg = put(new Float32Array(n));
          ref.softmaxLastReference(x, yw, rows, cols, log);
          fast.softmaxLast!(x, yg, rows, cols, log);
          // logSoftmax: x − lse, off by lse's error; softmax: e^ of that, relative
          const yScale = Array.from(yw, (v, i) => (log ? 1 + Math.abs(x[i]!) + Math.abs(x[i]! - v) : Math.abs(v) * (1 + 2 * Math.abs(x[i]!) + Math.abs(Math.log(v)))));
          expectWithin(yg, yw, yScale, 4 * 2 ** -23 + cols * 2 ** -24, log ? "logSoftmax" : "softmax");
          const gy = put(sample(n, seed + 5, 0));
          const bw = new Float32Array(old), bg = put(accumulate ? new Float32Array(old) : new Float32Array(n).fill(NaN));
          ref.softmaxLastBackwardReference(yw, gy, bw, rows, cols, log, accumulate);
          fast.softmaxLastBackward!(put(new Float32Array(yw)), gy, bg, rows, cols, log, accumulate);
          const gAbs = absRow(gy);
          const gyAbs = Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => Math.abs(gy[r * cols + c]! * yw[r * cols + c]!)).reduce((p, q) => p + q, 0));
          const bScale = Array.from(yw, (v, i) => {
            const r = Math.floor(i / cols);
            const kept = accumulate ? Math.abs(old[i]!) : 0;
            return log ? kept + Math.abs(gy[i]!) + Math.exp(v) * gAbs[r]! * (1 + Math.abs(v)) : kept + Math.abs(v) * (Math.abs(gy[i]!) + gyAbs[r]!);
          });
          expectWithin(bg, bw, bScale, cols * 2 ** -22 + 2 ** -20, log ? "logSoftmax backward" : "softmax backward");
        }
        expect(wasmCalls.count - before).toBe(10); // every kernel ran in wasm, none fell back
        freeBlocks();
      }),
      { numRuns: 80 },
    );
  });
});
