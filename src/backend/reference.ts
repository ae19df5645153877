/**
 * The reference backend: every kernel is the plain loop of its index equation. Slow and obviously
 * right; fast kernels are tested against these.
 */
import type { TypedArray } from "../dtype.js";
import type { Conv2dArgs, Kernels, MatmulArgs, Pool2dArgs } from "./kernels.js";
import { addColumnSumsReference, gatesBackwardReference, gatesForwardReference } from "./recurrent-reference.js";
import { elementwiseReferenceKernels } from "./elementwise-reference.js";

export function matmulReference(a: TypedArray, b: TypedArray, c: TypedArray, p: MatmulArgs): void {
  const { batch, m, n, k, transA, transB, strideA, strideB, accumulate } = p;
  // element strides of A[i,kk] and B[kk,j] in storage
  const aRow = transA ? 1 : k;
  const aCol = transA ? m : 1;
  const bRow = transB ? 1 : n;
  const bCol = transB ? k : 1;
  for (let bi = 0; bi < batch; bi++) {
    const ao = bi * strideA;
    const bo = bi * strideB;
    const co = bi * m * n;
    // C[b,i,j] (+)= Σ_k A[b,i,k] · B[b,k,j]
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let kk = 0; kk < k; kk++) s += a[ao + i * aRow + kk * aCol]! * b[bo + kk * bRow + j * bCol]!;
        c[co + i * n + j] = accumulate ? c[co + i * n + j]! + s : s;
      }
    }
  }
}

/** Where input row/column `pos` (possibly out of range) reads from: an index, or -1 for a padded zero. */
export function sourceIndex(pos: number, size: number, mode: "zeros" | "circular"): number {
  if (pos >= 0 && pos < size) return pos;
  if (mode === "zeros") return -1;
  return ((pos % size) + size) % size;
}

export function conv2dForwardReference(x: TypedArray, w: TypedArray, y: TypedArray, p: Conv2dArgs, bias?: TypedArray | null): void {
  const { batch, cin, h, w: wd, cout, kh, kw, ho, wo, strideH, strideW, padH, padW, padMode } = p;
  for (let b = 0; b < batch; b++)
    for (let c = 0; c < cout; c++)
      for (let i = 0; i < ho; i++)
        for (let j = 0; j < wo; j++) {
          // y[b,c,i,j] = Σ_{c',di,dj} W[c,c',di,dj] · x[b,c',s·i+di−p, s·j+dj−p] + bias[c]
          // A padded position is the value 0 and is multiplied like any other (as PyTorch's CPU
          // im2col + GEMM path does): an infinite weight on a padded tap gives 0·∞ = NaN, the same
          // in every backend, rather than being skipped.
          let s = bias ? bias[c]! : 0;
          for (let cc = 0; cc < cin; cc++)
            for (let di = 0; di < kh; di++) {
              const r = sourceIndex(strideH * i + di - padH, h, padMode);
              for (let dj = 0; dj < kw; dj++) {
                const q = sourceIndex(strideW * j + dj - padW, wd, padMode);
                const xv = r < 0 || q < 0 ? 0 : x[((b * cin + cc) * h + r) * wd + q]!;
                s += w[((c * cin + cc) * kh + di) * kw + dj]! * xv;
              }
            }
          y[((b * cout + c) * ho + i) * wo + j] = s;
        }
}

