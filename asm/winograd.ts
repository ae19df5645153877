// Winograd minimal filtering F(2×2, 3×3) for a 3×3, stride-1, zero-padded convolution: each 2×2 block
// of outputs ("tile") is computed from a 4×4 input patch d and the 3×3 filter g as
//   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
// with the standard matrices
//   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],  G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],  Aᵀ = [1 1 1 0; 0 1 −1 −1].
// Summed over input channels, the elementwise product becomes 16 independent matrix products over
// channels: M[k] = U[k] · V[k] for k = 4·a + b (a, b < 4), U[k] = [Cy × Cx], V[k] = [Cx × tiles]. Those
// run on the blocked GEMM. 16 products per tile and channel pair instead of 36 (4 outputs × 9 taps).
import { Geometry } from "./geometry";
import { gemm, gemmScratchBytes } from "./gemm";

@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}
@inline function align64(p: usize): usize {
  return (p + 63) & ~63;
}

/** Tiles of one output plane: ⌈ho/2⌉ · ⌈wo/2⌉ (a partial last tile row or column when ho or wo is odd). */
@inline function tileCount(g: Geometry): i32 {
  return ((g.ho + 1) >> 1) * ((g.wo + 1) >> 1);
}

/** Tile columns the GEMMs aim for: images are grouped so that each GEMM has about this many columns. */
const TARGET_COLUMNS: i32 = 192;

/** Images transformed together (their tiles side by side in V and M), so the 16 GEMMs are not too narrow. */
@inline function groupSize(tiles: i32): i32 {
  return max(1, TARGET_COLUMNS / tiles);
}

/** Scratch one thread needs for `winogradConv`: V [16, cin, group·tiles], M [16, cout, group·tiles] and gemm's own. */
export function winogradScratchBytes(g: Geometry): i32 {
  const t = tileCount(g);
  return 16 * (g.cin + g.cout) * t * groupSize(t) * 4 + gemmScratchBytes() + 192;
}

/**
 * U[k, c, q] = (G g Gᵀ)[a, b] with k = 4a + b, for c < nOut, q < nIn, where
 *   g[i, j] = w[c, q, i, j]            (flip = 0: w is nOut × nIn × 3 × 3, the forward filter), or
 *   g[i, j] = w[q, c, 2 − i, 2 − j]    (flip ≠ 0: w is nIn × nOut × 3 × 3, rotated 180° and channel-
 *                                       transposed — the filter of the input gradient)
 *   (G g)[a, j] = g[0,j] (a=0), ½(g[0,j]+g[1,j]+g[2,j]) (a=1), ½(g[0,j]−g[1,j]+g[2,j]) (a=2), g[2,j] (a=3)
 * and the same along j.
 */
export function winogradFilter(w: usize, u: usize, nOut: i32, nIn: i32, flip: i32): void {
  const plane = nOut * nIn;
  for (let c = 0; c < nOut; c++) {
    for (let q = 0; q < nIn; q++) {
      // g[i, j]: w[c, q, i, j], or w[q, c, 2−i, 2−j] when flipped
      const base = flip != 0 ? (q * nOut + c) * 9 : (c * nIn + q) * 9;
      const g00 = flip != 0 ? load<f32>(at(w, base + 8)) : load<f32>(at(w, base + 0));
      const g01 = flip != 0 ? load<f32>(at(w, base + 7)) : load<f32>(at(w, base + 1));
      const g02 = flip != 0 ? load<f32>(at(w, base + 6)) : load<f32>(at(w, base + 2));
      const g10 = flip != 0 ? load<f32>(at(w, base + 5)) : load<f32>(at(w, base + 3));
      const g11 = load<f32>(at(w, base + 4));
      const g12 = flip != 0 ? load<f32>(at(w, base + 3)) : load<f32>(at(w, base + 5));
      const g20 = flip != 0 ? load<f32>(at(w, base + 2)) : load<f32>(at(w, base + 6));
      const g21 = flip != 0 ? load<f32>(at(w, base + 1)) : load<f32>(at(w, base + 7));
      const g22 = flip != 0 ? load<f32>(at(w, base + 0)) : load<f32>(at(w, base + 8));
      // t = G g   (4 × 3), rows a = 0..3
      const t00 = g00, t01 = g01, t02 = g02;
      const t10 = <f32>0.5 * (g00 + g10 + g20), t11 = <f32>0.5 * (g01 + g11 + g21), t12 = <f32>0.5 * (g02 + g12 + g22);
      const t20 = <f32>0.5 * (g00 - g10 + g20), t21 = <f32>0.5 * (g01 - g11 + g21), t22 = <f32>0.5 * (g02 - g12 + g22);
      const t30 = g20, t31 = g21, t32 = g22;
      // U = t Gᵀ   (4 × 4): column b of row a from t[a, 0..2] like G's rows
      const o = c * nIn + q;
      storeRow(u, o, plane, 0, t00, t01, t02);
      storeRow(u, o, plane, 1, t10, t11, t12);
      storeRow(u, o, plane, 2, t20, t21, t22);
      storeRow(u, o, plane, 3, t30, t31, t32);
    }
  }
}

