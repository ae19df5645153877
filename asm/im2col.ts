// Unfolding an image into the columns a convolution multiplies (im2col), and folding gradients back (col2im).
import { Geometry, source } from "./geometry";

/** Columns [first, last) of output row i whose input column s·j+dj−p lies inside [0, w) (stride 1). */
@inline function validStart(dj: i32, g: Geometry): i32 {
  return max(0, g.padW - dj);
}
@inline function validEnd(dj: i32, g: Geometry): i32 {
  return min(g.wo, g.w + g.padW - dj);
}

/**
 * col[(c',di,dj), i·wo+j] = x[c', s·i+di−p, s·j+dj−p]   for c' < nch (0 outside a zero-padded image).
 * `x` points at channel 0 of one image; rows of `col` are `ldcol` floats apart.
 */
export function im2col(x: usize, nch: i32, g: Geometry, col: usize, ldcol: i32): void {
  const circular = g.circular != 0;
  const fast = g.strideW == 1 && !circular;
  for (let cc = 0; cc < nch; cc++) {
    const plane = x + (<usize>(cc * g.h * g.w) << 2);
    for (let di = 0; di < g.kh; di++) {
      for (let dj = 0; dj < g.kw; dj++) {
        const row = col + (<usize>(((cc * g.kh + di) * g.kw + dj) * ldcol) << 2);
        for (let i = 0; i < g.ho; i++) {
          const dst = row + (<usize>(i * g.wo) << 2);
          const r = source(g.strideH * i + di - g.padH, g.h, circular);
          if (r < 0) {
            memory.fill(dst, 0, <usize>g.wo << 2);
            continue;
          }
          const src = plane + (<usize>(r * g.w) << 2);
          if (fast) {
            const j0 = validStart(dj, g);
            const j1 = max(j0, validEnd(dj, g));
            if (j0 > 0) memory.fill(dst, 0, <usize>j0 << 2);
            memory.copy(dst + (<usize>j0 << 2), src + (<usize>(j0 + dj - g.padW) << 2), <usize>(j1 - j0) << 2);
            if (j1 < g.wo) memory.fill(dst + (<usize>j1 << 2), 0, <usize>(g.wo - j1) << 2);
            continue;
          }
          for (let j = 0; j < g.wo; j++) {
            const q = source(g.strideW * j + dj - g.padW, g.w, circular);
            store<f32>(dst + (<usize>j << 2), q < 0 ? 0 : load<f32>(src + (<usize>q << 2)));
          }
        }
      }
    }
  }
}

/** dst[j] += src[j]   for j < n, four lanes at a time. */
@inline function addSpan(dst: usize, src: usize, n: i32): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}

/**
 * x.grad[c', s·i+di−p, s·j+dj−p] += col[(c',di,dj), i·wo+j]   for c' < nch (padded positions dropped).
 * `gx` points at channel 0 of one image; rows of `col` are `ldcol` floats apart.
 */
export function col2im(col: usize, ldcol: i32, nch: i32, g: Geometry, gx: usize): void {
  const circular = g.circular != 0;
  const fast = g.strideW == 1 && !circular;
  for (let cc = 0; cc < nch; cc++) {
    const plane = gx + (<usize>(cc * g.h * g.w) << 2);
    for (let di = 0; di < g.kh; di++) {
      for (let dj = 0; dj < g.kw; dj++) {
        const row = col + (<usize>(((cc * g.kh + di) * g.kw + dj) * ldcol) << 2);
        for (let i = 0; i < g.ho; i++) {
          const r = source(g.strideH * i + di - g.padH, g.h, circular);
          if (r < 0) continue;
          const src = row + (<usize>(i * g.wo) << 2);
          const dst = plane + (<usize>(r * g.w) << 2);
          if (fast) {
            const j0 = validStart(dj, g);
            const j1 = validEnd(dj, g);
            if (j1 > j0) addSpan(dst + (<usize>(j0 + dj - g.padW) << 2), src + (<usize>j0 << 2), j1 - j0);
            continue;
          }
          for (let j = 0; j < g.wo; j++) {
            const q = source(g.strideW * j + dj - g.padW, g.w, circular);
            if (q < 0) continue;
            const d = dst + (<usize>q << 2);
            store<f32>(d, load<f32>(d) + load<f32>(src + (<usize>j << 2)));
          }
        }
      }
    }
  }
}