export function conv2dBackwardInputReference(gy: TypedArray, w: TypedArray, gx: TypedArray, p: Conv2dArgs, accumulate = true): void {
  const { batch, cin, h, w: wd, cout, kh, kw, ho, wo, strideH, strideW, padH, padW, padMode } = p;
  if (!accumulate) gx.fill(0, 0, batch * cin * h * wd);
  for (let b = 0; b < batch; b++)
    for (let c = 0; c < cout; c++)
      for (let i = 0; i < ho; i++)
        for (let j = 0; j < wo; j++) {
          const g = gy[((b * cout + c) * ho + i) * wo + j]!;
          // x.grad[b,c',s·i+di−p, s·j+dj−p] += y.grad[b,c,i,j] · W[c,c',di,dj]
          for (let cc = 0; cc < cin; cc++)
            for (let di = 0; di < kh; di++) {
              const r = sourceIndex(strideH * i + di - padH, h, padMode);
              if (r < 0) continue;
              for (let dj = 0; dj < kw; dj++) {
                const q = sourceIndex(strideW * j + dj - padW, wd, padMode);
                if (q < 0) continue;
                const xi = ((b * cin + cc) * h + r) * wd + q;
                gx[xi] = gx[xi]! + g * w[((c * cin + cc) * kh + di) * kw + dj]!;
              }
            }
        }
}

/** bias.grad[c] += Σ_{b,i,j} y.grad[b,c,i,j] */
export function conv2dBackwardBiasReference(gy: TypedArray, gb: TypedArray, p: Conv2dArgs): void {
  const plane = p.ho * p.wo;
  for (let c = 0; c < p.cout; c++) {
    let s = 0;
    for (let b = 0; b < p.batch; b++) {
      const o = (b * p.cout + c) * plane;
      for (let q = 0; q < plane; q++) s += gy[o + q]!;
    }
    gb[c] = gb[c]! + s;
  }
}

export function conv2dBackwardWeightReference(gy: TypedArray, x: TypedArray, gw: TypedArray, p: Conv2dArgs, gb?: TypedArray | null): void {
  const { batch, cin, h, w: wd, cout, kh, kw, ho, wo, strideH, strideW, padH, padW, padMode } = p;
  if (gb) conv2dBackwardBiasReference(gy, gb, p);
  for (let c = 0; c < cout; c++)
    for (let cc = 0; cc < cin; cc++)
      for (let di = 0; di < kh; di++)
        for (let dj = 0; dj < kw; dj++) {
          // W.grad[c,c',di,dj] += Σ_{b,i,j} y.grad[b,c,i,j] · x[b,c',s·i+di−p, s·j+dj−p]
          // (a padded x is the value 0, multiplied like any other: an infinite y.grad there gives NaN, as in the forward)
          let s = 0;
          for (let b = 0; b < batch; b++)
            for (let i = 0; i < ho; i++) {
              const r = sourceIndex(strideH * i + di - padH, h, padMode);
              for (let j = 0; j < wo; j++) {
                const q = sourceIndex(strideW * j + dj - padW, wd, padMode);
                const xv = r < 0 || q < 0 ? 0 : x[((b * cin + cc) * h + r) * wd + q]!;
                s += gy[((b * cout + c) * ho + i) * wo + j]! * xv;
              }
            }
          const wi = ((c * cin + cc) * kh + di) * kw + dj;
          gw[wi] = gw[wi]! + s;
        }
}

export function maxPool2dForwardReference(x: TypedArray, y: TypedArray, argmax: Int32Array, p: Pool2dArgs): void {
  const { batch, channels, h, w, kh, kw, ho, wo, strideH, strideW, padH, padW } = p;
  for (let bc = 0; bc < batch * channels; bc++)
    for (let i = 0; i < ho; i++)
      for (let j = 0; j < wo; j++) {
        // y[b,c,i,j] = max_{di,dj} x[b,c,s·i+di−p, s·j+dj−p]   (first maximum; a NaN wins)
        let best = -Infinity;
        let at = -1;
        for (let di = 0; di < kh && !Number.isNaN(best); di++) {
          const r = strideH * i + di - padH;
          if (r < 0 || r >= h) continue;
          for (let dj = 0; dj < kw; dj++) {
            const q = strideW * j + dj - padW;
            if (q < 0 || q >= w) continue;
            const k = (bc * h + r) * w + q;
            const v = x[k]!;
            if (v > best || at < 0 || Number.isNaN(v)) {
              best = v;
              at = k;
              if (Number.isNaN(v)) break;
            }
          }
        }
        const o = (bc * ho + i) * wo + j;
        y[o] = best;
        argmax[o] = at;
      }
}