/** U[4a + b, o] for b < 4 from row a of G g: (r0, ½(r0+r1+r2), ½(r0−r1+r2), r2). */
@inline function storeRow(u: usize, o: i32, plane: i32, a: i32, r0: f32, r1: f32, r2: f32): void {
  const k = 4 * a;
  store<f32>(at(u, (k + 0) * plane + o), r0);
  store<f32>(at(u, (k + 1) * plane + o), <f32>0.5 * (r0 + r1 + r2));
  store<f32>(at(u, (k + 2) * plane + o), <f32>0.5 * (r0 - r1 + r2));
  store<f32>(at(u, (k + 3) * plane + o), r2);
}

/** x[r, s] of one zero-padded plane (h × w): 0 outside. */
@inline function pixel(plane: usize, r: i32, s: i32, h: i32, w: i32): f32 {
  return r >= 0 && r < h && s >= 0 && s < w ? load<f32>(at(plane, r * w + s)) : 0;
}

/**
 * V[4a + b, c, col0 + t] = (Bᵀ d B)[a, b] for every channel c < cin and tile t = ti·tw + tj, where
 *   d[i, j] = x[c, 2ti + i − padH, 2tj + j − padW]   (i, j < 4; 0 outside the image)
 *   (Bᵀ d)[0, j] = d[0,j] − d[2,j],  [1, j] = d[1,j] + d[2,j],  [2, j] = d[2,j] − d[1,j],  [3, j] = d[1,j] − d[3,j]
 * and the same along j. `x` points at channel 0 of one image; rows of V are `ld` floats apart.
 */
function inputTransform(x: usize, v: usize, ld: i32, col0: i32, g: Geometry, th: i32, tw: i32): void {
  const plane = g.cin * ld;
  for (let c = 0; c < g.cin; c++) {
    const xp = at(x, c * g.h * g.w);
    for (let ti = 0; ti < th; ti++) {
      const r0 = 2 * ti - g.padH;
      const inside = r0 >= 0 && r0 + 4 <= g.h;
      let tj = 0;
      if (inside) {
        // four tiles tj .. tj+3 at once while their 10 input columns 2tj − padW .. 2tj − padW + 9 are inside
        for (; tj + 4 <= tw && 2 * tj - g.padW >= 0 && 2 * tj - g.padW + 10 <= g.w; tj += 4) {
          const p = at(xp, r0 * g.w + 2 * tj - g.padW);
          const o = c * ld + col0 + ti * tw + tj;
          inputTransform4(p, g.w, v, o, plane);
        }
      }
      for (; tj < tw; tj++) {
        const s0 = 2 * tj - g.padW;
        // rows of d, four lanes each (columns j = 0..3)
        let d0: v128, d1: v128, d2: v128, d3: v128;
        if (inside && s0 >= 0 && s0 + 4 <= g.w) {
          const p = at(xp, r0 * g.w + s0);
          d0 = v128.load(p);
          d1 = v128.load(at(p, g.w));
          d2 = v128.load(at(p, 2 * g.w));
          d3 = v128.load(at(p, 3 * g.w));
        } else {
          d0 = rowAt(xp, r0, s0, g.h, g.w);
          d1 = rowAt(xp, r0 + 1, s0, g.h, g.w);
          d2 = rowAt(xp, r0 + 2, s0, g.h, g.w);
          d3 = rowAt(xp, r0 + 3, s0, g.h, g.w);
        }
        // e = Bᵀ d, row by row (four columns at a time)
        const e0 = f32x4.sub(d0, d2);
        const e1 = f32x4.add(d1, d2);
        const e2 = f32x4.sub(d2, d1);
        const e3 = f32x4.sub(d1, d3);
        const o = c * ld + col0 + ti * tw + tj;
        storeBRow(v, o, plane, 0, e0);
        storeBRow(v, o, plane, 1, e1);
        storeBRow(v, o, plane, 2, e2);
        storeBRow(v, o, plane, 3, e3);
      }
    }
  }
}

