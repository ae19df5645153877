// The gate arithmetic of one LSTM, GRU or UGRNN step, forward and backward, four hidden units at a
// time. The definitions (and the layout) are src/backend/recurrent-reference.ts: arrays are
// row-major over the batch b, j runs over the H hidden units, and gate block q of a [B, G·H] array
// is its columns q·H … q·H + H − 1, so gate q of unit j of row b sits at b·G·H + q·H + j.
// A row's last H mod 4 units run the same code on one lane (a splat load, a one-lane store).
import { madd } from "./simd";
import { expReduced } from "./mathf";

@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

@inline function ld(p: usize, i: i32, wide: bool): v128 {
  return wide ? v128.load(at(p, i)) : v128.load32_splat(at(p, i));
}

@inline function st(p: usize, i: i32, v: v128, wide: bool): void {
  if (wide) v128.store(at(p, i), v);
  else v128.store32_lane(at(p, i), v, 0);
}

@inline function splat(x: f32): v128 {
  return f32x4.splat(x);
}

/** 1.5·2^23: adding it to a float of magnitude below 2^22 rounds it to an integer held in the low mantissa bits. */
const ROUNDER: f32 = 12582912.0;
/** The bit pattern of ROUNDER. */
const ROUNDER_BITS: i32 = 0x4b400000;

/**
 * e^x on four lanes: x = n·ln2 + r with n = round(x / ln2) and |r| ≤ ln2/2 (ln2 split in two parts
 * so n·ln2 is exact), e^r by a degree-7 polynomial (Cephes' expf coefficients, relative error
 * ~1e-7), times 2^n built in the exponent bits. x is clamped to [−87.3, 88.3] (e^x stays a normal
 * float32); a NaN stays NaN. Only single-instruction operations on x86: the clamp is pmax/pmin
 * (they return their first operand, x, unless the bound compares past it, so a NaN passes through),
 * and n is rounded by adding ROUNDER, whose sum's low bits are then n as an integer:
 *   t = x/ln2 + ROUNDER,  n = t − ROUNDER,  2^n = ((bits(t) − bits(ROUNDER) + 127) << 23) as a float.
 */
@inline function exp4(x: v128): v128 {
  x = f32x4.pmin(f32x4.pmax(x, splat(-87.3)), splat(88.3));
  const t = f32x4.add(f32x4.mul(x, splat(1.44269504)), splat(ROUNDER));
  const n = f32x4.sub(t, splat(ROUNDER));
  const p = expReduced(x, n);
  const scale = i32x4.shl(i32x4.add(t, i32x4.splat(127 - ROUNDER_BITS)), 23);
  return f32x4.mul(p, scale);
}

/** σ(a) = 1 / (1 + e^−a) on four lanes. */
@inline function sigmoid4(a: v128): v128 {
  return f32x4.div(splat(1), f32x4.add(splat(1), exp4(f32x4.neg(a))));
}

/** tanh(a) = 1 − 2 / (e^{2a} + 1) on four lanes (absolute error ~1e-7; ±1 for large |a|). */
@inline function tanh4(a: v128): v128 {
  return f32x4.sub(splat(1), f32x4.div(splat(2), f32x4.add(exp4(f32x4.add(a, a)), splat(1))));
}

/** s(1 − s), the derivative of σ at the point where it took the value s. */
@inline function dsigmoid(s: v128): v128 {
  return f32x4.mul(s, f32x4.sub(splat(1), s));
}

/** 1 − t², the derivative of tanh where it took the value t. */
@inline function dtanh(t: v128): v128 {
  return f32x4.sub(splat(1), f32x4.mul(t, t));
}

