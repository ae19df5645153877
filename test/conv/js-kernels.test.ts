// The "js" backend (im2col + blocked GEMM) against the reference definitions on random shapes:
// odd sizes, batch 1, strides, paddings, both padding modes, non-square kernels and images,
// float32 and float64; and its matmul for every transA/transB, accumulate and batch stride (incl. 0).
import { describe, expect, it } from "vitest";
import { jsKernels } from "../../src/backend/im2col.js";
import type { Conv2dArgs, MatmulArgs } from "../../src/backend/kernels.js";
import {
  conv2dBackwardInputReference, conv2dBackwardWeightReference, conv2dForwardReference, matmulReference,
} from "../../src/backend/reference.js";
import { listBackends } from "../../src/backend/index.js";
import type { TypedArray } from "../../src/dtype.js";
import { Generator } from "../../src/random.js";

const between = (g: Generator, lo: number, hi: number): number => lo + g.int(hi - lo + 1);

function fill(n: number, g: Generator, dtype: "float32" | "float64"): TypedArray {
  const a = dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = g.random() * 2 - 1;
  return a;
}

/** Largest |got − want| / (1 + |want|). */
function relErr(got: TypedArray, want: TypedArray): number {
  let e = 0;
  for (let i = 0; i < want.length; i++) e = Math.max(e, Math.abs(got[i]! - want[i]!) / (1 + Math.abs(want[i]!)));
  return e;
}

function randomConv(g: Generator, i: number): Conv2dArgs {
  const kh = between(g, 1, 5), kw = between(g, 1, 5);
  const strideH = between(g, 1, 3), strideW = between(g, 1, 3);
  const padMode = g.random() < 0.4 ? "circular" : "zeros";
  const h = between(g, kh, 12), w = between(g, kw, 12);
  const padH = between(g, 0, Math.min(kh, h)), padW = between(g, 0, Math.min(kw, w));
  const ho = Math.floor((h + 2 * padH - kh) / strideH) + 1, wo = Math.floor((w + 2 * padW - kw) / strideW) + 1;
  // every fifth case: batch 1; some pointwise cases to exercise the 1×1 path
  const pointwise = i % 7 === 0;
  return pointwise
    ? { batch: between(g, 1, 3), cin: between(g, 1, 9), h, w, cout: between(g, 1, 9), kh: 1, kw: 1, ho: h, wo: w, strideH: 1, strideW: 1, padH: 0, padW: 0, padMode: "zeros" }
    : { batch: i % 5 === 0 ? 1 : between(g, 1, 4), cin: between(g, 1, 7), h, w, cout: between(g, 1, 9), kh, kw, ho, wo, strideH, strideW, padH, padW, padMode };
}

describe("js backend conv2d kernels", () => {
  it('is registered as "js"', () => expect(listBackends()).toContain("js"));

  for (const dtype of ["float64", "float32"] as const) {
    it(`forward and both backwards equal the definitions on 60 random geometries (${dtype})`, () => {
      const g = new Generator(dtype === "float64" ? 11 : 12);
      const tol = dtype === "float64" ? 1e-12 : 2e-5;
      for (let t = 0; t < 60; t++) {
        const p = randomConv(g, t);
        const nx = p.batch * p.cin * p.h * p.w, nw = p.cout * p.cin * p.kh * p.kw, ny = p.batch * p.cout * p.ho * p.wo;
        const x = fill(nx, g, dtype), w = fill(nw, g, dtype), gy = fill(ny, g, dtype);
        const what = JSON.stringify(p);
        // forward overwrites y (start from garbage to prove it)
        const y = fill(ny, g, dtype), yRef = new Float64Array(ny);
        jsKernels.conv2dForward(x, w, y, p);
        conv2dForwardReference(Float64Array.from(x), Float64Array.from(w), yRef, p);
        expect(relErr(y, yRef), `forward ${what}`).toBeLessThan(tol);
        // backwards add into what is there
        const gx0 = fill(nx, g, dtype), gx = gx0.slice(), gxRef = Float64Array.from(gx0);
        jsKernels.conv2dBackwardInput(gy, w, gx, p);
        conv2dBackwardInputReference(Float64Array.from(gy), Float64Array.from(w), gxRef, p);
        expect(relErr(gx, gxRef), `backward input ${what}`).toBeLessThan(tol);
        const gw0 = fill(nw, g, dtype), gw = gw0.slice(), gwRef = Float64Array.from(gw0);
        jsKernels.conv2dBackwardWeight(gy, x, gw, p);
        conv2dBackwardWeightReference(Float64Array.from(gy), Float64Array.from(x), gwRef, p);
        expect(relErr(gw, gwRef), `backward weight ${what}`).toBeLessThan(tol);
      }
    });
  }
});

describe("js backend matmul", () => {
  const g = new Generator(21);
  for (const transA of [false, true])
    for (const transB of [false, true])
      for (const accumulate of [false, true])
        it(`equals matmulReference: transA=${transA} transB=${transB} accumulate=${accumulate}`, () => {
          for (let t = 0; t < 12; t++) {
            // sizes straddle the 4×4 micro-tile and, now and then, the KC=256 / MC=64 blocks
            const big = t % 4 === 3;
            const m = between(g, 1, big ? 140 : 13), n = between(g, 1, big ? 70 : 13), k = between(g, 1, big ? 300 : 13);
            const batch = between(g, 1, 3);
            const shareA = t % 3 === 1, shareB = t % 3 === 2;
            const p: MatmulArgs = { batch, m, n, k, transA, transB, strideA: shareA ? 0 : m * k, strideB: shareB ? 0 : k * n, accumulate };
            for (const dtype of ["float64", "float32"] as const) {
              const a = fill((shareA ? 1 : batch) * m * k, g, dtype), b = fill((shareB ? 1 : batch) * k * n, g, dtype);
              const c0 = fill(batch * m * n, g, dtype), c = c0.slice(), cRef = Float64Array.from(c0);
              jsKernels.matmul(a, b, c, p);
              matmulReference(Float64Array.from(a), Float64Array.from(b), cRef, p);
              expect(relErr(c, cRef), `${dtype} ${JSON.stringify(p)}`).toBeLessThan(dtype === "float64" ? 1e-12 : 3e-5 * Math.sqrt(k));
            }
          }
        });
});
