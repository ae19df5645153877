// The fast max pooling against its definition: odd sizes, ties, NaN, and geometries off the fast path.
import { describe, expect, it } from "vitest";
import { setFastThreads } from "../../src/backend/fast/context.js";
import { fastKernels } from "../../src/backend/fast/index.js";
import { maxPool2dBackwardReference, maxPool2dForwardReference } from "../../src/backend/reference.js";
import type { Pool2dArgs } from "../../src/backend/kernels.js";
import { randInt, randomF32, rng } from "./helpers.js";

function poolArgs(p: Omit<Pool2dArgs, "ho" | "wo">): Pool2dArgs {
  return { ...p, ho: Math.floor((p.h + 2 * p.padH - p.kh) / p.strideH) + 1, wo: Math.floor((p.w + 2 * p.padW - p.kw) / p.strideW) + 1 };
}

function compare(p: Pool2dArgs, seed: number): void {
  const r = rng(seed);
  const x = randomF32(p.batch * p.channels * p.h * p.w, r);
  // ties (rounded values) and a few NaN
  for (let i = 0; i < x.length; i++) x[i] = r() < 0.05 ? NaN : Math.round(x[i]! * 3);
  const n = p.batch * p.channels * p.ho * p.wo;
  const y0 = new Float32Array(n), a0 = new Int32Array(n), y1 = new Float32Array(n), a1 = new Int32Array(n);
  maxPool2dForwardReference(x, y0, a0, p);
  fastKernels.maxPool2dForward!(x, y1, a1, p);
  expect(y1, JSON.stringify(p)).toEqual(y0);
  expect(a1, JSON.stringify(p)).toEqual(a0);
  const gy = randomF32(n, r);
  const g0 = new Float32Array(x.length), g1 = new Float32Array(x.length);
  maxPool2dBackwardReference(gy, a0, g0);
  fastKernels.maxPool2dBackward!(gy, a1, g1);
  expect(g1).toEqual(g0);
  // accumulate false: whatever gx held (NaN here) is ignored
  const w0 = new Float32Array(x.length).fill(NaN), w1 = new Float32Array(x.length).fill(NaN);
  maxPool2dBackwardReference(gy, a0, w0, false);
  fastKernels.maxPool2dBackward!(gy, a1, w1, false);
  expect(w0).toEqual(g0);
  expect(w1).toEqual(g0);
}

describe("fast maxPool2d", () => {
  it("matches the definition on layers large enough for the wasm path (odd widths too)", () => {
    for (const [h, w] of [[28, 28], [30, 30], [29, 27], [9, 70]] as const) {
      compare(poolArgs({ batch: 3, channels: 16, h, w, kh: 2, kw: 2, strideH: 2, strideW: 2, padH: 0, padW: 0 }), h * w);
    }
  });

  it("matches the definition, values and argmax, with ties and NaN", () => {
    const r = rng(21);
    for (let t = 0; t < 60; t++) {
      const plain = t % 2 === 0;
      const kh = plain ? 2 : randInt(r, 1, 3), kw = plain ? 2 : randInt(r, 1, 3);
      const p = poolArgs({
        batch: randInt(r, 1, 3), channels: randInt(r, 1, 4), h: randInt(r, kh, 11), w: randInt(r, kw, 11), kh, kw,
        strideH: plain ? 2 : randInt(r, 1, 2), strideW: plain ? 2 : randInt(r, 1, 2),
        padH: plain ? 0 : randInt(r, 0, kh >> 1), padW: plain ? 0 : randInt(r, 0, kw >> 1),
      });
      compare(p, 100 + t);
    }
  });

  it("splits large layers across threads with the same answers (1, 2 and 3 threads)", () => {
    // 64·32 planes of 28×27: enough work that the planes are shared out among threads
    const p = poolArgs({ batch: 64, channels: 32, h: 28, w: 27, kh: 2, kw: 2, strideH: 2, strideW: 2, padH: 0, padW: 0 });
    const r = rng(7);
    const x = randomF32(p.batch * p.channels * p.h * p.w, r);
    for (let i = 0; i < x.length; i++) if (r() < 0.01) x[i] = NaN;
    const n = p.batch * p.channels * p.ho * p.wo;
    const y0 = new Float32Array(n), a0 = new Int32Array(n);
    maxPool2dForwardReference(x, y0, a0, p);
    /** Index of the first output that differs from the definition (NaN equal to NaN), or −1. */
    const firstDifference = (y: Float32Array, a: Int32Array): number => {
      for (let o = 0; o < n; o++) if (a[o] !== a0[o] || !Object.is(y[o], y0[o])) return o;
      return -1;
    };
    for (const threads of [1, 2, 3]) {
      setFastThreads(threads);
      const y = new Float32Array(n), a = new Int32Array(n);
      fastKernels.maxPool2dForward!(x, y, a, p);
      expect(firstDifference(y, a), `${threads} threads`).toBe(-1);
    }
    setFastThreads(2);
  });
});
