// Unary and binary elementwise ops, forward and backward, four lanes at a time; the last n mod 4
// elements run the same lane code on one lane (a splat load, a one-lane store), so every element
// gets the same arithmetic. The op codes are those of src/backend/fast/elementwise.ts:
//   unary: 0 neg, 1 exp, 2 log, 3 sqrt, 4 square, 5 abs, 6 tanh, 7 sigmoid
//   binary: 0 add, 1 sub, 2 mul, 3 div
// Each exported function switches on the op once and runs a loop specialised for it (the op is a
// constant inside the inlined loop, so the optimiser folds the per-element switch away).
import { expf4, logf4, sigmoidf4, tanhf4 } from "./mathf";

@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

@inline function splat(x: f32): v128 {
  return f32x4.splat(x);
}

/** f(x) of unary op `op`. */
@inline function unaryF(op: i32, x: v128): v128 {
  if (op == 0) return f32x4.neg(x);
  if (op == 1) return expf4(x);
  if (op == 2) return logf4(x);
  if (op == 3) return f32x4.sqrt(x);
  if (op == 4) return f32x4.mul(x, x);
  if (op == 5) return f32x4.abs(x);
  if (op == 6) return tanhf4(x);
  return sigmoidf4(x);
}

/** y.grad · f'(x), given x, y = f(x) and g = y.grad, as the definitions in src/backend/reference.ts write f'. */
@inline function unaryGrad(op: i32, x: v128, y: v128, g: v128): v128 {
  if (op == 0) return f32x4.neg(g); // f' = −1
  if (op == 1) return f32x4.mul(g, y); // f' = y
  if (op == 2) return f32x4.div(g, x); // f' = 1/x
  if (op == 3) return f32x4.mul(g, f32x4.div(splat(0.5), y)); // f' = 0.5/y
  if (op == 4) {
    const t = f32x4.mul(g, x); // f' = 2x
    return f32x4.add(t, t);
  }
  if (op == 5) {
    // f' = 1 for x > 0, −1 for x < 0, 0 at 0 and NaN
    const s = v128.or(v128.and(f32x4.gt(x, splat(0)), splat(1)), v128.and(f32x4.lt(x, splat(0)), splat(-1)));
    return f32x4.mul(g, s);
  }
  const one = splat(1);
  if (op == 6) return f32x4.mul(g, f32x4.mul(f32x4.sub(one, y), f32x4.add(one, y))); // f' = 1 − y² = (1 − y)(1 + y)
  return f32x4.mul(g, f32x4.mul(y, f32x4.sub(one, y))); // f' = y(1 − y)
}

@inline function binaryF(op: i32, a: v128, b: v128): v128 {
  if (op == 0) return f32x4.add(a, b);
  if (op == 1) return f32x4.sub(a, b);
  if (op == 2) return f32x4.mul(a, b);
  return f32x4.div(a, b);
}

@inline function unaryLoop(op: i32, x: usize, y: usize, n: i32): void {
  // y[i] = f(x[i])
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(y, i), unaryF(op, v128.load(at(x, i))));
  for (; i < n; i++) v128.store32_lane(at(y, i), unaryF(op, v128.load32_splat(at(x, i))), 0);
}

/** y[i] = f(x[i]) for i < n, f the unary op `op`. */
export function unaryForward(op: i32, x: usize, y: usize, n: i32): void {
  switch (op) {
    case 0: unaryLoop(0, x, y, n); break;
    case 1: unaryLoop(1, x, y, n); break;
    case 2: unaryLoop(2, x, y, n); break;
    case 3: unaryLoop(3, x, y, n); break;
    case 4: unaryLoop(4, x, y, n); break;
    case 5: unaryLoop(5, x, y, n); break;
    case 6: unaryLoop(6, x, y, n); break;
    default: unaryLoop(7, x, y, n);
  }
}

