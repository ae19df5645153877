// The fast convolution kernels against their definitions: strides, paddings, both pad modes,
// pointwise (1×1) and non-square kernels, batch 1, and thread-count independence.
import { describe, expect, it } from "vitest";
import { fastKernels } from "../../src/backend/fast/index.js";
import { setFastThreads } from "../../src/backend/fast/context.js";
import { jsKernels } from "../../src/backend/im2col.js";
import {
  conv2dBackwardBiasReference,
  conv2dBackwardInputReference,
  conv2dBackwardWeightReference,
  conv2dForwardReference,
} from "../../src/backend/reference.js";
import type { Conv2dArgs } from "../../src/backend/kernels.js";
import { convArgs, maxRelError, randInt, randomF32, rng, tolerance } from "./helpers.js";

function randomGeometry(r: () => number): Conv2dArgs {
  const kh = randInt(r, 1, 4), kw = randInt(r, 1, 4);
  const strideH = randInt(r, 1, 2), strideW = randInt(r, 1, 2);
  const padMode = r() < 0.3 ? "circular" : "zeros";
  // circular padding wraps once at most: keep the pad below the image size
  const h = randInt(r, kh, 13), w = randInt(r, kw, 13);
  const padH = randInt(r, 0, Math.min(kh - 1, h - 1)), padW = randInt(r, 0, Math.min(kw - 1, w - 1));
  return convArgs({ batch: randInt(r, 1, 4), cin: randInt(r, 1, 9), cout: randInt(r, 1, 14), h, w, kh, kw, strideH, strideW, padH, padW, padMode });
}

/** Run the fast kernel and the float64 definition on the same data; returns the worst relative error. */
function compare(p: Conv2dArgs, seed: number, which: "fwd" | "bwdInput" | "bwdWeight"): number {
  const r = rng(seed);
  const xs = p.batch * p.cin * p.h * p.w, ws = p.cout * p.cin * p.kh * p.kw, ys = p.batch * p.cout * p.ho * p.wo;
  const x = randomF32(xs, r), w = randomF32(ws, r), gy = randomF32(ys, r);
  if (which === "fwd") {
    const want = new Float64Array(ys), got = new Float32Array(ys);
    conv2dForwardReference(new Float64Array(x), new Float64Array(w), want, p);
    fastKernels.conv2dForward!(x, w, got, p);
    return maxRelError(got, want);
  }
  if (which === "bwdInput") {
    const g0 = randomF32(xs, r);
    const want = new Float64Array(g0), got = new Float32Array(g0);
    conv2dBackwardInputReference(new Float64Array(gy), new Float64Array(w), want, p);
    fastKernels.conv2dBackwardInput!(gy, w, got, p);
    return maxRelError(got, want);
  }
  const g0 = randomF32(ws, r);
  const want = new Float64Array(g0), got = new Float32Array(g0);
  conv2dBackwardWeightReference(new Float64Array(gy), new Float64Array(x), want, p);
  fastKernels.conv2dBackwardWeight!(gy, x, got, p);
  return maxRelError(got, want);
}

