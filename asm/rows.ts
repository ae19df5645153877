// Reductions over the last axis of a rows × cols array (row r is x[r·cols … r·cols + cols − 1]):
// sum, max/min with the index of the first extreme, logSumExp, softmax and logSoftmax, with their
// backwards. Four lanes at a time; a row's last cols mod 4 elements run on one lane.
import { expf4, logf4 } from "./mathf";

@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

@inline function splat(x: f32): v128 {
  return f32x4.splat(x);
}

@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

@inline function expf(x: f32): f32 {
  return f32x4.extract_lane(expf4(f32x4.splat(x)), 0);
}

@inline function logf(x: f32): f32 {
  return f32x4.extract_lane(logf4(f32x4.splat(x)), 0);
}

/**
 * g · e^d. Where e^d underflows float32 but not float64 (−745.13 < d < −103.97) and g is ±∞, the
 * definition's double arithmetic gives ±∞, not 0·∞ = NaN: so does this.
 */
@inline function mulExp(g: v128, d: v128): v128 {
  const e = expf4(d);
  const fix = v128.and(v128.and(f32x4.eq(e, splat(0)), f32x4.gt(d, splat(-745.13))), f32x4.eq(f32x4.abs(g), splat(Infinity)));
  return v128.bitselect(g, f32x4.mul(g, e), fix);
}

/** Σ_c x[row + c] over one row. */
@inline function rowSum(p: usize, cols: i32): f32 {
  let acc = splat(0);
  let c = 0;
  for (; c + 4 <= cols; c += 4) acc = f32x4.add(acc, v128.load(at(p, c)));
  let s = hsum(acc);
  for (; c < cols; c++) s += load<f32>(at(p, c));
  return s;
}

/** y[r] = Σ_c x[r, c]   for r < rows. */
export function sumLast(x: usize, y: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) store<f32>(at(y, r), rowSum(at(x, r * cols), cols));
}

/** x.grad[r, c] (+)= y.grad[r]   (accumulate = 0 overwrites gx without reading it). */
export function expandLast(gy: usize, gx: usize, rows: i32, cols: i32, accumulate: i32): void {
  for (let r = 0; r < rows; r++) {
    const g = v128.load32_splat(at(gy, r));
    const p = at(gx, r * cols);
    let c = 0;
    if (accumulate != 0) {
      for (; c + 4 <= cols; c += 4) v128.store(at(p, c), f32x4.add(v128.load(at(p, c)), g));
      for (; c < cols; c++) store<f32>(at(p, c), load<f32>(at(p, c)) + f32x4.extract_lane(g, 0));
    } else {
      for (; c + 4 <= cols; c += 4) v128.store(at(p, c), g);
      for (; c < cols; c++) v128.store32_lane(at(p, c), g, 0);
    }
  }
}

/** Whether v should replace best: strictly larger (smaller for min), or a NaN when best is not NaN. */
@inline function beats(v: f32, best: f32, isMin: bool): bool {
  return (isMin ? v < best : v > best) || (v != v && best == best);
}

@inline function extremeRows(x: usize, y: usize, arg: usize, rows: i32, cols: i32, isMin: bool): void {
  for (let r = 0; r < rows; r++) {
    // y[r] = max_c x[r, c] and arg[r] = its first c (a NaN wins; the first NaN)
    const p = at(x, r * cols);
    let best: f32 = load<f32>(p);
    let bi: i32 = 0;
    let c = 1;
    if (cols >= 8) {
      // lane l holds the extreme of x[r, l], x[r, l + 4], … and its index
      let v = v128.load(p);
      let idx = i32x4(0, 1, 2, 3);
      let cur = idx;
      const four = i32x4.splat(4);
      for (c = 4; c + 4 <= cols; c += 4) {
        cur = i32x4.add(cur, four);
        const u = v128.load(at(p, c));
        const better = isMin ? f32x4.lt(u, v) : f32x4.gt(u, v);
        const nanWins = v128.andnot(f32x4.ne(u, u), f32x4.ne(v, v));
        const take = v128.or(better, nanWins);
        v = v128.bitselect(u, v, take);
        idx = v128.bitselect(cur, idx, take);
      }
      // the lanes' winner: a NaN with the smallest index, else the extreme with the smallest index
      best = f32x4.extract_lane(v, 0);
      bi = i32x4.extract_lane(idx, 0);
      for (let l = 1; l < 4; l++) {
        const lv = l == 1 ? f32x4.extract_lane(v, 1) : l == 2 ? f32x4.extract_lane(v, 2) : f32x4.extract_lane(v, 3);
        const li = l == 1 ? i32x4.extract_lane(idx, 1) : l == 2 ? i32x4.extract_lane(idx, 2) : i32x4.extract_lane(idx, 3);
        const bnan = best != best;
        const lnan = lv != lv;
        let take = false;
        if (lnan) take = !bnan || li < bi;
        else if (!bnan) take = (isMin ? lv < best : lv > best) || (lv == best && li < bi);
        if (take) {
          best = lv;
          bi = li;
        }
      }
    }
    for (; c < cols; c++) {
      const u = load<f32>(at(p, c));
      if (beats(u, best, isMin)) {
        best = u;
        bi = c;
      }
    }
    store<f32>(at(y, r), best);
    store<i32>(at(arg, r), bi);
  }
}

