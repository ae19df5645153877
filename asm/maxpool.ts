// Max pooling over 2×2 windows with stride 2 (no padding), four outputs per step, branch-free:
// a tap replaces the running maximum when it is larger or NaN, unless the maximum is already NaN
// (so the first maximum wins ties, and the first NaN wins its window).

@inline function better(v: v128, best: v128): v128 {
  const larger = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
  return v128.and(larger, f32x4.eq(best, best));
}

@inline function betterScalar(v: f32, best: f32): bool {
  return (v > best || v != v) && best == best;
}

/**
 * y[p,i,j] = max(x[p,2i,2j], x[p,2i,2j+1], x[p,2i+1,2j], x[p,2i+1,2j+1]) and arg[p,i,j] = its flat
 * index into x, for planes p in [p0, p1) of h×w input and ho×wo output. The last argument is the
 * pool's per-thread scratch (unused).
 */
export function maxPool2x2(x: usize, y: usize, arg: usize, h: i32, w: i32, ho: i32, wo: i32, p0: i32, p1: i32, _scratch: usize): void {
  for (let p = p0; p < p1; p++) {
    for (let i = 0; i < ho; i++) {
      const rowIndex = (p * h + 2 * i) * w; // flat index of x[p, 2i, 0]
      const top = x + (<usize>rowIndex << 2);
      const bottom = top + (<usize>w << 2);
      const out = (p * ho + i) * wo;
      let j = 0;
      for (; j + 4 <= wo; j += 4) pool4(top, bottom, y, arg, out, rowIndex, j, w);
      // the last four windows once more (rewriting the same values), instead of a scalar tail
      if (j < wo && wo >= 4) {
        pool4(top, bottom, y, arg, out, rowIndex, wo - 4, w);
        j = wo;
      }
      for (; j < wo; j++) {
        let at = rowIndex + 2 * j;
        let best = load<f32>(x + (<usize>at << 2));
        const k1 = at + 1, k2 = at + w, k3 = at + w + 1;
        const v1 = load<f32>(x + (<usize>k1 << 2)), v2 = load<f32>(x + (<usize>k2 << 2)), v3 = load<f32>(x + (<usize>k3 << 2));
        if (betterScalar(v1, best)) { best = v1; at = k1; }
        if (betterScalar(v2, best)) { best = v2; at = k2; }
        if (betterScalar(v3, best)) { best = v3; at = k3; }
        store<f32>(y + (<usize>(out + j) << 2), best);
        store<i32>(arg + (<usize>(out + j) << 2), at);
      }
    }
  }
}

/** Windows j .. j+3 of one output row, from input rows `top` (2i) and `bottom` (2i + 1): y and arg at out + j. */
@inline function pool4(top: usize, bottom: usize, y: usize, arg: usize, out: i32, rowIndex: i32, j: i32, w: i32): void {
  const o = <usize>(2 * j) << 2;
  const t0 = v128.load(top + o), t1 = v128.load(top + o, 16);
  const b0 = v128.load(bottom + o), b1 = v128.load(bottom + o, 16);
  const k0 = i32x4.add(i32x4.splat(rowIndex + 2 * j), i32x4(0, 2, 4, 6));
  // taps in window order: (0,0) (0,1) (1,0) (1,1)
  let best = i32x4.shuffle(t0, t1, 0, 2, 4, 6);
  let at = k0;
  let v = i32x4.shuffle(t0, t1, 1, 3, 5, 7);
  let m = better(v, best);
  best = v128.bitselect(v, best, m);
  at = v128.bitselect(i32x4.add(k0, i32x4.splat(1)), at, m);
  v = i32x4.shuffle(b0, b1, 0, 2, 4, 6);
  m = better(v, best);
  best = v128.bitselect(v, best, m);
  at = v128.bitselect(i32x4.add(k0, i32x4.splat(w)), at, m);
  v = i32x4.shuffle(b0, b1, 1, 3, 5, 7);
  m = better(v, best);
  best = v128.bitselect(v, best, m);
  at = v128.bitselect(i32x4.add(k0, i32x4.splat(w + 1)), at, m);
  v128.store(y + (<usize>(out + j) << 2), best);
  v128.store(arg + (<usize>(out + j) << 2), at);
}

/**
 * New value of one gradient lane set: where `m` is set, gx (+)= g; elsewhere gx is kept (accumulate)
 * or +0 (overwrite). Adding g to +0 when overwriting makes a −0 gradient +0, as the definition's
 * zero-fill-then-add does.
 */
@inline function scatterLanes(old: v128, g: v128, m: v128, accumulate: bool): v128 {
  const base = accumulate ? old : f32x4.splat(0);
  return v128.bitselect(f32x4.add(base, g), base, m);
}

