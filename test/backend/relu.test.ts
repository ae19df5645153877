// The fast ReLU kernels against their definitions, special values included (zeros compared without sign),
// on both the JavaScript loops and the wasm SIMD path.
import { describe, expect, it } from "vitest";
import { fastKernels } from "../../src/backend/fast/index.js";
import { reluBackwardReference, reluForwardReference } from "../../src/backend/reference.js";
import { randomF32, rng } from "./helpers.js";

const special = [0, -0, 1, -1, Infinity, -Infinity, NaN, 1e-40, -1e-40, 3.4e38, -3.4e38];

function sample(n: number, seed: number): Float32Array {
  const r = rng(seed);
  const a = randomF32(n, r);
  for (let i = 0; i < n; i++) if (r() < 0.2) a[i] = special[Math.floor(r() * special.length)]!;
  return a;
}

/** The values with −0 read as +0 (the fast kernels may turn a −0 gradient into +0). */
const unsigned = (a: ArrayLike<number>): number[] => Array.from(a, (v) => (v === 0 ? 0 : v));

describe("fast relu", () => {
  // 5000: the JavaScript loops; 16387 and 100001: the wasm SIMD path, with a scalar tail
  for (const [Array, n] of [[Float32Array, 5000], [Float64Array, 5000], [Float32Array, 16387], [Float32Array, 100001], [Float64Array, 100001]] as const) {
    it(`matches the definitions (${Array.name}, ${n} values)`, () => {
      const x = new Array(sample(n, 1)), gy = new Array(sample(n, 2)), g0 = new Array(sample(n, 3));
      const y0 = new Array(x.length), y1 = new Array(x.length);
      reluForwardReference(x, y0);
      fastKernels.reluForward!(x, y1);
      expect(y1).toEqual(y0);
      const gx0 = new Array(g0), gx1 = new Array(g0);
      reluBackwardReference(x, gy, gx0);
      fastKernels.reluBackward!(x, gy, gx1);
      expect(unsigned(gx1)).toEqual(unsigned(gx0));
      // accumulate false: gx's old contents (garbage here) are ignored
      const w0 = new Array(x.length), w1 = new Array(x.length).fill(NaN), w2 = new Array(x.length).fill(NaN);
      reluBackwardReference(x, gy, w0);
      reluBackwardReference(x, gy, w1, false);
      fastKernels.reluBackward!(x, gy, w2, false);
      expect(unsigned(w1)).toEqual(unsigned(w0));
      expect(unsigned(w2)).toEqual(unsigned(w0));
    });
  }
});
