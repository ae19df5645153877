/**
 * The "js" backend: plain-TypeScript fast kernels, registered with `registerBackend("js", jsKernels)`.
 *   - matmul: a cache-blocked GEMM (BLIS loop order: NC × KC panels of B, MC × KC blocks of A,
 *     both packed into float64 buffers, and a 4×4 register-blocked micro-kernel);
 *   - conv2d forward / backward: im2col (or col2im) per image, then that GEMM.
 * Works for float32 and float64 (accumulation is in float64 within each KC block). Single-threaded.
 * The fast backend uses these for float64 data.
 */
import type { TypedArray } from "../dtype.js";
import type { Conv2dArgs, Kernels, MatmulArgs } from "./kernels.js";
import { conv2dBackwardBiasReference, sourceIndex } from "./reference.js";

const MR = 4;
const NR = 4;
const KC = 256;
const MC = 64;
const NC = 1024;

let packA = new Float64Array(MC * KC);
let packB = new Float64Array(KC * NC);

/**
 * C[i,j] (+)= Σ_p A(i,p) · B(p,j) with A(i,p) = a[ao + i·aRow + p·aCol], B(p,j) = b[bo + p·bRow + j·bCol]
 * and C row-major m×n at offset co.
 */
export function gemm(
  a: TypedArray, ao: number, aRow: number, aCol: number,
  b: TypedArray, bo: number, bRow: number, bCol: number,
  c: TypedArray, co: number, m: number, n: number, k: number, accumulate: boolean,
): void {
  if (!accumulate) c.fill(0, co, co + m * n);
  if (m === 0 || n === 0 || k === 0) return;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    const nPanels = Math.ceil(nc / NR);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      // Bp[jp][p][cc] = B(pc+p, jc+jp·NR+cc), zero past column n
      if (packB.length < nPanels * NR * kc) packB = new Float64Array(nPanels * NR * kc);
      const bp = packB;
      for (let jp = 0; jp < nPanels; jp++) {
        const base = jp * kc * NR;
        for (let cc = 0; cc < NR; cc++) {
          const j = jc + jp * NR + cc;
          if (j >= n) {
            for (let p = 0; p < kc; p++) bp[base + p * NR + cc] = 0;
            continue;
          }
          let src = bo + pc * bRow + j * bCol;
          for (let p = 0; p < kc; p++, src += bRow) bp[base + p * NR + cc] = b[src]!;
        }
      }
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        const mPanels = Math.ceil(mc / MR);
        // Ap[ip][p][r] = A(ic+ip·MR+r, pc+p), zero past row m
        if (packA.length < mPanels * MR * kc) packA = new Float64Array(mPanels * MR * kc);
        const ap = packA;
        for (let ip = 0; ip < mPanels; ip++) {
          const base = ip * kc * MR;
          for (let r = 0; r < MR; r++) {
            const i = ic + ip * MR + r;
            if (i >= m) {
              for (let p = 0; p < kc; p++) ap[base + p * MR + r] = 0;
              continue;
            }
            let src = ao + i * aRow + pc * aCol;
            for (let p = 0; p < kc; p++, src += aCol) ap[base + p * MR + r] = a[src]!;
          }
        }
        for (let jp = 0; jp < nPanels; jp++) {
          const j0 = jc + jp * NR;
          const nr = Math.min(NR, n - j0);
          for (let ip = 0; ip < mPanels; ip++) {
            const i0 = ic + ip * MR;
            const mr = Math.min(MR, m - i0);
            microKernel(ap, ip * kc * MR, bp, jp * kc * NR, kc, c, co + i0 * n + j0, n, mr, nr);
          }
        }
      }
    }
  }
}

/** C[r,cc] += Σ_p Ap[p,r] · Bp[p,cc] for a 4×4 tile (only the mr×nr corner is written back). */
function microKernel(ap: Float64Array, ai: number, bp: Float64Array, bi: number, kc: number, c: TypedArray, ci: number, ldc: number, mr: number, nr: number): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let p = 0; p < kc; p++, ai += 4, bi += 4) {
    const a0 = ap[ai]!, a1 = ap[ai + 1]!, a2 = ap[ai + 2]!, a3 = ap[ai + 3]!;
    const b0 = bp[bi]!, b1 = bp[bi + 1]!, b2 = bp[bi + 2]!, b3 = bp[bi + 3]!;
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
  }
  if (mr === 4 && nr === 4) {
    c[ci] = c[ci]! + c00; c[ci + 1] = c[ci + 1]! + c01; c[ci + 2] = c[ci + 2]! + c02; c[ci + 3] = c[ci + 3]! + c03;
    ci += ldc;
    c[ci] = c[ci]! + c10; c[ci + 1] = c[ci + 1]! + c11; c[ci + 2] = c[ci + 2]! + c12; c[ci + 3] = c[ci + 3]! + c13;
    ci += ldc;
    c[ci] = c[ci]! + c20; c[ci + 1] = c[ci + 1]! + c21; c[ci + 2] = c[ci + 2]! + c22; c[ci + 3] = c[ci + 3]! + c23;
    ci += ldc;
    c[ci] = c[ci]! + c30; c[ci + 1] = c[ci + 1]! + c31; c[ci + 2] = c[ci + 2]! + c32; c[ci + 3] = c[ci + 3]! + c33;
    return;
  }
  const tile = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
  for (let r = 0; r < mr; r++) for (let cc = 0; cc < nr; cc++) c[ci + r * ldc + cc] = c[ci + r * ldc + cc]! + tile[r * 4 + cc]!;
}

