// exp, ln, tanh and σ on four float32 lanes, accurate to a few units in the last place over the
// whole float32 range: subnormal inputs and results, overflow to ±∞, ±0, ±∞ and NaN all come out as
// JavaScript's Math functions rounded to float32 give them (test/backend/elementwise.test.ts sweeps
// the error). Polynomials are Cephes' single-precision ones (expf, logf, tanhf).
import { madd } from "./simd";

@inline function splat(x: f32): v128 {
  return f32x4.splat(x);
}

/**
 * e^r for r = x − n·ln2 (ln2 in two parts, so n·ln2 is exact): Cephes' degree-7 polynomial in r,
 * shared by expf4 here and the recurrent kernels' faster exp (asm/recurrent.ts).
 */
@inline export function expReduced(x: v128, n: v128): v128 {
  let r = f32x4.sub(x, f32x4.mul(n, splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, splat(-2.12194440e-4)));
  let p = madd(splat(1.9875691500e-4), r, splat(1.3981999507e-3));
  p = madd(p, r, splat(8.3334519073e-3));
  p = madd(p, r, splat(4.1665795894e-2));
  p = madd(p, r, splat(1.6666665459e-1));
  p = madd(p, r, splat(5.0000001201e-1));
  return madd(f32x4.mul(p, r), r, f32x4.add(r, splat(1)));
}

/**
 * e^x: x = n·ln2 + r with n = round(x·log2 e) and |r| ≤ ln2/2 (ln2 in two parts, so n·ln2 is
 * exact), e^r by Cephes' degree-7 polynomial, times 2^n applied as 2^⌊n/2⌋ · 2^(n−⌊n/2⌋) so that a
 * subnormal result is rounded once and n = 128 does not overflow early. x is first clamped to
 * [−104, 89], outside which e^x rounds to 0 or overflows to ∞ anyway; a NaN stays NaN.
 */
@inline export function expf4(x: v128): v128 {
  x = f32x4.min(f32x4.max(x, splat(-104)), splat(89));
  const n = f32x4.nearest(f32x4.mul(x, splat(1.44269504088896341)));
  const p = expReduced(x, n);
  const k = i32x4.trunc_sat_f32x4_s(n);
  const k1 = i32x4.shr_s(k, 1);
  const k2 = i32x4.sub(k, k1);
  const s1 = i32x4.shl(i32x4.add(k1, i32x4.splat(127)), 23);
  const s2 = i32x4.shl(i32x4.add(k2, i32x4.splat(127)), 23);
  return f32x4.mul(f32x4.mul(p, s1), s2);
}

/**
 * ln x: x = m·2^e with m in [√½, √2), ln m = f − f²/2 + f³·P(f) with f = m − 1 (Cephes' logf), and
 * e·ln2 added in two parts. A subnormal x is scaled by 2^23 first. ln 0 = −∞, ln ∞ = ∞, ln of a
 * negative number or NaN is NaN.
 */
@inline export function logf4(x: v128): v128 {
  const tiny = f32x4.lt(x, splat(1.17549435e-38));
  const xs = v128.bitselect(f32x4.mul(x, splat(8388608)), x, tiny);
  const bits = xs;
  // frexp: mant in [0.5, 1), x = mant·2^e
  let e = i32x4.sub(i32x4.shr_u(bits, 23), i32x4.splat(126));
  e = i32x4.sub(e, v128.and(tiny, i32x4.splat(23)));
  let mant = v128.or(v128.and(bits, i32x4.splat(0x007fffff)), i32x4.splat(0x3f000000));
  // mant < √½: use 2·mant − 1 and e − 1, else mant − 1
  const low = f32x4.lt(mant, splat(0.707106781186547524));
  e = i32x4.add(e, low); // low lanes are −1
  const f = f32x4.sub(f32x4.add(mant, v128.and(low, mant)), splat(1));
  const fe = f32x4.convert_i32x4_s(e);
  const z = f32x4.mul(f, f);
  let p = madd(splat(7.0376836292e-2), f, splat(-1.1514610310e-1));
  p = madd(p, f, splat(1.1676998740e-1));
  p = madd(p, f, splat(-1.2420140846e-1));
  p = madd(p, f, splat(1.4249322787e-1));
  p = madd(p, f, splat(-1.6668057665e-1));
  p = madd(p, f, splat(2.0000714765e-1));
  p = madd(p, f, splat(-2.4999993993e-1));
  p = madd(p, f, splat(3.3333331174e-1));
  let y = f32x4.mul(f32x4.mul(p, f), z);
  y = madd(fe, splat(-2.12194440e-4), y);
  y = madd(z, splat(-0.5), y);
  let r = f32x4.add(f, y);
  r = madd(fe, splat(0.693359375), r);
  // special values: ln 0 = −∞; ln ∞ = ∞; x < 0 or NaN: NaN
  r = v128.bitselect(splat(-Infinity), r, f32x4.eq(x, splat(0)));
  r = v128.bitselect(x, r, f32x4.eq(x, splat(Infinity)));
  return v128.bitselect(splat(NaN), r, v128.not(f32x4.ge(x, splat(0))));
}

/**
 * tanh x: for |x| < 0.625 Cephes' odd polynomial x + x·z·P(z) with z = x² (no cancellation near 0,
 * and −0 stays −0); otherwise 1 − 2/(e^{2|x|} + 1) with x's sign (±1 for large |x|, NaN stays NaN).
 */
@inline export function tanhf4(x: v128): v128 {
  const z = f32x4.mul(x, x);
  let p = madd(splat(-5.70498872745e-3), z, splat(2.06390887954e-2));
  p = madd(p, z, splat(-5.37397155531e-2));
  p = madd(p, z, splat(1.33314422036e-1));
  p = madd(p, z, splat(-3.33332819422e-1));
  const small = madd(f32x4.mul(p, z), x, x);
  const ax = f32x4.abs(x);
  const big = f32x4.sub(splat(1), f32x4.div(splat(2), f32x4.add(expf4(f32x4.add(ax, ax)), splat(1))));
  const signed = v128.or(big, v128.and(x, i32x4.splat(0x80000000)));
  return v128.bitselect(small, signed, f32x4.lt(ax, splat(0.625)));
}

/**
 * σ(x) = 1/(1 + e^−x) for x ≥ 0 and e^x/(1 + e^x) for x < 0 (as the definition writes it): both are
 * num/(1 + e) with e = e^−|x|, so e never overflows. σ(−∞) = 0, σ(∞) = 1, NaN stays NaN.
 */
@inline export function sigmoidf4(x: v128): v128 {
  const e = expf4(f32x4.neg(f32x4.abs(x)));
  const num = v128.bitselect(splat(1), e, f32x4.ge(x, splat(0)));
  return f32x4.div(num, f32x4.add(splat(1), e));
}
