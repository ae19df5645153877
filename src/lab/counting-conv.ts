/**
 * An instrumented copy of the convolution's definition that counts the products it executes, for P1.
 * Two loops over the same index equation
 *
 *   y[b,c,i,j] = Σ_{c',di,dj} W[c,c',di,dj] · x[b,c',i+di−p, j+dj−p]
 *
 * - `padded`: x is first copied into a zero-padded (D+2p)×(D+2p) image and every product is executed,
 *   zeros included — the count of the usual dense implementation (im2col, GEMM);
 * - `realOnly`: a product whose x index falls outside the image is skipped (it would multiply a zero),
 *   as fundl's reference kernel does.
 * Both return the output they computed, so the lab checks it against fl.conv2d before trusting a count.
 */

export interface CountedConv {
  y: Float64Array;
  /** Output height = width. */
  out: number;
  multiplies: number;
}

/** Output size of a stride-1 convolution with p padding each side: D + 2p − N + 1. */
export function convOutputSize(D: number, N: number, p: number): number {
  return D + 2 * p - N + 1;
}

/** Every product of the definition executed on the zero-padded image, and counted. */
export function convPadded(x: Float64Array, w: Float64Array, B: number, Cx: number, D: number, Cy: number, N: number, p: number): CountedConv {
  const P = D + 2 * p;
  const xp = new Float64Array(B * Cx * P * P);
  for (let b = 0; b < B; b++)
    for (let c = 0; c < Cx; c++)
      for (let i = 0; i < D; i++)
        for (let j = 0; j < D; j++) xp[((b * Cx + c) * P + i + p) * P + j + p] = x[((b * Cx + c) * D + i) * D + j]!;
  const O = convOutputSize(D, N, p);
  const y = new Float64Array(B * Cy * O * O);
  let multiplies = 0;
  for (let b = 0; b < B; b++)
    for (let c = 0; c < Cy; c++)
      for (let i = 0; i < O; i++)
        for (let j = 0; j < O; j++) {
          // y[b,c,i,j] = Σ_{c',di,dj} W[c,c',di,dj] · xpad[b,c',i+di, j+dj]
          let s = 0;
          for (let cc = 0; cc < Cx; cc++)
            for (let di = 0; di < N; di++)
              for (let dj = 0; dj < N; dj++) {
                s += w[((c * Cx + cc) * N + di) * N + dj]! * xp[((b * Cx + cc) * P + i + di) * P + j + dj]!;
                multiplies++;
              }
          y[((b * Cy + c) * O + i) * O + j] = s;
        }
  return { y, out: O, multiplies };
}

/** The definition with products on padded zeros skipped; counts the products on real pixels. */
export function convRealOnly(x: Float64Array, w: Float64Array, B: number, Cx: number, D: number, Cy: number, N: number, p: number): CountedConv {
  const O = convOutputSize(D, N, p);
  const y = new Float64Array(B * Cy * O * O);
  let multiplies = 0;
  for (let b = 0; b < B; b++)
    for (let c = 0; c < Cy; c++)
      for (let i = 0; i < O; i++)
        for (let j = 0; j < O; j++) {
          // y[b,c,i,j] = Σ_{c',di,dj : x index inside the image} W[c,c',di,dj] · x[b,c',i+di−p, j+dj−p]
          let s = 0;
          for (let cc = 0; cc < Cx; cc++)
            for (let di = 0; di < N; di++) {
              const r = i + di - p;
              if (r < 0 || r >= D) continue;
              for (let dj = 0; dj < N; dj++) {
                const q = j + dj - p;
                if (q < 0 || q >= D) continue;
                s += w[((c * Cx + cc) * N + di) * N + dj]! * x[((b * Cx + cc) * D + r) * D + q]!;
                multiplies++;
              }
            }
          y[((b * Cy + c) * O + i) * O + j] = s;
        }
  return { y, out: O, multiplies };
}