/**
 * y[r] = max_c x[r, c] (min when isMin ≠ 0), arg[r] = the first c where it is taken; a NaN wins
 * (the first NaN of the row). cols ≥ 1.
 */
export function extremeLast(x: usize, y: usize, arg: usize, rows: i32, cols: i32, isMin: i32): void {
  if (isMin != 0) extremeRows(x, y, arg, rows, cols, true);
  else extremeRows(x, y, arg, rows, cols, false);
}

/**
 * The shift of a row's log-sum-exp: its largest value (NaN ignored when ignoreNaN, else a NaN
 * makes it NaN), or 0 when that is ±∞ (then Σ e^x is 0 or ∞ and ln of it −∞ or ∞, not NaN).
 */
@inline function rowShift(p: usize, cols: i32, ignoreNaN: bool): f32 {
  let m = splat(-Infinity);
  let c = 0;
  // pmax(m, u) = m < u ? u : m keeps m where u is NaN; max propagates a NaN
  for (; c + 4 <= cols; c += 4) m = ignoreNaN ? f32x4.pmax(m, v128.load(at(p, c))) : f32x4.max(m, v128.load(at(p, c)));
  let s: f32 = -Infinity;
  for (let l = 0; l < 4; l++) {
    const v = l == 0 ? f32x4.extract_lane(m, 0) : l == 1 ? f32x4.extract_lane(m, 1) : l == 2 ? f32x4.extract_lane(m, 2) : f32x4.extract_lane(m, 3);
    s = ignoreNaN ? (s < v ? v : s) : (v != v || s != s ? <f32>NaN : max<f32>(s, v));
  }
  for (; c < cols; c++) {
    const v = load<f32>(at(p, c));
    s = ignoreNaN ? (s < v ? v : s) : (v != v || s != s ? <f32>NaN : max<f32>(s, v));
  }
  if (abs<f32>(s) == Infinity) s = 0;
  return s;
}

/** Σ_c e^{x[r, c] − m} over one row. */
@inline function rowExpSum(p: usize, cols: i32, m: f32): f32 {
  const vm = splat(m);
  let acc = splat(0);
  let c = 0;
  for (; c + 4 <= cols; c += 4) acc = f32x4.add(acc, expf4(f32x4.sub(v128.load(at(p, c)), vm)));
  let s = hsum(acc);
  for (; c < cols; c++) s += expf(load<f32>(at(p, c)) - m);
  return s;
}

/** y[r] = m + ln Σ_c e^{x[r, c] − m}, m the row's largest value ignoring NaN (0 if it is ±∞). */
export function logSumExpLast(x: usize, y: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const p = at(x, r * cols);
    const m = rowShift(p, cols, true);
    store<f32>(at(y, r), m + logf(rowExpSum(p, cols, m)));
  }
}

/**
 * x.grad[r, c] (+)= y.grad[r] · e^{x[r, c] − y[r]}, nothing where y[r] = −∞ (accumulate = 0
 * overwrites gx, with 0 there).
 */