/** C[b,i,j] (+)= Σ_k A[b,i,k] · B[b,k,j]  — the blocked GEMM per batch entry. */
export function matmulJs(a: TypedArray, b: TypedArray, c: TypedArray, p: MatmulArgs): void {
  const { batch, m, n, k, transA, transB, strideA, strideB, accumulate } = p;
  const aRow = transA ? 1 : k, aCol = transA ? m : 1;
  const bRow = transB ? 1 : n, bCol = transB ? k : 1;
  for (let bi = 0; bi < batch; bi++) gemm(a, bi * strideA, aRow, aCol, b, bi * strideB, bRow, bCol, c, bi * m * n, m, n, k, accumulate);
}

/** Source row (or column) of every (tap, output position) pair: idx[d·out + i] = sourceIndex(s·i+d−p), −1 for a padded zero. */
function taps(n: number, k: number, out: number, s: number, p: number, mode: "zeros" | "circular"): Int32Array {
  const idx = new Int32Array(k * out);
  for (let d = 0; d < k; d++) for (let i = 0; i < out; i++) idx[d * out + i] = sourceIndex(s * i + d - p, n, mode);
  return idx;
}

/** 1×1, stride 1, no padding: the image itself is its column matrix. */
function isPointwise(g: Conv2dArgs): boolean {
  return g.kh === 1 && g.kw === 1 && g.strideH === 1 && g.strideW === 1 && g.padH === 0 && g.padW === 0 && g.ho === g.h && g.wo === g.w;
}

let colBuf = new Float64Array(0);
function colBuffer(n: number): Float64Array {
  if (colBuf.length < n) colBuf = new Float64Array(n);
  return colBuf;
}

/** col[(c',di,dj), (i,j)] = x[b,c',s·i+di−p, s·j+dj−p] (0 for a padded zero), for image b. */
function im2col(x: TypedArray, b: number, g: Conv2dArgs, rows: Int32Array, cols: Int32Array, col: Float64Array): void {
  const { cin, h, w, kh, kw, ho, wo } = g;
  const P = ho * wo;
  for (let cc = 0; cc < cin; cc++) {
    const xo = (b * cin + cc) * h * w;
    for (let di = 0; di < kh; di++)
      for (let dj = 0; dj < kw; dj++) {
        const ro = ((cc * kh + di) * kw + dj) * P;
        for (let i = 0; i < ho; i++) {
          const r = rows[di * ho + i]!;
          const o = ro + i * wo;
          if (r < 0) {
            col.fill(0, o, o + wo);
            continue;
          }
          const xr = xo + r * w;
          for (let j = 0; j < wo; j++) {
            const q = cols[dj * wo + j]!;
            col[o + j] = q < 0 ? 0 : x[xr + q]!;
          }
        }
      }
  }
}

/** x.grad[b,c',s·i+di−p, s·j+dj−p] += gcol[(c',di,dj), (i,j)] for image b (padded zeros dropped). */
function col2im(gcol: Float64Array, b: number, g: Conv2dArgs, rows: Int32Array, cols: Int32Array, gx: TypedArray): void {
  const { cin, h, w, kh, kw, ho, wo } = g;
  const P = ho * wo;
  for (let cc = 0; cc < cin; cc++) {
    const xo = (b * cin + cc) * h * w;
    for (let di = 0; di < kh; di++)
      for (let dj = 0; dj < kw; dj++) {
        const ro = ((cc * kh + di) * kw + dj) * P;
        for (let i = 0; i < ho; i++) {
          const r = rows[di * ho + i]!;
          if (r < 0) continue;
          const o = ro + i * wo;
          const xr = xo + r * w;
          for (let j = 0; j < wo; j++) {
            const q = cols[dj * wo + j]!;
            if (q >= 0) gx[xr + q] = gx[xr + q]! + gcol[o + j]!;
          }
        }
      }
  }
}