@inline function lstmForwardAt(px: usize, ph: usize, c: usize, act: usize, tc: usize, hOut: usize, cOut: usize, g0: i32, s: i32, H: i32, wide: bool): void {
  // i = σ(a_i)  f = σ(a_f)  g = tanh(a_g)  o = σ(a_o)   with a_q = px[b,qH+j] + ph[b,qH+j]
  const i = sigmoid4(f32x4.add(ld(px, g0, wide), ld(ph, g0, wide)));
  const f = sigmoid4(f32x4.add(ld(px, g0 + H, wide), ld(ph, g0 + H, wide)));
  const g = tanh4(f32x4.add(ld(px, g0 + 2 * H, wide), ld(ph, g0 + 2 * H, wide)));
  const o = sigmoid4(f32x4.add(ld(px, g0 + 3 * H, wide), ld(ph, g0 + 3 * H, wide)));
  st(act, g0, i, wide);
  st(act, g0 + H, f, wide);
  st(act, g0 + 2 * H, g, wide);
  st(act, g0 + 3 * H, o, wide);
  // c'[b,j] = f·c[b,j] + i·g;   h'[b,j] = o·tanh(c'[b,j])
  const cn = madd(f, ld(c, s, wide), f32x4.mul(i, g));
  const t = tanh4(cn);
  st(cOut, s, cn, wide);
  st(tc, s, t, wide);
  st(hOut, s, f32x4.mul(o, t), wide);
}

/**
 * LSTM forward for rows b in [0, B):  act[b, q·H + j] = the gates i, f, g, o;  c'[b,j] = f·c + i·g;
 * tc[b,j] = tanh(c'[b,j]);  h'[b,j] = o·tc[b,j].
 */
export function lstmGatesForward(px: usize, ph: usize, c: usize, act: usize, tc: usize, hOut: usize, cOut: usize, B: i32, H: i32): void {
  for (let b = 0; b < B; b++) {
    const row = b * 4 * H;
    let j = 0;
    for (; j + 4 <= H; j += 4) lstmForwardAt(px, ph, c, act, tc, hOut, cOut, row + j, b * H + j, H, true);
    for (; j < H; j++) lstmForwardAt(px, ph, c, act, tc, hOut, cOut, row + j, b * H + j, H, false);
  }
}

@inline function lstmBackwardAt(gh: usize, gc: usize, act: usize, tc: usize, c: usize, dpx: usize, gcPrev: usize, g0: i32, s: i32, H: i32, wide: bool): void {
  const i = ld(act, g0, wide), f = ld(act, g0 + H, wide), g = ld(act, g0 + 2 * H, wide), o = ld(act, g0 + 3 * H, wide);
  const t = ld(tc, s, wide);
  const dh = gh ? ld(gh, s, wide) : splat(0);
  // ∂c' = c'.grad + h'.grad·o·(1 − tanh²c')
  let dc = f32x4.mul(f32x4.mul(dh, o), dtanh(t));
  if (gc) dc = f32x4.add(dc, ld(gc, s, wide));
  // ∂a_i = ∂c'·g·i(1−i)  ∂a_f = ∂c'·c·f(1−f)  ∂a_g = ∂c'·i·(1−g²)  ∂a_o = h'.grad·tanh(c')·o(1−o)
  st(dpx, g0, f32x4.mul(f32x4.mul(dc, g), dsigmoid(i)), wide);
  st(dpx, g0 + H, f32x4.mul(f32x4.mul(dc, ld(c, s, wide)), dsigmoid(f)), wide);
  st(dpx, g0 + 2 * H, f32x4.mul(f32x4.mul(dc, i), dtanh(g)), wide);
  st(dpx, g0 + 3 * H, f32x4.mul(f32x4.mul(dh, t), dsigmoid(o)), wide);
  // c.grad[b,j] = ∂c'·f
  st(gcPrev, s, f32x4.mul(dc, f), wide);
}

/** LSTM backward for rows b in [0, B) (gh, gc: 0 means a zero gradient); writes dpx and gcPrev. */
export function lstmGatesBackward(gh: usize, gc: usize, act: usize, tc: usize, c: usize, dpx: usize, gcPrev: usize, B: i32, H: i32): void {
  for (let b = 0; b < B; b++) {
    const row = b * 4 * H;
    let j = 0;
    for (; j + 4 <= H; j += 4) lstmBackwardAt(gh, gc, act, tc, c, dpx, gcPrev, row + j, b * H + j, H, true);
    for (; j < H; j++) lstmBackwardAt(gh, gc, act, tc, c, dpx, gcPrev, row + j, b * H + j, H, false);
  }
}