@inline function unaryGradLoop(op: i32, x: usize, y: usize, gy: usize, gx: usize, n: i32, accumulate: bool): void {
  // x.grad[i] (+)= y.grad[i] · f'(x[i])
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    let t = unaryGrad(op, v128.load(at(x, i)), v128.load(at(y, i)), v128.load(at(gy, i)));
    if (accumulate) t = f32x4.add(v128.load(at(gx, i)), t);
    v128.store(at(gx, i), t);
  }
  for (; i < n; i++) {
    let t = unaryGrad(op, v128.load32_splat(at(x, i)), v128.load32_splat(at(y, i)), v128.load32_splat(at(gy, i)));
    if (accumulate) t = f32x4.add(v128.load32_splat(at(gx, i)), t);
    v128.store32_lane(at(gx, i), t, 0);
  }
}

@inline function unaryGradAcc(op: i32, x: usize, y: usize, gy: usize, gx: usize, n: i32, accumulate: i32): void {
  if (accumulate != 0) unaryGradLoop(op, x, y, gy, gx, n, true);
  else unaryGradLoop(op, x, y, gy, gx, n, false);
}

/**
 * x.grad[i] (+)= y.grad[i] · f'(x[i]) for i < n (y = f(x) from the forward; ops whose f' needs only
 * x or only y ignore the other). accumulate = 0 overwrites gx without reading it.
 */
export function unaryBackward(op: i32, x: usize, y: usize, gy: usize, gx: usize, n: i32, accumulate: i32): void {
  switch (op) {
    case 0: unaryGradAcc(0, x, y, gy, gx, n, accumulate); break;
    case 1: unaryGradAcc(1, x, y, gy, gx, n, accumulate); break;
    case 2: unaryGradAcc(2, x, y, gy, gx, n, accumulate); break;
    case 3: unaryGradAcc(3, x, y, gy, gx, n, accumulate); break;
    case 4: unaryGradAcc(4, x, y, gy, gx, n, accumulate); break;
    case 5: unaryGradAcc(5, x, y, gy, gx, n, accumulate); break;
    case 6: unaryGradAcc(6, x, y, gy, gx, n, accumulate); break;
    default: unaryGradAcc(7, x, y, gy, gx, n, accumulate);
  }
}

@inline function binaryLoop(op: i32, a: usize, aRow: i32, aCol: i32, b: usize, bRow: i32, bCol: i32, y: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    // y[r, c] = a[r·aRow + c·aCol] ⊙ b[r·bRow + c·bCol]   (aCol, bCol ∈ {0, 1}: 0 repeats one value along the row)
    const pa = at(a, r * aRow);
    const pb = at(b, r * bRow);
    const py = at(y, r * cols);
    let c = 0;
    if (aCol != 0 && bCol != 0) {
      for (; c + 4 <= cols; c += 4) v128.store(at(py, c), binaryF(op, v128.load(at(pa, c)), v128.load(at(pb, c))));
      for (; c < cols; c++) v128.store32_lane(at(py, c), binaryF(op, v128.load32_splat(at(pa, c)), v128.load32_splat(at(pb, c))), 0);
    } else if (aCol != 0) {
      const vb = v128.load32_splat(pb);
      for (; c + 4 <= cols; c += 4) v128.store(at(py, c), binaryF(op, v128.load(at(pa, c)), vb));
      for (; c < cols; c++) v128.store32_lane(at(py, c), binaryF(op, v128.load32_splat(at(pa, c)), vb), 0);
    } else if (bCol != 0) {
      const va = v128.load32_splat(pa);
      for (; c + 4 <= cols; c += 4) v128.store(at(py, c), binaryF(op, va, v128.load(at(pb, c))));
      for (; c < cols; c++) v128.store32_lane(at(py, c), binaryF(op, va, v128.load32_splat(at(pb, c))), 0);
    } else {
      const v = binaryF(op, v128.load32_splat(pa), v128.load32_splat(pb));
      for (; c + 4 <= cols; c += 4) v128.store(at(py, c), v);
      for (; c < cols; c++) v128.store32_lane(at(py, c), v, 0);
    }
  }
}

