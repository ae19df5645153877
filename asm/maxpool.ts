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
  const lane = i32x4(0, 2, 4, 6);
  for (let p = p0; p < p1; p++) {
    for (let i = 0; i < ho; i++) {
      const rowIndex = (p * h + 2 * i) * w; // flat index of x[p, 2i, 0]
      const top = x + (<usize>rowIndex << 2);
      const bottom = top + (<usize>w << 2);
      const out = (p * ho + i) * wo;
      let j = 0;
      for (; j + 4 <= wo; j += 4) {
        const o = <usize>(2 * j) << 2;
        const t0 = v128.load(top + o), t1 = v128.load(top + o, 16);
        const b0 = v128.load(bottom + o), b1 = v128.load(bottom + o, 16);
        const k0 = i32x4.add(i32x4.splat(rowIndex + 2 * j), lane);
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