/**
 * The input transform of four horizontally adjacent tiles whose patches lie inside the image, lane t
 * for tile t. Row i of the patches: D_i[j] = (x[i, 2t + j])_{t<4} from `p` (row 0, column 0 of tile
 * 0's patch); E_a[j] = (Bᵀ D)[a][j] as above, then V[4a + b, o + t] = (E_a B)[b] along j.
 */
@inline function inputTransform4(p: usize, w: i32, v: usize, o: i32, plane: i32): void {
  for (let a = 0; a < 4; a++) {
    // Bᵀ row a combines two patch rows: E_a = D_lead ± D_lag with (lead, lag, ±) = (0, 2, −), (1, 2, +), (2, 1, −), (1, 3, −)
    const lead = a == 2 ? 2 : a == 0 ? 0 : 1;
    const lag = a == 2 ? 1 : a == 3 ? 3 : 2;
    const pa = at(p, lead * w), pb = at(p, lag * w);
    const la = v128.load(pa), ha = v128.load(at(pa, 4)), ca = v128.load64_zero(at(pa, 8));
    const lb = v128.load(pb), hb = v128.load(at(pb, 4)), cb = v128.load64_zero(at(pb, 8));
    // columns j of the two rows, over four tiles: x[2t + j]
    const a0 = i32x4.shuffle(la, ha, 0, 2, 4, 6), a1 = i32x4.shuffle(la, ha, 1, 3, 5, 7);
    const a2 = i32x4.shuffle(a0, ca, 1, 2, 3, 4), a3 = i32x4.shuffle(a1, ca, 1, 2, 3, 5);
    const b0 = i32x4.shuffle(lb, hb, 0, 2, 4, 6), b1 = i32x4.shuffle(lb, hb, 1, 3, 5, 7);
    const b2 = i32x4.shuffle(b0, cb, 1, 2, 3, 4), b3 = i32x4.shuffle(b1, cb, 1, 2, 3, 5);
    // E_a[j] = D_lead[j] ± D_lag[j]
    const plus = a == 1;
    const e0 = plus ? f32x4.add(a0, b0) : f32x4.sub(a0, b0), e1 = plus ? f32x4.add(a1, b1) : f32x4.sub(a1, b1);
    const e2 = plus ? f32x4.add(a2, b2) : f32x4.sub(a2, b2), e3 = plus ? f32x4.add(a3, b3) : f32x4.sub(a3, b3);
    const k = 4 * a;
    v128.store(at(v, k * plane + o), f32x4.sub(e0, e2));
    v128.store(at(v, (k + 1) * plane + o), f32x4.add(e1, e2));
    v128.store(at(v, (k + 2) * plane + o), f32x4.sub(e2, e1));
    v128.store(at(v, (k + 3) * plane + o), f32x4.sub(e1, e3));
  }
}

/** Four pixels x[r, s .. s+4) of one plane, 0 outside. */
@inline function rowAt(xp: usize, r: i32, s: i32, h: i32, w: i32): v128 {
  if (r < 0 || r >= h) return f32x4.splat(0);
  const row = at(xp, r * w);
  return f32x4(pixel(row, 0, s, 1, w), pixel(row, 0, s + 1, 1, w), pixel(row, 0, s + 2, 1, w), pixel(row, 0, s + 3, 1, w));
}

/** V[4a + b, o] = (e B)[b] for b < 4, from row a of e = Bᵀ d: (e0 − e2, e1 + e2, e2 − e1, e1 − e3). */
@inline function storeBRow(v: usize, o: i32, plane: i32, a: i32, e: v128): void {
  const e0 = f32x4.extract_lane(e, 0), e1 = f32x4.extract_lane(e, 1), e2 = f32x4.extract_lane(e, 2), e3 = f32x4.extract_lane(e, 3);
  const k = 4 * a;
  store<f32>(at(v, (k + 0) * plane + o), e0 - e2);
  store<f32>(at(v, (k + 1) * plane + o), e1 + e2);
  store<f32>(at(v, (k + 2) * plane + o), e2 - e1);
  store<f32>(at(v, (k + 3) * plane + o), e1 - e3);
}

/** `winogradConv`'s flags: add into y instead of overwriting it. */
const ACCUMULATE: i32 = 1;
/** `winogradConv`'s flags: the ReLU epilogue, y = max(value, 0) for the value stored (a NaN stays NaN). */
const RELU: i32 = 2;