/**
 * y[r, c] = a[r·aRow + c·aCol] ⊙ b[r·bRow + c·bCol] for a rows × cols result, ⊙ the binary op
 * `op`: an operand with (aRow, aCol) = (cols, 1) is full, (0, 1) a row repeated over the rows,
 * (1, 0) a column repeated along each row, (0, 0) a scalar.
 */
export function binaryForward(op: i32, a: usize, aRow: i32, aCol: i32, b: usize, bRow: i32, bCol: i32, y: usize, rows: i32, cols: i32): void {
  switch (op) {
    case 0: binaryLoop(0, a, aRow, aCol, b, bRow, bCol, y, rows, cols); break;
    case 1: binaryLoop(1, a, aRow, aCol, b, bRow, bCol, y, rows, cols); break;
    case 2: binaryLoop(2, a, aRow, aCol, b, bRow, bCol, y, rows, cols); break;
    default: binaryLoop(3, a, aRow, aCol, b, bRow, bCol, y, rows, cols);
  }
}

/** The contribution of y.grad to one operand's gradient before any broadcast sum: side 0 is a, side 1 is b. */
@inline function binaryGrad(op: i32, side: i32, g: v128, a: v128, b: v128, y: v128): v128 {
  if (op == 0) return g; // add: a.grad += g, b.grad += g
  if (op == 1) return side == 0 ? g : f32x4.neg(g); // sub: a.grad += g, b.grad −= g
  if (op == 2) return f32x4.mul(g, side == 0 ? b : a); // mul: a.grad += g·b, b.grad += g·a
  return side == 0 ? f32x4.div(g, b) : f32x4.neg(f32x4.div(f32x4.mul(g, y), b)); // div: a.grad += g/b, b.grad −= g·y/b
}

@inline function binaryGradLoop(op: i32, side: i32, g: usize, a: usize, aRow: i32, aCol: i32, b: usize, bRow: i32, bCol: i32, y: usize, t: usize, tRow: i32, tCol: i32, red: usize, rows: i32, cols: i32, accumulate: bool): void {
  const full = tCol != 0 && tRow != 0;
  const rowSum = tCol != 0 && tRow == 0;
  for (let r = 0; r < rows; r++) {
    // v = contribution(g[r, c], a[r·aRow + c·aCol], b[r·bRow + c·bCol], y[r, c]), then
    // full: t[r, c] (+)= v;  row: red[c] += v;  column: red[r] = Σ_c v;  scalar: red[0] += Σ_c v
    const pg = at(g, r * cols);
    const py = at(y, r * cols);
    const pa = at(a, r * aRow);
    const pb = at(b, r * bRow);
    const pt = at(t, r * cols);
    const sa = v128.load32_splat(pa);
    const sb = v128.load32_splat(pb);
    let acc = f32x4.splat(0);
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      const v = binaryGrad(op, side, v128.load(at(pg, c)), aCol != 0 ? v128.load(at(pa, c)) : sa, bCol != 0 ? v128.load(at(pb, c)) : sb, v128.load(at(py, c)));
      if (full) v128.store(at(pt, c), accumulate ? f32x4.add(v128.load(at(pt, c)), v) : v);
      else if (rowSum) v128.store(at(red, c), r == 0 ? v : f32x4.add(v128.load(at(red, c)), v));
      else acc = f32x4.add(acc, v);
    }
    let s = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
    for (; c < cols; c++) {
      const v = binaryGrad(op, side, v128.load32_splat(at(pg, c)), aCol != 0 ? v128.load32_splat(at(pa, c)) : sa, bCol != 0 ? v128.load32_splat(at(pb, c)) : sb, v128.load32_splat(at(py, c)));
      if (full) v128.store32_lane(at(pt, c), accumulate ? f32x4.add(v128.load32_splat(at(pt, c)), v) : v, 0);
      else if (rowSum) store<f32>(at(red, c), r == 0 ? f32x4.extract_lane(v, 0) : load<f32>(at(red, c)) + f32x4.extract_lane(v, 0));
      else s += f32x4.extract_lane(v, 0);
    }
    if (!full && !rowSum) {
      if (tRow != 0) store<f32>(at(red, r), s); // column
      else store<f32>(red, r == 0 ? s : load<f32>(red) + s); // scalar
    }
  }
  if (full) return;
  // t (+)= the gathered sums
  const n = tRow != 0 ? rows : tCol != 0 ? cols : 1;
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(t, i), accumulate ? f32x4.add(v128.load(at(t, i)), v128.load(at(red, i))) : v128.load(at(red, i)));
  for (; i < n; i++) store<f32>(at(t, i), accumulate ? load<f32>(at(t, i)) + load<f32>(at(red, i)) : load<f32>(at(red, i)));
}