@inline function gruForwardAt(px: usize, ph: usize, h: usize, act: usize, hOut: usize, g0: i32, s: i32, H: i32, wide: bool): void {
  // r = σ(px_r + ph_r)  z = σ(px_z + ph_z)  n = tanh(px_n + r·ph_n)
  const r = sigmoid4(f32x4.add(ld(px, g0, wide), ld(ph, g0, wide)));
  const z = sigmoid4(f32x4.add(ld(px, g0 + H, wide), ld(ph, g0 + H, wide)));
  const n = tanh4(madd(r, ld(ph, g0 + 2 * H, wide), ld(px, g0 + 2 * H, wide)));
  st(act, g0, r, wide);
  st(act, g0 + H, z, wide);
  st(act, g0 + 2 * H, n, wide);
  // h'[b,j] = z·h[b,j] + (1 − z)·n
  st(hOut, s, madd(z, ld(h, s, wide), f32x4.mul(f32x4.sub(splat(1), z), n)), wide);
}

/** GRU forward for rows b in [0, B): act = the gates r, z, n;  h'[b,j] = z·h + (1 − z)·n. */
export function gruGatesForward(px: usize, ph: usize, h: usize, act: usize, hOut: usize, B: i32, H: i32): void {
  for (let b = 0; b < B; b++) {
    const row = b * 3 * H;
    let j = 0;
    for (; j + 4 <= H; j += 4) gruForwardAt(px, ph, h, act, hOut, row + j, b * H + j, H, true);
    for (; j < H; j++) gruForwardAt(px, ph, h, act, hOut, row + j, b * H + j, H, false);
  }
}

@inline function gruBackwardAt(gh: usize, act: usize, h: usize, ph: usize, dpx: usize, dph: usize, direct: usize, g0: i32, s: i32, H: i32, wide: bool): void {
  const r = ld(act, g0, wide), z = ld(act, g0 + H, wide), n = ld(act, g0 + 2 * H, wide);
  const dh = gh ? ld(gh, s, wide) : splat(0);
  // ∂a_n = h'.grad·(1 − z)·(1 − n²);  ∂a_z = h'.grad·(h − n)·z(1−z);  ∂a_r = ∂a_n·ph_n·r(1−r)
  const dan = f32x4.mul(f32x4.mul(dh, f32x4.sub(splat(1), z)), dtanh(n));
  const daz = f32x4.mul(f32x4.mul(dh, f32x4.sub(ld(h, s, wide), n)), dsigmoid(z));
  const dar = f32x4.mul(f32x4.mul(dan, ld(ph, g0 + 2 * H, wide)), dsigmoid(r));
  st(dpx, g0, dar, wide);
  st(dpx, g0 + H, daz, wide);
  st(dpx, g0 + 2 * H, dan, wide);
  // ph's gradient: the same for r and z; ∂ph_n = ∂a_n·r
  st(dph, g0, dar, wide);
  st(dph, g0 + H, daz, wide);
  st(dph, g0 + 2 * H, f32x4.mul(dan, r), wide);
  // h.grad[b,j] (not through W_hh) = h'.grad·z
  st(direct, s, f32x4.mul(dh, z), wide);
}

/** GRU backward for rows b in [0, B) (gh 0: a zero gradient); writes dpx, dph and the direct part of h.grad. */
export function gruGatesBackward(gh: usize, act: usize, h: usize, ph: usize, dpx: usize, dph: usize, direct: usize, B: i32, H: i32): void {
  for (let b = 0; b < B; b++) {
    const row = b * 3 * H;
    let j = 0;
    for (; j + 4 <= H; j += 4) gruBackwardAt(gh, act, h, ph, dpx, dph, direct, row + j, b * H + j, H, true);
    for (; j < H; j++) gruBackwardAt(gh, act, h, ph, dpx, dph, direct, row + j, b * H + j, H, false);
  }
}

