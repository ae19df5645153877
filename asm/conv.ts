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
    if (bias != 0) addBiasPlanes(y + bytes(b * g.cout * N), bias, N, c0, c1);
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
