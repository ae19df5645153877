// 2-D convolution as im2col + GEMM. Each entry point does one thread's share: a range of images,
// of output channels, or of input channels, so threads never write the same output element.
import { Geometry, isPointwise } from "./geometry";
import { im2col, col2im } from "./im2col";
import { gemm, gemmScratchBytes } from "./gemm";
import { addBiasPlanes } from "./elementwise";

@inline function bytes(n: i32): usize {
  return (<usize>n << 2);
}
@inline function align64(p: usize): usize {
  return (p + 63) & ~63;
}

/** Scratch one thread needs for the conv entry points below (an unfolded image plus gemm's own). */
export function convScratchBytes(g: Geometry): i32 {
  return g.cin * g.kh * g.kw * g.ho * g.wo * 4 + gemmScratchBytes() + 128;
}

/**
 * y[b,c,i,j] = Σ_{c',di,dj} W[c,c',di,dj] · x[b,c',s·i+di−p, s·j+dj−p] (+ bias[c] when bias ≠ 0)
 * for images b in [b0, b1) and output channels c in [c0, c1): y[b] rows = W rows · col(x[b]), then
 * the bias is added while those rows are still in cache.
 */
export function convForward(x: usize, w: usize, y: usize, bias: usize, g: Geometry, b0: i32, b1: i32, c0: i32, c1: i32, scratch: usize): void {
  forwardRange(x, w, y, bias, g, b0, b1, c0, c1, scratch, false);
}

/**
 * y[b,c,i,j] = max(Σ_{c',di,dj} W[c,c',di,dj] · x[b,c',s·i+di−p, s·j+dj−p] (+ bias[c]), 0): the
 * conv above with its ReLU applied in the same pass as the bias, while the rows are in cache
 * (a NaN stays NaN, as relu's definition has it).
 */
export function convForwardRelu(x: usize, w: usize, y: usize, bias: usize, g: Geometry, b0: i32, b1: i32, c0: i32, c1: i32, scratch: usize): void {
  forwardRange(x, w, y, bias, g, b0, b1, c0, c1, scratch, true);
}

@inline function forwardRange(x: usize, w: usize, y: usize, bias: usize, g: Geometry, b0: i32, b1: i32, c0: i32, c1: i32, scratch: usize, relu: bool): void {
  const K = g.cin * g.kh * g.kw;
  const N = g.ho * g.wo;
  const col = align64(scratch);
  const gs = align64(col + bytes(K * N));
  for (let b = b0; b < b1; b++) {
    const img = x + bytes(b * g.cin * g.h * g.w);
    let src = img;
    if (!isPointwise(g)) {
      im2col(img, g.cin, g, col, N);
      src = col;
    }
    gemm(0, 0, c1 - c0, N, K, w + bytes(c0 * K), K, src, N, y + bytes((b * g.cout + c0) * N), N, 0, gs);
    if (relu) biasReluPlanes(y + bytes(b * g.cout * N), bias, N, c0, c1);
    else if (bias != 0) addBiasPlanes(y + bytes(b * g.cout * N), bias, N, c0, c1);
  }
}

/**
 * y[c, n] = max(y[c, n] + bias[c], 0)   for channels c in [c0, c1) of one image whose planes hold
 * `plane` values (bias = 0: no bias). wasm's max keeps a NaN and makes max(−0, 0) = +0, as relu does.
 */
function biasReluPlanes(y: usize, bias: usize, plane: i32, c0: i32, c1: i32): void {
  const zero = f32x4.splat(0);
  for (let c = c0; c < c1; c++) {
    const v: f32 = bias != 0 ? load<f32>(bias + bytes(c)) : 0;
    const vv = f32x4.splat(v);
    const row = y + bytes(c * plane);
    let n = 0;
    if (bias != 0) {
      for (; n + 4 <= plane; n += 4) v128.store(row + bytes(n), f32x4.max(f32x4.add(v128.load(row + bytes(n)), vv), zero));
      for (; n < plane; n++) store<f32>(row + bytes(n), max<f32>(load<f32>(row + bytes(n)) + v, 0));
    } else {
      for (; n + 4 <= plane; n += 4) v128.store(row + bytes(n), f32x4.max(v128.load(row + bytes(n)), zero));
      for (; n < plane; n++) store<f32>(row + bytes(n), max<f32>(load<f32>(row + bytes(n)), 0));
    }
  }
}

