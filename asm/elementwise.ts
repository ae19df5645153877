// Elementwise and reduction loops that sit between the convolutions of a CNN: bias add, bias
// gradient, ReLU forward and backward. Four lanes at a time, a scalar loop for the rest.

@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** y[c, n] += bias[c]   for channels c in [c0, c1) of one image whose planes hold `plane` values. */
export function addBiasPlanes(y: usize, bias: usize, plane: i32, c0: i32, c1: i32): void {
  for (let c = c0; c < c1; c++) {
    const v = load<f32>(at(bias, c));
    const vv = f32x4.splat(v);
    const row = at(y, c * plane);
    let n = 0;
    for (; n + 4 <= plane; n += 4) v128.store(at(row, n), f32x4.add(v128.load(at(row, n)), vv));
    for (; n < plane; n++) store<f32>(at(row, n), load<f32>(at(row, n)) + v);
  }
}

/**
 * bias.grad[c] += Σ_{b,n} y.grad[b,c,n]   for channels c in [c0, c1) (y.grad is batch × cout × plane).
 * The last argument is the pool's per-thread scratch (unused).
 */
export function biasGrad(gy: usize, gb: usize, batch: i32, cout: i32, plane: i32, c0: i32, c1: i32, _scratch: usize): void {
  for (let c = c0; c < c1; c++) {
    let acc = f32x4.splat(0);
    let tail: f32 = 0;
    for (let b = 0; b < batch; b++) {
      const row = at(gy, (b * cout + c) * plane);
      let n = 0;
      for (; n + 4 <= plane; n += 4) acc = f32x4.add(acc, v128.load(at(row, n)));
      for (; n < plane; n++) tail += load<f32>(at(row, n));
    }
    const s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3) + tail;
    store<f32>(at(gb, c), load<f32>(at(gb, c)) + s);
  }
}

/** y[i] = max(x[i], 0)   for i < n (wasm's max propagates NaN, and max(−0, 0) = 0). */
export function reluForward(x: usize, y: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(y, i), f32x4.max(v128.load(at(x, i)), zero));
  for (; i < n; i++) store<f32>(at(y, i), max<f32>(load<f32>(at(x, i)), 0));
}

/**
 * x.grad[i] (+)= y.grad[i] · 1[x[i] > 0]   for i < n: the gradient's bits are masked where x ≤ 0 or
 * x is NaN, so nothing (not even a NaN or ∞ gradient) is added there. accumulate = 0 overwrites gx
 * (with +0 where x ≤ 0) without reading it.
 */
export function reluBackward(x: usize, gy: usize, gx: usize, n: i32, accumulate: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  if (accumulate != 0) {
    for (; i + 4 <= n; i += 4) {
      const on = f32x4.gt(v128.load(at(x, i)), zero);
      v128.store(at(gx, i), f32x4.add(v128.load(at(gx, i)), v128.and(v128.load(at(gy, i)), on)));
    }
    for (; i < n; i++) if (load<f32>(at(x, i)) > 0) store<f32>(at(gx, i), load<f32>(at(gx, i)) + load<f32>(at(gy, i)));
    return;
  }
  for (; i + 4 <= n; i += 4) v128.store(at(gx, i), v128.and(v128.load(at(gy, i)), f32x4.gt(v128.load(at(x, i)), zero)));
  for (; i < n; i++) store<f32>(at(gx, i), load<f32>(at(x, i)) > 0 ? load<f32>(at(gy, i)) : 0);
}