/** y[b,c,i,j] = bias[c] for every image (the GEMMs then add into it). */
function fillBias(y: TypedArray, bias: TypedArray, g: Conv2dArgs): void {
  const P = g.ho * g.wo;
  for (let b = 0; b < g.batch; b++) for (let c = 0; c < g.cout; c++) y.fill(bias[c]!, (b * g.cout + c) * P, (b * g.cout + c + 1) * P);
}

/** y[b] (Cout×P) = W (Cout×K) · col[b] (K×P) (+ bias[c] on row c), K = Cin·kH·kW, P = Ho·Wo. */
export function conv2dForwardJs(x: TypedArray, w: TypedArray, y: TypedArray, g: Conv2dArgs, bias?: TypedArray | null): void {
  const K = g.cin * g.kh * g.kw, P = g.ho * g.wo;
  if (bias) fillBias(y, bias, g);
  const add = !!bias;
  if (isPointwise(g)) {
    for (let b = 0; b < g.batch; b++) gemm(w, 0, K, 1, x, b * K * P, P, 1, y, b * g.cout * P, g.cout, P, K, add);
    return;
  }
  const rows = taps(g.h, g.kh, g.ho, g.strideH, g.padH, g.padMode);
  const cols = taps(g.w, g.kw, g.wo, g.strideW, g.padW, g.padMode);
  const col = colBuffer(K * P);
  for (let b = 0; b < g.batch; b++) {
    im2col(x, b, g, rows, cols, col);
    gemm(w, 0, K, 1, col, 0, P, 1, y, b * g.cout * P, g.cout, P, K, add);
  }
}

/** gcol (K×P) = Wᵀ (K×Cout) · y.grad[b] (Cout×P), then col2im adds it into x.grad[b]. */
export function conv2dBackwardInputJs(gy: TypedArray, w: TypedArray, gx: TypedArray, g: Conv2dArgs, accumulate = true): void {
  const K = g.cin * g.kh * g.kw, P = g.ho * g.wo;
  if (!accumulate) gx.fill(0, 0, g.batch * g.cin * g.h * g.w);
  if (isPointwise(g)) {
    for (let b = 0; b < g.batch; b++) gemm(w, 0, 1, K, gy, b * g.cout * P, P, 1, gx, b * K * P, K, P, g.cout, true);
    return;
  }
  const rows = taps(g.h, g.kh, g.ho, g.strideH, g.padH, g.padMode);
  const cols = taps(g.w, g.kw, g.wo, g.strideW, g.padW, g.padMode);
  const gcol = colBuffer(K * P);
  for (let b = 0; b < g.batch; b++) {
    gemm(w, 0, 1, K, gy, b * g.cout * P, P, 1, gcol, 0, K, P, g.cout, false);
    col2im(gcol, b, g, rows, cols, gx);
  }
}

/** W.grad (Cout×K) += Σ_b y.grad[b] (Cout×P) · col[b]ᵀ (P×K); bias.grad[c] += Σ_{b,i,j} y.grad[b,c,i,j] when gb is given. */
export function conv2dBackwardWeightJs(gy: TypedArray, x: TypedArray, gw: TypedArray, g: Conv2dArgs, gb?: TypedArray | null): void {
  const K = g.cin * g.kh * g.kw, P = g.ho * g.wo;
  if (gb) conv2dBackwardBiasReference(gy, gb, g);
  if (isPointwise(g)) {
    for (let b = 0; b < g.batch; b++) gemm(gy, b * g.cout * P, P, 1, x, b * K * P, 1, P, gw, 0, g.cout, K, P, true);
    return;
  }
  const rows = taps(g.h, g.kh, g.ho, g.strideH, g.padH, g.padMode);
  const cols = taps(g.w, g.kw, g.wo, g.strideW, g.padW, g.padMode);
  const col = colBuffer(K * P);
  for (let b = 0; b < g.batch; b++) {
    im2col(x, b, g, rows, cols, col);
    gemm(gy, b * g.cout * P, P, 1, col, 0, 1, P, gw, 0, g.cout, K, P, true);
  }
}

/** The "js" backend's kernels: matmul and im2col convolutions in plain JavaScript. */
export const jsKernels: Kernels = {
  matmul: matmulJs,
  conv2dForward: conv2dForwardJs,
  conv2dBackwardInput: conv2dBackwardInputJs,
  conv2dBackwardWeight: conv2dBackwardWeightJs,
};