/**
 * y[c, 2ti + r, 2tj + s] (+)= (Aᵀ m A)[r, s] (+ bias[c]) for r, s < 2 inside the ho × wo plane, where
 *   m[a, b] = M[4a + b, c, col0 + t],  (Aᵀ m)[0, b] = m[0,b] + m[1,b] + m[2,b],  (Aᵀ m)[1, b] = m[1,b] − m[2,b] − m[3,b]
 * and the same along b. `y` points at channel 0 of one image; rows of M are `ld` floats apart;
 * flags & ACCUMULATE adds into y; flags & RELU stores max(value, 0).
 */
function outputTransform(m: usize, ld: i32, col0: i32, y: usize, bias: usize, g: Geometry, th: i32, tw: i32, flags: i32): void {
  const accumulate = flags & ACCUMULATE;
  const relu = (flags & RELU) != 0;
  const plane = g.cout * ld;
  for (let c = 0; c < g.cout; c++) {
    const yp = at(y, c * g.ho * g.wo);
    const b = bias != 0 ? load<f32>(at(bias, c)) : <f32>0;
    for (let ti = 0; ti < th; ti++) {
      let tj = 0;
      if (2 * ti + 2 <= g.ho) {
        // four tiles tj .. tj+3 at once while their 8 output columns lie inside the plane
        for (; tj + 4 <= tw && 2 * tj + 8 <= g.wo; tj += 4) {
          outputTransform4(m, c * ld + col0 + ti * tw + tj, plane, at(yp, 2 * ti * g.wo + 2 * tj), g.wo, b, accumulate, relu);
        }
      }
      for (; tj < tw; tj++) {
        const o = c * ld + col0 + ti * tw + tj;
        // rows of m (four lanes: b = 0..3)
        const m0 = gatherRow(m, o, plane, 0), m1 = gatherRow(m, o, plane, 1), m2 = gatherRow(m, o, plane, 2), m3 = gatherRow(m, o, plane, 3);
        const q0 = f32x4.add(f32x4.add(m0, m1), m2);
        const q1 = f32x4.sub(f32x4.sub(m1, m2), m3);
        const y00 = f32x4.extract_lane(q0, 0) + f32x4.extract_lane(q0, 1) + f32x4.extract_lane(q0, 2) + b;
        const y01 = f32x4.extract_lane(q0, 1) - f32x4.extract_lane(q0, 2) - f32x4.extract_lane(q0, 3) + b;
        const y10 = f32x4.extract_lane(q1, 0) + f32x4.extract_lane(q1, 1) + f32x4.extract_lane(q1, 2) + b;
        const y11 = f32x4.extract_lane(q1, 1) - f32x4.extract_lane(q1, 2) - f32x4.extract_lane(q1, 3) + b;
        const i = 2 * ti, j = 2 * tj;
        const right = j + 1 < g.wo, down = i + 1 < g.ho;
        put(at(yp, i * g.wo + j), y00, accumulate, relu);
        if (right) put(at(yp, i * g.wo + j + 1), y01, accumulate, relu);
        if (down) {
          put(at(yp, (i + 1) * g.wo + j), y10, accumulate, relu);
          if (right) put(at(yp, (i + 1) * g.wo + j + 1), y11, accumulate, relu);
        }
      }
    }
  }
}

/**
 * The output transform of four horizontally adjacent tiles (lane t for tile t, all outputs inside):
 *   Q_r[b] = (Aᵀ m)[r][b] = M[b] + M[4 + b] + M[8 + b] (r = 0), M[4 + b] − M[8 + b] − M[12 + b] (r = 1)
 *   Y_r0 = Q_r[0] + Q_r[1] + Q_r[2],  Y_r1 = Q_r[1] − Q_r[2] − Q_r[3]
 * and y[r, 2t + s] (+)= Y_rs[t] + bias: row r's eight outputs are Y_r0 and Y_r1 interleaved
 * (relu: max(…, 0) of what is stored).
 */