@inline function ugrnnForwardAt(px: usize, ph: usize, h: usize, act: usize, hOut: usize, g0: i32, s: i32, H: i32, wide: bool): void {
  // f = σ(px_f + ph_f)  d = tanh(px_d + ph_d);   h'[b,j] = f·h[b,j] + (1 − f)·d
  const f = sigmoid4(f32x4.add(ld(px, g0, wide), ld(ph, g0, wide)));
  const d = tanh4(f32x4.add(ld(px, g0 + H, wide), ld(ph, g0 + H, wide)));
  st(act, g0, f, wide);
  st(act, g0 + H, d, wide);
  st(hOut, s, madd(f, ld(h, s, wide), f32x4.mul(f32x4.sub(splat(1), f), d)), wide);
}

/** UGRNN forward for rows b in [0, B): act = the gates f, d;  h'[b,j] = f·h + (1 − f)·d. */
export function ugrnnGatesForward(px: usize, ph: usize, h: usize, act: usize, hOut: usize, B: i32, H: i32): void {
  for (let b = 0; b < B; b++) {
    const row = b * 2 * H;
    let j = 0;
    for (; j + 4 <= H; j += 4) ugrnnForwardAt(px, ph, h, act, hOut, row + j, b * H + j, H, true);
    for (; j < H; j++) ugrnnForwardAt(px, ph, h, act, hOut, row + j, b * H + j, H, false);
  }
}

@inline function ugrnnBackwardAt(gh: usize, act: usize, h: usize, dpx: usize, direct: usize, g0: i32, s: i32, H: i32, wide: bool): void {
  const f = ld(act, g0, wide), d = ld(act, g0 + H, wide);
  const dh = gh ? ld(gh, s, wide) : splat(0);
  // ∂a_f = h'.grad·(h − d)·f(1−f);  ∂a_d = h'.grad·(1 − f)·(1 − d²);  h.grad (direct) = h'.grad·f
  st(dpx, g0, f32x4.mul(f32x4.mul(dh, f32x4.sub(ld(h, s, wide), d)), dsigmoid(f)), wide);
  st(dpx, g0 + H, f32x4.mul(f32x4.mul(dh, f32x4.sub(splat(1), f)), dtanh(d)), wide);
  st(direct, s, f32x4.mul(dh, f), wide);
}

/** UGRNN backward for rows b in [0, B) (gh 0: a zero gradient); writes dpx and the direct part of h.grad. */
export function ugrnnGatesBackward(gh: usize, act: usize, h: usize, dpx: usize, direct: usize, B: i32, H: i32): void {
  for (let b = 0; b < B; b++) {
    const row = b * 2 * H;
    let j = 0;
    for (; j + 4 <= H; j += 4) ugrnnBackwardAt(gh, act, h, dpx, direct, row + j, b * H + j, H, true);
    for (; j < H; j++) ugrnnBackwardAt(gh, act, h, dpx, direct, row + j, b * H + j, H, false);
  }
}

/**
 * out[q] += Σ_{r<rows} g[r·cols + q]   for q < cols: the column sums of a row-major [rows, cols]
 * gradient (a bias gradient), four rows per pass over out so that out stays in registers' reach.
 */
export function addColumnSums(g: usize, out: usize, rows: i32, cols: i32): void {
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const r0 = at(g, r * cols), r1 = at(r0, cols), r2 = at(r1, cols), r3 = at(r2, cols);
    let q = 0;
    for (; q + 4 <= cols; q += 4) {
      const s = f32x4.add(f32x4.add(v128.load(at(r0, q)), v128.load(at(r1, q))), f32x4.add(v128.load(at(r2, q)), v128.load(at(r3, q))));
      v128.store(at(out, q), f32x4.add(v128.load(at(out, q)), s));
    }
    for (; q < cols; q++) {
      const s = (load<f32>(at(r0, q)) + load<f32>(at(r1, q))) + (load<f32>(at(r2, q)) + load<f32>(at(r3, q)));
      store<f32>(at(out, q), load<f32>(at(out, q)) + s);
    }
  }
  for (; r < rows; r++) {
    const row = at(g, r * cols);
    let q = 0;
    for (; q + 4 <= cols; q += 4) v128.store(at(out, q), f32x4.add(v128.load(at(out, q)), v128.load(at(row, q))));
    for (; q < cols; q++) store<f32>(at(out, q), load<f32>(at(out, q)) + load<f32>(at(row, q)));
  }
}
