// The conv epilogue's wasm kernels against their definitions: the 2×2 max-pool backward (ties, NaN,
// odd sizes, accumulate true/false, operands in wasm memory or in JavaScript arrays), the ReLU mask
// with the bias gradient, and the SIMD finiteness check against src/finite.ts.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fastContext, setFastThreads } from "../../src/backend/fast/context.js";
import { fastKernels } from "../../src/backend/fast/index.js";
import { fastReluMaskBiasGrad } from "../../src/backend/fast/conv.js";
import type { Pool2dArgs } from "../../src/backend/kernels.js";
import { maxPool2dBackwardReference, maxPool2dForwardReference, reluMaskBiasGradReference } from "../../src/backend/reference.js";
import { firstNonFinite } from "../../src/finite.js";
import { storageProvider } from "../../src/storage.js";
import { convArgs, randomF32, rng } from "./helpers.js";

// the fast context installs the wasm storage provider these tests take operands from
beforeAll(() => {
  if (fastContext() === null) throw new Error("the fast backend's wasm runtime did not start");
});
afterAll(() => setFastThreads(2));

function plain2x2(batch: number, channels: number, h: number, w: number): Pool2dArgs {
  return { batch, channels, h, w, kh: 2, kw: 2, strideH: 2, strideW: 2, padH: 0, padW: 0, ho: Math.floor(h / 2), wo: Math.floor(w / 2) };
}

/** A float32 array of n elements in wasm memory (the fast backend's storage), filled from `src`. */
function inWasm(src: Float32Array): Float32Array {
  const block = storageProvider()!.take(Math.max(src.length, 1024)); // it hands out 1024 floats or more
  if (block === null) throw new Error("no wasm storage");
  const a = block.subarray(0, src.length);
  a.set(src);
  return a;
}

/** An Int32Array view onto wasm memory holding `src`. */
function int32InWasm(src: Int32Array): Int32Array {
  const block = storageProvider()!.take(Math.max(src.length, 1024))!;
  const a = new Int32Array(block.buffer, block.byteOffset, src.length);
  a.set(src);
  return a;
}

/** Pooled input with ties (few distinct values) and NaN, its argmax by the definition, and a gradient. */
function poolCase(p: Pool2dArgs, seed: number) {
  const r = rng(seed);
  const x = new Float32Array(p.batch * p.channels * p.h * p.w);
  for (let i = 0; i < x.length; i++) x[i] = r() < 0.03 ? NaN : Math.round((r() * 2 - 1) * 2);
  const n = p.batch * p.channels * p.ho * p.wo;
  const y = new Float32Array(n), arg = new Int32Array(n);
  maxPool2dForwardReference(x, y, arg, p);
  const gy = randomF32(n, r);
  for (let i = 0; i < n; i += 97) gy[i] = -0; // signed zeros survive as the definition has them
  const old = randomF32(x.length, r);
  return { x, arg, gy, old };
}

function expectSame(got: Float32Array, want: Float32Array, what: string): void {
  // Object.is per element: NaN equals NaN, −0 differs from +0
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) throw new Error(`${what}: element ${i} is ${got[i]}, expected ${want[i]}`);
  }
}

describe("2×2 max-pool backward in wasm", () => {
  it("equals the definition's scatter on odd sizes, ties and NaN, adding or overwriting, on 1 and 2 threads", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 11 }), fc.integer({ min: 2, max: 11 }), fc.integer({ min: 0, max: 1e6 }), fc.boolean(), fc.boolean(), (h, w, seed, accumulate, wasmOperands) => {
        // enough planes for the wasm path (≥ 4096 outputs)
        const planes = Math.ceil(4096 / (Math.floor(h / 2) * Math.floor(w / 2))) + (seed % 5);
        const p = plain2x2(1, planes, h, w);
        const { arg, gy, old } = poolCase(p, seed);
        const want = old.slice();
        maxPool2dBackwardReference(gy, arg, want, accumulate);
        for (const threads of [1, 2]) {
          setFastThreads(threads);
          const got = wasmOperands ? inWasm(old) : old.slice();
          if (!accumulate) got.fill(NaN); // overwritten without being read
          fastKernels.maxPool2dBackward!(wasmOperands ? inWasm(gy) : gy, wasmOperands ? int32InWasm(arg) : arg, got, accumulate, p);
          expectSame(got, want, `h ${h} w ${w} accumulate ${accumulate} wasm ${wasmOperands} threads ${threads}`);
        }
      }),
      { numRuns: 12 },
    );
  });

  it("runs the kernel itself on small planes too (direct call, no size threshold)", () => {
    const ctx = fastContext()!;
    for (const [h, w] of [[2, 2], [3, 5], [5, 3], [7, 9], [8, 16], [9, 17], [6, 13], [14, 14], [4, 31]] as const) {
      const p = plain2x2(2, 3, h, w);
      const { arg, gy, old } = poolCase(p, h * 31 + w);
      for (const accumulate of [false, true]) {
        const want = old.slice();
        maxPool2dBackwardReference(gy, arg, want, accumulate);
        const pgy = inWasm(gy), parg = int32InWasm(arg), pgx = inWasm(old);
        ctx.rt.exports.maxPool2x2Backward(pgy.byteOffset, parg.byteOffset, pgx.byteOffset, h, w, p.ho, p.wo, 0, p.batch * p.channels, accumulate ? 1 : 0, 0);
        expectSame(pgx, want, `h ${h} w ${w} accumulate ${accumulate}`);
      }
    }
  });

  it("leaves other geometries to the definition (3×3 windows, stride 1, padding)", () => {
    const p: Pool2dArgs = { batch: 2, channels: 300, h: 9, w: 9, kh: 3, kw: 3, strideH: 1, strideW: 1, padH: 1, padW: 1, ho: 9, wo: 9 };
    const { x } = poolCase(plain2x2(2, 300, 9, 9), 5);
    const n = 2 * 300 * 81;
    const y = new Float32Array(n), arg = new Int32Array(n);
    maxPool2dForwardReference(x, y, arg, p);
    const gy = randomF32(n, rng(6));
    const want = new Float32Array(x.length), got = new Float32Array(x.length).fill(NaN);
    maxPool2dBackwardReference(gy, arg, want, false);
    fastKernels.maxPool2dBackward!(gy, arg, got, false, p);
    expectSame(got, want, "3×3 stride 1");
  });
});