describe("fast conv2d", () => {
  for (const which of ["fwd", "bwdInput", "bwdWeight"] as const) {
    it(`${which} matches the definition on random geometries`, () => {
      const r = rng(which.length);
      for (let t = 0; t < 80; t++) {
        const p = randomGeometry(r);
        const terms = which === "bwdWeight" ? p.batch * p.ho * p.wo : p.cin * p.kh * p.kw * (which === "bwdInput" ? p.cout : 1);
        expect(compare(p, 1000 + t, which), JSON.stringify(p)).toBeLessThan(tolerance(terms));
      }
    });
  }

  it("handles pointwise, batch-1 and larger layers", () => {
    const cases: Conv2dArgs[] = [
      convArgs({ batch: 3, cin: 16, cout: 24, h: 9, w: 11, kh: 1, kw: 1, strideH: 1, strideW: 1, padH: 0, padW: 0, padMode: "zeros" }),
      convArgs({ batch: 1, cin: 8, cout: 20, h: 17, w: 15, kh: 3, kw: 3, strideH: 1, strideW: 1, padH: 1, padW: 1, padMode: "zeros" }),
      convArgs({ batch: 1, cin: 5, cout: 7, h: 12, w: 12, kh: 5, kw: 5, strideH: 2, strideW: 2, padH: 2, padW: 2, padMode: "circular" }),
      convArgs({ batch: 4, cin: 32, cout: 64, h: 14, w: 14, kh: 3, kw: 3, strideH: 1, strideW: 1, padH: 1, padW: 1, padMode: "zeros" }),
    ];
    for (const p of cases) {
      for (const which of ["fwd", "bwdInput", "bwdWeight"] as const) {
        const terms = which === "bwdWeight" ? p.batch * p.ho * p.wo : p.cin * p.kh * p.kw * p.cout;
        expect(compare(p, 5, which), `${which} ${JSON.stringify(p)}`).toBeLessThan(tolerance(terms));
      }
    }
  });

  it("adds the bias in the forward kernel and reduces its gradient beside the weight gradient (fast and js)", () => {
    const r = rng(77);
    const cases = [
      ...Array.from({ length: 20 }, () => randomGeometry(r)),
      convArgs({ batch: 6, cin: 1, cout: 32, h: 28, w: 28, kh: 3, kw: 3, strideH: 1, strideW: 1, padH: 1, padW: 1, padMode: "zeros" }),
      convArgs({ batch: 3, cin: 32, cout: 13, h: 14, w: 15, kh: 3, kw: 3, strideH: 1, strideW: 1, padH: 1, padW: 1, padMode: "zeros" }),
    ];
    for (const p of cases) {
      const x = randomF32(p.batch * p.cin * p.h * p.w, r), w = randomF32(p.cout * p.cin * p.kh * p.kw, r);
      const bias = randomF32(p.cout, r), gy = randomF32(p.batch * p.cout * p.ho * p.wo, r);
      const gw0 = randomF32(w.length, r), gb0 = randomF32(p.cout, r);
      const y64 = new Float64Array(gy.length), gw64 = new Float64Array(gw0), gb64 = new Float64Array(gb0);
      conv2dForwardReference(new Float64Array(x), new Float64Array(w), y64, p, new Float64Array(bias));
      conv2dBackwardWeightReference(new Float64Array(gy), new Float64Array(x), gw64, p, gb64);
      // the bias gradient alone, as the definition writes it
      const gbAlone = new Float64Array(gb0);
      conv2dBackwardBiasReference(new Float64Array(gy), gbAlone, p);
      expect(Array.from(gbAlone)).toEqual(Array.from(gb64));
      for (const k of [fastKernels, jsKernels]) {
        const y = new Float32Array(gy.length), gw = new Float32Array(gw0), gb = new Float32Array(gb0);
        k.conv2dForward!(x, w, y, p, bias);
        k.conv2dBackwardWeight!(gy, x, gw, p, gb);
        expect(maxRelError(y, y64), JSON.stringify(p)).toBeLessThan(tolerance(p.cin * p.kh * p.kw + 1));
        expect(maxRelError(gw, gw64), JSON.stringify(p)).toBeLessThan(tolerance(p.batch * p.ho * p.wo));
        expect(maxRelError(gb, gb64), JSON.stringify(p)).toBeLessThan(tolerance(p.batch * p.ho * p.wo));
      }
    }
  });

  it("float64 data (routed to the blocked TypeScript kernels) matches the definitions to float64 rounding", () => {
    const p = convArgs({ batch: 4, cin: 8, cout: 16, h: 14, w: 14, kh: 3, kw: 3, strideH: 1, strideW: 1, padH: 1, padW: 1, padMode: "zeros" });
    const r = rng(5);
    const f64 = (n: number) => new Float64Array(randomF32(n, r));
    const x = f64(p.batch * p.cin * p.h * p.w), w = f64(p.cout * p.cin * p.kh * p.kw), b = f64(p.cout), gy = f64(p.batch * p.cout * p.ho * p.wo);
    const want = { y: new Float64Array(gy.length), gx: new Float64Array(x.length), gw: new Float64Array(w.length), gb: new Float64Array(p.cout) };
    conv2dForwardReference(x, w, want.y, p, b);
    conv2dBackwardInputReference(gy, w, want.gx, p);
    conv2dBackwardWeightReference(gy, x, want.gw, p, want.gb);
    const got = { y: new Float64Array(gy.length), gx: new Float64Array(x.length), gw: new Float64Array(w.length), gb: new Float64Array(p.cout) };
    fastKernels.conv2dForward!(x, w, got.y, p, b);
    fastKernels.conv2dBackwardInput!(gy, w, got.gx, p);
    fastKernels.conv2dBackwardWeight!(gy, x, got.gw, p, got.gb);
    for (const k of ["y", "gx", "gw", "gb"] as const) expect(maxRelError(got[k], want[k]), k).toBeLessThan(1e-12);
  });

  it("backward input with accumulate false overwrites whatever gx held (fast, js and the definition)", () => {
    const r = rng(91);
    const cases = [...Array.from({ length: 12 }, () => randomGeometry(r)), convArgs({ batch: 4, cin: 32, cout: 64, h: 14, w: 14, kh: 3, kw: 3, strideH: 1, strideW: 1, padH: 1, padW: 1, padMode: "zeros" })];
    for (const p of cases) {
      const w = randomF32(p.cout * p.cin * p.kh * p.kw, r), gy = randomF32(p.batch * p.cout * p.ho * p.wo, r);
      const n = p.batch * p.cin * p.h * p.w;
      const want = new Float64Array(n);
      conv2dBackwardInputReference(new Float64Array(gy), new Float64Array(w), want, p);
      for (const [name, k] of [["fast", fastKernels], ["js", jsKernels]] as const) {
        const got = new Float32Array(n).fill(NaN); // garbage that must not survive
        k.conv2dBackwardInput!(gy, w, got, p, false);
        expect(maxRelError(got, want), `${name} ${JSON.stringify(p)}`).toBeLessThan(tolerance(p.cin * p.kh * p.kw * p.cout));
      }
      const ref = new Float64Array(n).fill(NaN);
      conv2dBackwardInputReference(new Float64Array(gy), new Float64Array(w), ref, p, false);
      expect(Array.from(ref)).toEqual(Array.from(want));
    }
  });

  it("gives the same numbers on 1, 2 and 3 threads", () => {
    const geometries = [
      convArgs({ batch: 5, cin: 6, cout: 16, h: 12, w: 12, kh: 3, kw: 3, strideH: 1, strideW: 1, padH: 1, padW: 1, padMode: "zeros" }),
      convArgs({ batch: 1, cin: 12, cout: 30, h: 16, w: 16, kh: 3, kw: 3, strideH: 2, strideW: 2, padH: 1, padW: 1, padMode: "circular" }),
    ];
    const r = rng(11);
    for (const p of geometries) {
      const x = randomF32(p.batch * p.cin * p.h * p.w, r), w = randomF32(p.cout * p.cin * p.kh * p.kw, r);
      const gy = randomF32(p.batch * p.cout * p.ho * p.wo, r);
      const run = (threads: number) => {
        setFastThreads(threads);
        const y = new Float32Array(gy.length), gx = new Float32Array(x.length), gw = new Float32Array(w.length);
        const b = new Float32Array(p.cout).fill(0.25), gb = new Float32Array(p.cout);
        fastKernels.conv2dForward!(x, w, y, p, b);
        fastKernels.conv2dBackwardInput!(gy, w, gx, p);
        fastKernels.conv2dBackwardWeight!(gy, x, gw, p, gb);
        return [y, gx, gw, gb];
      };
      const one = run(1);
      for (const t of [2, 3]) expect(run(t)).toEqual(one);
    }
    setFastThreads(2);
  });
});