@inline function outputTransform4(m: usize, o: i32, plane: i32, y: usize, wo: i32, bias: f32, accumulate: i32, relu: bool): void {
  const zero = f32x4.splat(0);
  const bv = f32x4.splat(bias);
  for (let r = 0; r < 2; r++) {
    let q0: v128, q1: v128, q2: v128, q3: v128;
    if (r == 0) {
      q0 = sum3(m, o, plane, 0); q1 = sum3(m, o, plane, 1); q2 = sum3(m, o, plane, 2); q3 = sum3(m, o, plane, 3);
    } else {
      q0 = diff3(m, o, plane, 0); q1 = diff3(m, o, plane, 1); q2 = diff3(m, o, plane, 2); q3 = diff3(m, o, plane, 3);
    }
    const y0 = f32x4.add(f32x4.add(f32x4.add(q0, q1), q2), bv);
    const y1 = f32x4.add(f32x4.sub(f32x4.sub(q1, q2), q3), bv);
    let lo = i32x4.shuffle(y0, y1, 0, 4, 1, 5), hi = i32x4.shuffle(y0, y1, 2, 6, 3, 7);
    const row = at(y, r * wo);
    if (accumulate != 0) {
      lo = f32x4.add(v128.load(row), lo);
      hi = f32x4.add(v128.load(at(row, 4)), hi);
    }
    if (relu) {
      lo = f32x4.max(lo, zero);
      hi = f32x4.max(hi, zero);
    }
    v128.store(row, lo);
    v128.store(at(row, 4), hi);
  }
}

/** (M[b] + M[4 + b] + M[8 + b])[o .. o+4): row 0 of Aᵀ m at column b, four tiles. */
@inline function sum3(m: usize, o: i32, plane: i32, b: i32): v128 {
  return f32x4.add(f32x4.add(v128.load(at(m, b * plane + o)), v128.load(at(m, (4 + b) * plane + o))), v128.load(at(m, (8 + b) * plane + o)));
}

/** (M[4 + b] − M[8 + b] − M[12 + b])[o .. o+4): row 1 of Aᵀ m at column b, four tiles. */
@inline function diff3(m: usize, o: i32, plane: i32, b: i32): v128 {
  return f32x4.sub(f32x4.sub(v128.load(at(m, (4 + b) * plane + o)), v128.load(at(m, (8 + b) * plane + o))), v128.load(at(m, (12 + b) * plane + o)));
}

@inline function gatherRow(m: usize, o: i32, plane: i32, a: i32): v128 {
  const k = 4 * a;
  return f32x4(load<f32>(at(m, k * plane + o)), load<f32>(at(m, (k + 1) * plane + o)), load<f32>(at(m, (k + 2) * plane + o)), load<f32>(at(m, (k + 3) * plane + o)));
}

@inline function put(p: usize, v: f32, accumulate: i32, relu: bool): void {
  const r = accumulate != 0 ? load<f32>(p) + v : v;
  store<f32>(p, relu ? max<f32>(r, 0) : r);
}

/**
 * y[b, c, i, j] (+)= Σ_{c', di, dj} g[c, c', di, dj] · x[b, c', i + di − padH, j + dj − padW] (+ bias[c])
 * for images b in [b0, b1), with the filters already transformed into u = U [16, cout, cin]
 * (`winogradFilter`). Per group of images (their tiles side by side as columns): V = input transform,
 * M[k] = U[k] · V[k] (16 GEMMs), y = output transform. flags: 1 (ACCUMULATE) adds into y, 2 (RELU)
 * stores max(…, 0) — the conv's ReLU epilogue.
 * The geometry must be 3×3, stride 1, zero padding (the host checks).
 */
export function winogradConv(x: usize, u: usize, y: usize, bias: usize, g: Geometry, b0: i32, b1: i32, flags: i32, scratch: usize): void {
  const th = (g.ho + 1) >> 1, tw = (g.wo + 1) >> 1;
  const T = th * tw;
  const G = groupSize(T);
  const v = align64(scratch);
  const m = align64(at(v, 16 * g.cin * T * G));
  const gs = align64(at(m, 16 * g.cout * T * G));
  for (let first = b0; first < b1; first += G) {
    const n = min(G, b1 - first);
    const ld = n * T;
    for (let i = 0; i < n; i++) inputTransform(at(x, (first + i) * g.cin * g.h * g.w), v, ld, i * T, g, th, tw);
    // M[k] = U[k] · V[k]:  M[k, c, t] = Σ_{c'} U[k, c, c'] · V[k, c', t]   (t over the group's tiles)
    for (let k = 0; k < 16; k++) {
      gemm(0, 0, g.cout, ld, g.cin, at(u, k * g.cout * g.cin), g.cin, at(v, k * g.cin * ld), ld, at(m, k * g.cout * ld), ld, 0, gs);
    }
    for (let i = 0; i < n; i++) outputTransform(m, ld, i * T, at(y, (first + i) * g.cout * g.ho * g.wo), bias, g, th, tw, flags);
  }
}