export function logSumExpLastBackward(x: usize, y: usize, gy: usize, gx: usize, rows: i32, cols: i32, accumulate: i32): void {
  for (let r = 0; r < rows; r++) {
    const yr = load<f32>(at(y, r));
    const p = at(x, r * cols);
    const q = at(gx, r * cols);
    if (yr == -Infinity) {
      // nothing flows here: leave gx, or write zeros when overwriting
      if (accumulate == 0) for (let c = 0; c < cols; c++) store<f32>(at(q, c), 0);
      continue;
    }
    const vy = splat(yr);
    const g = v128.load32_splat(at(gy, r));
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      let t = mulExp(g, f32x4.sub(v128.load(at(p, c)), vy));
      if (accumulate != 0) t = f32x4.add(v128.load(at(q, c)), t);
      v128.store(at(q, c), t);
    }
    for (; c < cols; c++) {
      let t = mulExp(g, f32x4.sub(v128.load32_splat(at(p, c)), vy));
      if (accumulate != 0) t = f32x4.add(v128.load32_splat(at(q, c)), t);
      v128.store32_lane(at(q, c), t, 0);
    }
  }
}

/**
 * logSoftmax (log ≠ 0) or softmax along the last axis: lse[r] = m + ln Σ_c e^{x[r, c] − m} with m the
 * row's largest value (a NaN makes the row NaN; 0 if m is ±∞), then y[r, c] = x[r, c] − lse[r], and
 * for softmax y[r, c] = e^{x[r, c] − lse[r]}.
 */
export function softmaxLast(x: usize, y: usize, rows: i32, cols: i32, log: i32): void {
  for (let r = 0; r < rows; r++) {
    const p = at(x, r * cols);
    const q = at(y, r * cols);
    const m = rowShift(p, cols, false);
    const lse = splat(m + logf(rowExpSum(p, cols, m)));
    let c = 0;
    if (log != 0) {
      for (; c + 4 <= cols; c += 4) v128.store(at(q, c), f32x4.sub(v128.load(at(p, c)), lse));
      for (; c < cols; c++) v128.store32_lane(at(q, c), f32x4.sub(v128.load32_splat(at(p, c)), lse), 0);
    } else {
      for (; c + 4 <= cols; c += 4) v128.store(at(q, c), expf4(f32x4.sub(v128.load(at(p, c)), lse)));
      for (; c < cols; c++) v128.store32_lane(at(q, c), expf4(f32x4.sub(v128.load32_splat(at(p, c)), lse)), 0);
    }
  }
}

/**
 * softmax: x.grad[r, c] (+)= y[r, c] · (y.grad[r, c] − Σ_j y.grad[r, j]·y[r, j]);
 * logSoftmax (log ≠ 0): x.grad[r, c] (+)= y.grad[r, c] − e^{y[r, c]} · Σ_j y.grad[r, j].
 * accumulate = 0 overwrites gx without reading it.
 */
export function softmaxLastBackward(y: usize, gy: usize, gx: usize, rows: i32, cols: i32, log: i32, accumulate: i32): void {
  for (let r = 0; r < rows; r++) {
    const py = at(y, r * cols);
    const pg = at(gy, r * cols);
    const q = at(gx, r * cols);
    let s: f32;
    if (log != 0) {
      s = rowSum(pg, cols);
    } else {
      let acc = splat(0);
      let c = 0;
      for (; c + 4 <= cols; c += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(at(pg, c)), v128.load(at(py, c))));
      s = hsum(acc);
      for (; c < cols; c++) s += load<f32>(at(pg, c)) * load<f32>(at(py, c));
    }
    const vs = splat(s);
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      const yv = v128.load(at(py, c));
      const gv = v128.load(at(pg, c));
      let t = log != 0 ? f32x4.sub(gv, mulExp(vs, yv)) : f32x4.mul(yv, f32x4.sub(gv, vs));
      if (accumulate != 0) t = f32x4.add(v128.load(at(q, c)), t);
      v128.store(at(q, c), t);
    }
    for (; c < cols; c++) {
      const yv = v128.load32_splat(at(py, c));
      const gv = v128.load32_splat(at(pg, c));
      let t = log != 0 ? f32x4.sub(gv, mulExp(vs, yv)) : f32x4.mul(yv, f32x4.sub(gv, vs));
      if (accumulate != 0) t = f32x4.add(v128.load32_splat(at(q, c)), t);
      v128.store32_lane(at(q, c), t, 0);
    }
  }
}
