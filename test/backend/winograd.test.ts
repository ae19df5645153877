// Winograd F(2×2, 3×3) on the fast backend against the float64 definition: forward and input
// gradient on random 3×3 / stride-1 / zero-padded geometries (odd sizes, 1×1 and 2×2 images,
// padding 0–2), and the profiler's two counts (the definition's multiplies and the ones done).
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fastKernels } from "../../src/backend/fast/index.js";
import { setWinograd, useWinograd, winogradEligible, winogradMode, winogradMultiplies, type WinogradMode } from "../../src/backend/fast/winograd.js";
import { getBackend, setBackend } from "../../src/backend/index.js";
import type { Conv2dArgs } from "../../src/backend/kernels.js";
import { conv2dBackwardInputReference, conv2dForwardReference } from "../../src/backend/reference.js";
import { conv2d } from "../../src/ops/conv.js";
import { profile } from "../../src/profile.js";
import { randn } from "../../src/tensor.js";
import { convArgs, randomF32, rng } from "./helpers.js";

const EPS32 = 2 ** -24;

/**
 * Float32 error bound per output element, relative to S = Σ|w|·|x| summed over the terms of the 2×2
 * output tile it belongs to (the definition's sum with absolute values, then added up per tile):
 * Winograd computes a tile's four outputs together from the whole 4×4 input patch, and terms that
 * cancel in exact arithmetic (a neighbour's pixels) still leave their rounding, so the scale of the
 * error is the tile's, not the element's alone. A float32 sum of products has error at most about
 * n·ε·S after n rounding steps; here n = Cx (the GEMM over channels; `terms` counts its taps) + 16
 * (the input, filter and output transforms round a few times each), times a constant for the growth
 * of the transformed values (|Bᵀ d B| ≤ 4·max|d|, |G g Gᵀ| ≤ 9/4·max|g|, A sums up to 3 of each):
 * 8 here, which random data stays well below. An indexing or transform error is of order S itself,
 * so this bound still catches it.
 */
function bound(terms: number, s: number): number {
  return (terms + 16) * 8 * EPS32 * s + 1e-30;
}

/** Each element replaced by the sum over its 2×2 output tile (tiles from (0, 0); planes of ho × wo). */
function tileSums(abs: Float64Array, ho: number, wo: number): Float64Array {
  const out = new Float64Array(abs.length);
  for (let base = 0; base < abs.length; base += ho * wo) {
    for (let i = 0; i < ho; i++) for (let j = 0; j < wo; j++) {
      let s = 0;
      for (let r = i & ~1; r < Math.min(ho, (i & ~1) + 2); r++) for (let q = j & ~1; q < Math.min(wo, (j & ~1) + 2); q++) s += abs[base + r * wo + q]!;
      out[base + i * wo + j] = s;
    }
  }
  return out;
}

/** Largest |got − want| / bound over all elements (≤ 1 passes); `tileAbs` from `tileSums`. */
function worstRatio(got: Float32Array, want: Float64Array, tileAbs: Float64Array, terms: number): number {
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / bound(terms, tileAbs[i]!));
  return worst;
}

function absF64(a: Float32Array): Float64Array {
  return Float64Array.from(a, Math.abs);
}

const geometry = fc
  .record({
    batch: fc.integer({ min: 1, max: 3 }),
    cin: fc.integer({ min: 1, max: 9 }),
    cout: fc.integer({ min: 1, max: 12 }),
    h: fc.integer({ min: 1, max: 13 }),
    w: fc.integer({ min: 1, max: 13 }),
    pad: fc.integer({ min: 0, max: 2 }),
    seed: fc.integer({ min: 1, max: 1 << 30 }),
  })
  .map(({ pad, seed, ...p }) => ({ seed, p: convArgs({ ...p, kh: 3, kw: 3, strideH: 1, strideW: 1, padH: pad, padW: pad, padMode: "zeros" }) }))
  .filter(({ p }) => p.ho > 0 && p.wo > 0 && p.batch * p.cout * p.ho * p.wo * p.cin * 9 >= 4096);