export function maxPool2dBackwardReference(gy: TypedArray, argmax: Int32Array, gx: TypedArray, accumulate = true): void {
  if (!accumulate) gx.fill(0);
  // x.grad[argmax[o]] += y.grad[o]
  for (let o = 0; o < gy.length; o++) gx[argmax[o]!] = gx[argmax[o]!]! + gy[o]!;
}

export function reluForwardReference(x: TypedArray, y: TypedArray): void {
  // y[i] = max(x[i], 0)   (a NaN stays NaN)
  for (let i = 0; i < x.length; i++) y[i] = Number.isNaN(x[i]!) ? x[i]! : Math.max(x[i]!, 0);
}

export function reluBackwardReference(x: TypedArray, gy: TypedArray, gx: TypedArray, accumulate = true): void {
  if (!accumulate) gx.fill(0, 0, x.length);
  // x.grad[i] += y.grad[i] · 1[x[i] > 0]
  for (let i = 0; i < x.length; i++) if (x[i]! > 0) gx[i] = gx[i]! + gy[i]!;
}

export const referenceKernels: Required<Kernels> = {
  matmul: matmulReference,
  conv2dForward: conv2dForwardReference,
  conv2dBackwardInput: conv2dBackwardInputReference,
  conv2dBackwardWeight: conv2dBackwardWeightReference,
  maxPool2dForward: maxPool2dForwardReference,
  maxPool2dBackward: maxPool2dBackwardReference,
  reluForward: reluForwardReference,
  reluBackward: reluBackwardReference,
  gatesForward: gatesForwardReference,
  gatesBackward: gatesBackwardReference,
  addColumnSums: addColumnSumsReference,
  retainOperand: () => {},
  releaseOperand: () => {},
  ...elementwiseReferenceKernels,
};

/** y[i] = max(y[i], 0) for i < n, in place (a NaN stays NaN; −0 becomes +0, as reluForwardReference gives). */
export function reluInPlaceReference(y: TypedArray, n: number): void {
  for (let i = 0; i < n; i++) if (!(y[i]! > 0) && !Number.isNaN(y[i]!)) y[i] = 0;
}

/**
 * y = max(conv2d(x, w) + bias, 0): the conv kernel `conv` (the definition by default; the op passes
 * the active backend's), then ReLU in place.
 *   y[b,c,i,j] = max(Σ_{c',di,dj} W[c,c',di,dj] · x[b,c',s·i+di−p, s·j+dj−p] + bias[c], 0)
 */
export function conv2dReluForwardReference(
  x: TypedArray, w: TypedArray, y: TypedArray, p: Conv2dArgs, bias?: TypedArray | null,
  conv: Kernels["conv2dForward"] = conv2dForwardReference,
): void {
  conv(x, w, y, p, bias);
  reluInPlaceReference(y, p.batch * p.cout * p.ho * p.wo);
}

/**
 * gm[b,c,i,j] = y.grad[b,c,i,j] · 1[y[b,c,i,j] > 0]  and  bias.grad[c] += Σ_{b,i,j} gm[b,c,i,j] (when gb
 * is given): the ReLU epilogue's backward, before the conv's. gm may be gy itself.
 */
export function reluMaskBiasGradReference(y: TypedArray, gy: TypedArray, gm: TypedArray, p: Conv2dArgs, gb?: TypedArray | null): void {
  const plane = p.ho * p.wo;
  for (let b = 0; b < p.batch; b++)
    for (let c = 0; c < p.cout; c++) {
      const o = (b * p.cout + c) * plane;
      let s = 0;
      for (let n = o; n < o + plane; n++) {
        // gm = y.grad · 1[y > 0]
        const v = y[n]! > 0 ? gy[n]! : 0;
        gm[n] = v;
        s += v;
      }
      if (gb) gb[c] = gb[c]! + s;
    }
}