@inline function binaryGradAcc(op: i32, side: i32, g: usize, a: usize, aRow: i32, aCol: i32, b: usize, bRow: i32, bCol: i32, y: usize, t: usize, tRow: i32, tCol: i32, red: usize, rows: i32, cols: i32, accumulate: i32): void {
  if (accumulate != 0) binaryGradLoop(op, side, g, a, aRow, aCol, b, bRow, bCol, y, t, tRow, tCol, red, rows, cols, true);
  else binaryGradLoop(op, side, g, a, aRow, aCol, b, bRow, bCol, y, t, tRow, tCol, red, rows, cols, false);
}

/**
 * One operand's gradient of a broadcasting binary op (side 0: a, side 1: b; layouts as in
 * binaryForward, y the forward's result, g = y.grad): each element's contribution (add: g; sub: ±g;
 * mul: g·b or g·a; div: g/b or −g·y/b) summed over the dims along which the operand was repeated,
 * then t (+)= that. (tRow, tCol) is the operand's own layout; a repeated operand's sums are gathered
 * in `red` (scratch of max(rows, cols) floats) first. accumulate = 0 overwrites t.
 */
export function binaryBackward(op: i32, side: i32, g: usize, a: usize, aRow: i32, aCol: i32, b: usize, bRow: i32, bCol: i32, y: usize, t: usize, tRow: i32, tCol: i32, rows: i32, cols: i32, accumulate: i32, red: usize): void {
  switch (op * 2 + side) {
    case 0: binaryGradAcc(0, 0, g, a, aRow, aCol, b, bRow, bCol, y, t, tRow, tCol, red, rows, cols, accumulate); break;
    case 1: binaryGradAcc(0, 1, g, a, aRow, aCol, b, bRow, bCol, y, t, tRow, tCol, red, rows, cols, accumulate); break;
    case 2: binaryGradAcc(1, 0, g, a, aRow, aCol, b, bRow, bCol, y, t, tRow, tCol, red, rows, cols, accumulate); break;
    case 3: binaryGradAcc(1, 1, g, a, aRow, aCol, b, bRow, bCol, y, t, tRow, tCol, red, rows, cols, accumulate); break;
    case 4: binaryGradAcc(2, 0, g, a, aRow, aCol, b, bRow, bCol, y, t, tRow, tCol, red, rows, cols, accumulate); break;
    case 5: binaryGradAcc(2, 1, g, a, aRow, aCol, b, bRow, bCol, y, t, tRow, tCol, red, rows, cols, accumulate); break;
    case 6: binaryGradAcc(3, 0, g, a, aRow, aCol, b, bRow, bCol, y, t, tRow, tCol, red, rows, cols, accumulate); break;
    default: binaryGradAcc(3, 1, g, a, aRow, aCol, b, bRow, bCol, y, t, tRow, tCol, red, rows, cols, accumulate);
  }
}