describe("Winograd F(2×2, 3×3) on the fast backend", () => {
  let saved: WinogradMode;
  beforeAll(() => {
    saved = winogradMode();
    setWinograd("on");
  });
  afterAll(() => setWinograd(saved));

  it("forward matches the definition to float32 rounding (relative to Σ|w||x|)", () => {
    fc.assert(
      fc.property(geometry, ({ p, seed }) => {
        expect(useWinograd(p, "forward")).toBe(true);
        const r = rng(seed);
        const x = randomF32(p.batch * p.cin * p.h * p.w, r), w = randomF32(p.cout * p.cin * 9, r), bias = randomF32(p.cout, r);
        const n = p.batch * p.cout * p.ho * p.wo;
        const want = new Float64Array(n), abs = new Float64Array(n), got = new Float32Array(n);
        conv2dForwardReference(new Float64Array(x), new Float64Array(w), want, p, new Float64Array(bias));
        conv2dForwardReference(absF64(x), absF64(w), abs, p, absF64(bias));
        fastKernels.conv2dForward!(x, w, got, p, bias);
        expect(worstRatio(got, want, tileSums(abs, p.ho, p.wo), p.cin * 9)).toBeLessThanOrEqual(1);
      }),
      { numRuns: 60, seed: 13 },
    );
  });

  it("input gradient matches the definition to float32 rounding, accumulating and not", () => {
    fc.assert(
      fc.property(geometry, fc.boolean(), ({ p, seed }, accumulate) => {
        expect(useWinograd(p, "backwardInput")).toBe(true);
        const r = rng(seed);
        const gy = randomF32(p.batch * p.cout * p.ho * p.wo, r), w = randomF32(p.cout * p.cin * 9, r);
        const g0 = randomF32(p.batch * p.cin * p.h * p.w, r);
        const want = accumulate ? new Float64Array(g0) : new Float64Array(g0.length);
        const abs = accumulate ? absF64(g0) : new Float64Array(g0.length);
        const got = new Float32Array(g0);
        conv2dBackwardInputReference(new Float64Array(gy), new Float64Array(w), want, p);
        conv2dBackwardInputReference(absF64(gy), absF64(w), abs, p);
        fastKernels.conv2dBackwardInput!(gy, w, got, p, accumulate);
        expect(worstRatio(got, want, tileSums(abs, p.h, p.w), p.cout * 9)).toBeLessThanOrEqual(1);
      }),
      { numRuns: 60, seed: 31 },
    );
  });

  it("leaves a call with a non-finite operand to im2col + GEMM, so ±Inf and NaN are the definition's", () => {
    const p = convArgs({ batch: 2, cin: 8, cout: 8, h: 9, w: 9, kh: 3, kw: 3, strideH: 1, strideW: 1, padH: 1, padW: 1, padMode: "zeros" });
    expect(useWinograd(p, "forward")).toBe(true);
    const r = rng(5);
    const x = randomF32(p.batch * p.cin * p.h * p.w, r), w = randomF32(p.cout * p.cin * 9, r);
    w[4] = Infinity; // the centre tap of output channel 0, input channel 0
    const n = p.batch * p.cout * p.ho * p.wo;
    const want = new Float64Array(n), got = new Float32Array(n);
    conv2dForwardReference(new Float64Array(x), new Float64Array(w), want, p);
    fastKernels.conv2dForward!(x, w, got, p);
    // with Winograd, NaN would spread over whole tiles where the definition has ±Inf
    for (let i = 0; i < n; i++) {
      if (Number.isFinite(want[i]!)) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-3);
      else expect(got[i]).toBe(want[i]);
    }
    const gy = randomF32(n, r);
    gy[7] = -Infinity;
    const wantGx = new Float64Array(x.length), gotGx = new Float32Array(x.length);
    w[4] = 0.5;
    conv2dBackwardInputReference(new Float64Array(gy), new Float64Array(w), wantGx, p);
    fastKernels.conv2dBackwardInput!(gy, w, gotGx, p, false);
    for (let i = 0; i < x.length; i++) {
      if (Number.isFinite(wantGx[i]!)) expect(Math.abs(gotGx[i]! - wantGx[i]!)).toBeLessThan(1e-3);
      else expect(gotGx[i]).toBe(wantGx[i]);
    }
  });

  it("is used only for 3×3, stride-1, zero-padded geometries", () => {
    const base = convArgs({ batch: 2, cin: 4, cout: 4, h: 8, w: 8, kh: 3, kw: 3, strideH: 1, strideW: 1, padH: 1, padW: 1, padMode: "zeros" });
    expect(winogradEligible(base)).toBe(true);
    expect(winogradEligible(convArgs({ ...base, strideH: 2 }))).toBe(false);
    expect(winogradEligible(convArgs({ ...base, kh: 5, kw: 5 }))).toBe(false);
    expect(winogradEligible({ ...base, padMode: "circular" })).toBe(false);
    setWinograd("off");
    expect(useWinograd(base, "forward")).toBe(false);
    setWinograd("on");
  });

  it("the profiler reports the definition's B·D²·N²·Cx·Cy and the multiplies Winograd did", () => {
    const saved = getBackend();
    setBackend("fast");
    try {
      for (const [B, D, Cx, Cy] of [[2, 7, 3, 5], [1, 8, 8, 4]] as const) {
        const x = randn([B, Cx, D, D]), w = randn([Cy, Cx, 3, 3]);
        const rep = profile(() => conv2d(x, w, null, { padding: "same" }));
        const s = rep.byOp.conv2d!;
        expect(s.multiplies).toBe(B * D * D * 9 * Cx * Cy);
        expect(s.extra!.winogradMultiplies).toBe(B * 16 * Math.ceil(D / 2) ** 2 * Cx * Cy + 14 * Cx * Cy);
        expect(s.extra!.winogradMultiplies).toBe(winogradMultiplies(B, Cx, Cy, D, D));
      }
    } finally {
      setBackend(saved);
    }
  });
});