/**
 * x.grad[argmax[p,i,j]] (+)= y.grad[p,i,j] for the 2×2, stride-2 pooling above, planes p in
 * [p0, p1): each window's four gradients are written at once — y.grad where the tap is the window's
 * argmax (arg − (flat index of the window's top-left tap) ∈ {0, 1, w, w+1}), else 0 (or the old
 * value when accumulating). accumulate = 0 overwrites x.grad without reading it, the row and column
 * no window covers (odd h or w) included. The last argument is the pool's per-thread scratch (unused).
 */
export function maxPool2x2Backward(gy: usize, arg: usize, gx: usize, h: i32, w: i32, ho: i32, wo: i32, p0: i32, p1: i32, accumulate: i32, _scratch: usize): void {
  const acc = accumulate != 0;
  for (let p = p0; p < p1; p++) {
    for (let i = 0; i < ho; i++) {
      const rowIndex = (p * h + 2 * i) * w; // flat index of x[p, 2i, 0]
      const top = gx + (<usize>rowIndex << 2);
      const bottom = top + (<usize>w << 2);
      const out = (p * ho + i) * wo;
      let j = 0;
      for (; j + 4 <= wo; j += 4) scatter4(gy, arg, top, bottom, out, rowIndex, j, w, acc);
      // overwriting: the last four windows once more (rewriting the same values), instead of a scalar tail
      if (!acc && j < wo && wo >= 4) {
        scatter4(gy, arg, top, bottom, out, rowIndex, wo - 4, w, acc);
        j = wo;
      }
      for (; j < wo; j++) {
        const g = load<f32>(gy + (<usize>(out + j) << 2));
        const d = load<i32>(arg + (<usize>(out + j) << 2)) - (rowIndex + 2 * j);
        const o = <usize>(2 * j) << 2;
        scatterOne(top + o, g, d == 0, acc);
        scatterOne(top + o + 4, g, d == 1, acc);
        scatterOne(bottom + o, g, d == w, acc);
        scatterOne(bottom + o + 4, g, d == w + 1, acc);
      }
      // a column no window covers (odd w): nothing flows there
      if (!acc && 2 * wo < w) {
        store<f32>(top + (<usize>(w - 1) << 2), 0);
        store<f32>(bottom + (<usize>(w - 1) << 2), 0);
      }
    }
    // rows no window covers (odd h): nothing flows there
    if (!acc) {
      for (let r = 2 * ho; r < h; r++) memory.fill(gx + (<usize>((p * h + r) * w) << 2), 0, <usize>w << 2);
    }
  }
}

/**
 * Windows j .. j+3 of one output row: x.grad at `top` (row 2i) and `bottom` (row 2i + 1) gets
 * y.grad[out + j + t] at the tap arg[out + j + t] names, 0 (or its old value) at the other three.
 */
@inline function scatter4(gy: usize, arg: usize, top: usize, bottom: usize, out: i32, rowIndex: i32, j: i32, w: i32, acc: bool): void {
  const g = v128.load(gy + (<usize>(out + j) << 2));
  // d: where in its window each of the four maxima lies (0, 1, w or w + 1)
  const d = i32x4.sub(v128.load(arg + (<usize>(out + j) << 2)), i32x4.add(i32x4.splat(rowIndex + 2 * j), i32x4(0, 2, 4, 6)));
  const o = <usize>(2 * j) << 2;
  // top row: taps (0,0) and (0,1) of windows j..j+3, interleaved into eight columns; bottom: (1,0), (1,1)
  const m00 = i32x4.eq(d, i32x4.splat(0)), m01 = i32x4.eq(d, i32x4.splat(1));
  const m10 = i32x4.eq(d, i32x4.splat(w)), m11 = i32x4.eq(d, i32x4.splat(w + 1));
  const topLo = i32x4.shuffle(m00, m01, 0, 4, 1, 5), topHi = i32x4.shuffle(m00, m01, 2, 6, 3, 7);
  const botLo = i32x4.shuffle(m10, m11, 0, 4, 1, 5), botHi = i32x4.shuffle(m10, m11, 2, 6, 3, 7);
  const gLo = i32x4.shuffle(g, g, 0, 0, 1, 1), gHi = i32x4.shuffle(g, g, 2, 2, 3, 3);
  const zero = f32x4.splat(0);
  const t0 = acc ? v128.load(top + o) : zero, t1 = acc ? v128.load(top + o, 16) : zero;
  const b0 = acc ? v128.load(bottom + o) : zero, b1 = acc ? v128.load(bottom + o, 16) : zero;
  v128.store(top + o, scatterLanes(t0, gLo, topLo, acc));
  v128.store(top + o, scatterLanes(t1, gHi, topHi, acc), 16);
  v128.store(bottom + o, scatterLanes(b0, gLo, botLo, acc));
  v128.store(bottom + o, scatterLanes(b1, gHi, botHi, acc), 16);
}

@inline function scatterOne(at: usize, g: f32, chosen: bool, accumulate: bool): void {
  const base: f32 = accumulate ? load<f32>(at) : 0;
  store<f32>(at, chosen ? base + g : base);
}