describe("ReLU mask with the bias gradient", () => {
  it("equals the definition (float32 in wasm, in place or not, with and without bias; float64)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 19 }), fc.integer({ min: 1, max: 13 }), fc.integer({ min: 0, max: 1e6 }), fc.boolean(), fc.boolean(), (batch, cout, side, seed, inPlace, wasmOperands) => {
        const r = rng(seed);
        // big enough for the wasm path on most draws (≥ 4096 outputs); the rest run the definition
        const p = convArgs({ batch, cin: 1, h: side * 5, w: side + 7, cout, kh: 1, kw: 1, strideH: 1, strideW: 1, padH: 0, padW: 0, padMode: "zeros" });
        const n = p.batch * p.cout * p.ho * p.wo;
        const y = randomF32(n, r);
        for (let i = 0; i < n; i += 53) y[i] = NaN; // masked: nothing passes where y is NaN
        const gy = randomF32(n, r);
        for (let i = 3; i < n; i += 61) gy[i] = Infinity; // and not an infinite gradient where y ≤ 0
        const gb0 = randomF32(cout, r);
        const wantGm = new Float32Array(n), wantGb = gb0.slice();
        reluMaskBiasGradReference(y, gy, wantGm, p, wantGb);
        const yy = wasmOperands ? inWasm(y) : y.slice();
        const gg = wasmOperands ? inWasm(gy) : gy.slice();
        const gm = inPlace ? gg : new Float32Array(n);
        const gb = gb0.slice();
        fastReluMaskBiasGrad(yy, gg, gm, p, gb);
        expectSame(gm, wantGm, "gm");
        for (let c = 0; c < cout; c++) {
          if (!Number.isFinite(wantGb[c]!)) expect(gb[c]).toBe(wantGb[c]); // an ∞ gradient where y > 0 passes
          else expect(Math.abs(gb[c]! - wantGb[c]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(wantGb[c]!)) + 1e-6 * Math.sqrt(n));
        }
        // without a bias gradient only the mask is written
        const gm2 = new Float32Array(n);
        fastReluMaskBiasGrad(y, gy, gm2, p, null);
        expectSame(gm2, wantGm, "gm without bias");
      }),
      { numRuns: 30 },
    );
    const p = convArgs({ batch: 2, cin: 1, h: 5, w: 7, cout: 3, kh: 1, kw: 1, strideH: 1, strideW: 1, padH: 0, padW: 0, padMode: "zeros" });
    const y = Float64Array.from({ length: 210 }, (_, i) => Math.sin(i)), gy = Float64Array.from({ length: 210 }, (_, i) => Math.cos(i));
    const gm = new Float64Array(210), gb = new Float64Array(3), want = new Float64Array(210), wantGb = new Float64Array(3);
    fastReluMaskBiasGrad(y, gy, gm, p, gb);
    reluMaskBiasGradReference(y, gy, want, p, wantGb);
    expect(gm).toEqual(want);
    expect(gb).toEqual(wantGb);
  });
});

describe("firstNonFinite in wasm", () => {
  it("gives src/finite.ts's answer: the first NaN or ±Inf, or −1", () => {
    const ctx = fastContext()!;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.array(fc.tuple(fc.nat(), fc.constantFrom(NaN, Infinity, -Infinity, 3.4e38, -3.4e38, 1e-45)), { maxLength: 4 }), fc.integer({ min: 0, max: 1e6 }), (n, bad, seed) => {
        const a = randomF32(n + 1, rng(seed)).subarray(0, n);
        for (const [i, v] of bad) if (n > 0) a[i % n] = v;
        const w = inWasm(a.length > 0 ? a : new Float32Array(1));
        expect(ctx.rt.exports.firstNonFinite(w.byteOffset, n)).toBe(firstNonFinite(a));
      }),
      { numRuns: 300 },
    );
    // a sum that overflows although every value is finite: still −1
    const big = inWasm(new Float32Array(1000).fill(3e38));
    expect(ctx.rt.exports.firstNonFinite(big.byteOffset, 1000)).toBe(-1);
  });
});