/**
 * The backward of the ReLU epilogue, before the conv's own backward kernels:
 *   gm[b,c,n] = y.grad[b,c,n] · 1[y[b,c,n] > 0]     (bits masked: nothing, not even a NaN, passes where y ≤ 0)
 *   bias.grad[c] += Σ_{b,n} gm[b,c,n]               (when gb ≠ 0)
 * for channels c in [c0, c1) (arrays batch × cout × plane; gm may be gy itself). The bias sum runs
 * in the order of elementwise.ts's `biasGrad` (four lanes, then the tail), so the fused op's bias
 * gradient is the unfused one's to the bit. The last argument is the pool's per-thread scratch (unused).
 */
export function reluMaskBiasGrad(y: usize, gy: usize, gm: usize, gb: usize, batch: i32, cout: i32, plane: i32, c0: i32, c1: i32, _scratch: usize): void {
  const zero = f32x4.splat(0);
  for (let c = c0; c < c1; c++) {
    let acc = f32x4.splat(0);
    let tail: f32 = 0;
    for (let b = 0; b < batch; b++) {
      const o = bytes((b * cout + c) * plane);
      let n = 0;
      for (; n + 4 <= plane; n += 4) {
        const m = v128.and(v128.load(gy + o + bytes(n)), f32x4.gt(v128.load(y + o + bytes(n)), zero));
        v128.store(gm + o + bytes(n), m);
        acc = f32x4.add(acc, m);
      }
      for (; n < plane; n++) {
        const m: f32 = load<f32>(y + o + bytes(n)) > 0 ? load<f32>(gy + o + bytes(n)) : 0;
        store<f32>(gm + o + bytes(n), m);
        tail += m;
      }
    }
    if (gb != 0) {
      const s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3) + tail;
      store<f32>(gb + bytes(c), load<f32>(gb + bytes(c)) + s);
    }
  }
}

/**
 * x.grad[b,c',s·i+di−p, s·j+dj−p] += Σ_c y.grad[b,c,i,j] · W[c,c',di,dj]
 * for images b in [b0, b1) and input channels c' in [q0, q1): gcol = W^T · gy[b], then col2im.
 */
export function convBackwardInput(gy: usize, w: usize, gx: usize, g: Geometry, b0: i32, b1: i32, q0: i32, q1: i32, scratch: usize): void {
  const K = g.cin * g.kh * g.kw;
  const N = g.ho * g.wo;
  const taps = g.kh * g.kw;
  const rows = (q1 - q0) * taps;
  const col = align64(scratch);
  const gs = align64(col + bytes(rows * N));
  for (let b = b0; b < b1; b++) {
    const gyb = gy + bytes(b * g.cout * N);
    const gxb = gx + bytes((b * g.cin + q0) * g.h * g.w);
    if (isPointwise(g)) {
      gemm(1, 0, rows, N, g.cout, w + bytes(q0), K, gyb, N, gxb, N, 1, gs);
      continue;
    }
    gemm(1, 0, rows, N, g.cout, w + bytes(q0 * taps), K, gyb, N, col, N, 0, gs);
    col2im(col, N, q1 - q0, g, gxb);
  }
}

/**
 * W.grad[c,c',di,dj] += Σ_{b,i,j} y.grad[b,c,i,j] · x[b,c',s·i+di−p, s·j+dj−p]
 * for output channels c in [c0, c1) and input channels c' in [q0, q1): per image, unfold only those
 * input channels (so the unfolded block stays in cache) and add gy[b] · col^T into gw.
 */
export function convBackwardWeight(gy: usize, x: usize, gw: usize, g: Geometry, c0: i32, c1: i32, q0: i32, q1: i32, scratch: usize): void {
  const K = g.cin * g.kh * g.kw;
  const N = g.ho * g.wo;
  const taps = g.kh * g.kw;
  const rows = (q1 - q0) * taps;
  const col = align64(scratch);
  const gs = align64(col + bytes(rows * N));
  const pointwise = isPointwise(g);
  for (let b = 0; b < g.batch; b++) {
    const img = x + bytes((b * g.cin + q0) * g.h * g.w);
    let src = img;
    if (!pointwise) {
      im2col(img, q1 - q0, g, col, N);
      src = col;
    }
    const a = gy + bytes((b * g.cout + c0) * N);
    gemm(0, 1, c1 - c0, rows, N, a, N, src, N, gw + bytes(c0 * K + q0 * taps), K, 1, gs);
  }
}
