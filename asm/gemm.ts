// Blocked float32 GEMM on 128-bit SIMD: C (+)= op(A)·op(B), row-major with leading dimensions.
// Blocks of op(A) and op(B) are packed into strips of MR rows / NR columns so that the 6×8 micro-kernel
// reads both operands sequentially; partial strips are zero-padded, and only the store is clipped.
import { madd } from "./simd";
import { storeTransposed4x4 } from "./transpose";

const MR: i32 = 6;
const NR: i32 = 8;
const KC: i32 = 256;
const MC: i32 = 120;
const NC: i32 = 1024;

/** Bytes of scratch one thread's gemm needs (packed A block, packed B block, an edge tile). */
export function gemmScratchBytes(): i32 {
  return (MC * KC + KC * NC + MR * NR) * 4 + 64;
}

/** Split `total` into near-equal blocks of at most `max` (so the last block is not a sliver). */
@inline function blockSize(total: i32, max: i32): i32 {
  const blocks = (total + max - 1) / max;
  return (total + blocks - 1) / blocks;
}

function packA(a: usize, lda: i32, transA: bool, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
  const ldaBytes = <usize>lda << 2;
  for (let s = 0; s < mc; s += MR) {
    const rows = min(MR, mc - s);
    const strip = dst + (<usize>(s * kc) << 2);
    if (rows == MR && transA) {
      // Ap[s][p][0..6) = A[p0+p, i0+s .. i0+s+6)   (A stored k×m: six contiguous floats per step)
      const src = a + (<usize>(p0 * lda + i0 + s) << 2);
      for (let p = 0; p < kc; p++) {
        const q = src + <usize>p * ldaBytes;
        const d = strip + (<usize>(p * MR) << 2);
        v128.store(d, v128.load(q));
        store<f64>(d + 16, load<f64>(q + 16));
      }
      continue;
    }
    if (rows == MR) {
      packStripRows(a + (<usize>((i0 + s) * lda + p0) << 2), ldaBytes, kc, strip);
      continue;
    }
    memory.fill(strip, 0, <usize>(MR * kc) << 2);
    for (let r = 0; r < rows; r++) {
      const i = i0 + s + r;
      // Ap[s][p][r] = A[i, p0+p]   (or A[p0+p, i] when A is stored k×m)
      for (let p = 0; p < kc; p++) {
        const v = transA ? load<f32>(a + (<usize>((p0 + p) * lda + i) << 2)) : load<f32>(a + (<usize>(i * lda + p0 + p) << 2));
        store<f32>(strip + (<usize>(p * MR + r) << 2), v);
      }
    }
  }
}

/**
 * Ap[p][r] = A[r, p]   for r < 6, p < kc, where row r of A starts at src + r·rowBytes
 * (a full strip of an untransposed A: four k-steps at a time, rows 0–3 as a 4×4 transpose).
 */
function packStripRows(src: usize, rowBytes: usize, kc: i32, dst: usize): void {
  let p = 0;
  for (; p + 4 <= kc; p += 4) {
    const s = src + (<usize>p << 2);
    const d = dst + (<usize>(p * MR) << 2);
    storeTransposed4x4(v128.load(s), v128.load(s + rowBytes), v128.load(s + 2 * rowBytes), v128.load(s + 3 * rowBytes), d, MR * 4);
    const r4 = v128.load(s + 4 * rowBytes);
    const r5 = v128.load(s + 5 * rowBytes);
    const lo = i32x4.shuffle(r4, r5, 0, 4, 1, 5); // r4[0] r5[0] r4[1] r5[1]
    const hi = i32x4.shuffle(r4, r5, 2, 6, 3, 7); // r4[2] r5[2] r4[3] r5[3]
    v128.store64_lane(d + 16, lo, 0);
    v128.store64_lane(d + 16 + MR * 4, lo, 1);
    v128.store64_lane(d + 16 + 2 * MR * 4, hi, 0);
    v128.store64_lane(d + 16 + 3 * MR * 4, hi, 1);
  }
  for (; p < kc; p++) {
    for (let r = 0; r < MR; r++) store<f32>(dst + (<usize>(p * MR + r) << 2), load<f32>(src + <usize>r * rowBytes + (<usize>p << 2)));
  }
}

/**
 * Bp[p][c] = B[c, p]   for c < 8, p < kc, where row c of B starts at src + c·rowBytes
 * (a full strip of a transposed B: four k-steps at a time as two 4×4 transposes).
 */
function packStripTransposed(src: usize, rowBytes: usize, kc: i32, dst: usize): void {
  let p = 0;
  for (; p + 4 <= kc; p += 4) {
    const s = src + (<usize>p << 2);
    const d = dst + (<usize>(p * NR) << 2);
    storeTransposed4x4(v128.load(s), v128.load(s + rowBytes), v128.load(s + 2 * rowBytes), v128.load(s + 3 * rowBytes), d, NR * 4);
    const s4 = s + 4 * rowBytes;
    storeTransposed4x4(v128.load(s4), v128.load(s4 + rowBytes), v128.load(s4 + 2 * rowBytes), v128.load(s4 + 3 * rowBytes), d + 16, NR * 4);
  }
  for (; p < kc; p++) {
    for (let c = 0; c < NR; c++) store<f32>(dst + (<usize>(p * NR + c) << 2), load<f32>(src + <usize>c * rowBytes + (<usize>p << 2)));
  }
}

function packB(b: usize, ldb: i32, transB: bool, p0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  for (let t = 0; t < nc; t += NR) {
    const cols = min(NR, nc - t);
    const strip = dst + (<usize>(t * kc) << 2);
    if (!transB && cols == NR) {
      // Bp[t][p][0..8) = B[p0+p, j0+t .. j0+t+8)   (B stored k×n, two vectors per row)
      for (let p = 0; p < kc; p++) {
        const src = b + (<usize>((p0 + p) * ldb + j0 + t) << 2);
        const d = strip + (<usize>(p * NR) << 2);
        v128.store(d, v128.load(src));
        v128.store(d, v128.load(src, 16), 16);
      }
      continue;
    }
    if (transB && cols == NR) {
      packStripTransposed(b + (<usize>((j0 + t) * ldb + p0) << 2), <usize>ldb << 2, kc, strip);
      continue;
    }
    if (cols < NR) memory.fill(strip, 0, <usize>(NR * kc) << 2);
    for (let c = 0; c < cols; c++) {
      const j = j0 + t + c;
      if (transB) {
        // Bp[t][p][c] = B[j, p0+p]   (B stored n×k)
        const row = b + (<usize>(j * ldb + p0) << 2);
        for (let p = 0; p < kc; p++)
          store<f32>(strip + (<usize>(p * NR + c) << 2), load<f32>(row + (<usize>p << 2)));
      } else {
        // Bp[t][p][c] = B[p0+p, j]
        for (let p = 0; p < kc; p++)
          store<f32>(strip + (<usize>(p * NR + c) << 2), load<f32>(b + (<usize>((p0 + p) * ldb + j) << 2)));
      }
    }
  }
}

@inline function putRow(dst: usize, lo: v128, hi: v128, overwrite: bool): void {
  if (overwrite) {
    v128.store(dst, lo);
    v128.store(dst, hi, 16);
  } else {
    v128.store(dst, f32x4.add(v128.load(dst), lo));
    v128.store(dst, f32x4.add(v128.load(dst, 16), hi), 16);
  }
}

/** The 6×8 micro-kernel on packed strips; writes a rows×cols corner of the tile into C. */
function kernel6x8(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, rows: i32, cols: i32, overwrite: bool, tile: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  let c50 = f32x4.splat(0), c51 = f32x4.splat(0);
  // tile[r][j] += Ap[p][r] · Bp[p][j]   for p < kc
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
    a = v128.load32_splat(ap, 16);
    c40 = madd(a, b0, c40); c41 = madd(a, b1, c41);
    a = v128.load32_splat(ap, 20);
    c50 = madd(a, b0, c50); c51 = madd(a, b1, c51);
    ap += MR * 4;
    bp += NR * 4;
  }
  const ldcBytes = <usize>ldc << 2;
  if (rows == MR && cols == NR) {
    putRow(c, c00, c01, overwrite);
    putRow(c + ldcBytes, c10, c11, overwrite);
    putRow(c + 2 * ldcBytes, c20, c21, overwrite);
    putRow(c + 3 * ldcBytes, c30, c31, overwrite);
    putRow(c + 4 * ldcBytes, c40, c41, overwrite);
    putRow(c + 5 * ldcBytes, c50, c51, overwrite);
    return;
  }
  putRow(tile, c00, c01, true);
  putRow(tile + 32, c10, c11, true);
  putRow(tile + 64, c20, c21, true);
  putRow(tile + 96, c30, c31, true);
  putRow(tile + 128, c40, c41, true);
  putRow(tile + 160, c50, c51, true);
  // C[r, j] (+)= tile[r, j]   for the rows × cols that lie inside C
  for (let r = 0; r < rows; r++) {
    const dst = c + <usize>r * ldcBytes;
    for (let j = 0; j < cols; j++) {
      const v = load<f32>(tile + (<usize>(r * NR + j) << 2));
      const q = dst + (<usize>j << 2);
      store<f32>(q, overwrite ? v : load<f32>(q) + v);
    }
  }
}

/**
 * C[i,j] (+)= Σ_p A[i,p] · B[p,j]   for i < m, j < n, p < k.
 * A is m×k (lda) or, with transA, stored k×m; B is k×n (ldb) or, with transB, stored n×k.
 */
export function gemm(
  transA: i32, transB: i32, m: i32, n: i32, k: i32,
  a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: i32, scratch: usize,
): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (accumulate == 0) for (let i = 0; i < m; i++) memory.fill(c + (<usize>(i * ldc) << 2), 0, <usize>n << 2);
    return;
  }
  const packedA = (scratch + 63) & ~63;
  const packedB = packedA + (<usize>(MC * KC) << 2);
  const tile = packedB + (<usize>(KC * NC) << 2);
  const kcMax = blockSize(k, KC);
  const mcMax = blockSize(m, MC);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += kcMax) {
      const kc = min(kcMax, k - pc);
      packB(b, ldb, transB != 0, pc, kc, jc, nc, packedB);
      const overwrite = pc == 0 && accumulate == 0;
      for (let ic = 0; ic < m; ic += mcMax) {
        const mc = min(mcMax, m - ic);
        packA(a, lda, transA != 0, ic, mc, pc, kc, packedA);
        for (let jr = 0; jr < nc; jr += NR) {
          const bp = packedB + (<usize>(jr * kc) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const dst = c + (<usize>((ic + ir) * ldc + jc + jr) << 2);
            kernel6x8(kc, packedA + (<usize>(ir * kc) << 2), bp, dst, ldc, min(MR, mc - ir), min(NR, nc - jr), overwrite, tile);
          }
        }
      }
    }
  }
}

/** gemm over `batch` matrices; strides are in elements (0 broadcasts one operand). */
export function gemmBatch(
  batch: i32, strideA: i32, strideB: i32, strideC: i32,
  transA: i32, transB: i32, m: i32, n: i32, k: i32,
  a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: i32, scratch: usize,
): void {
  for (let i = 0; i < batch; i++) {
    gemm(
      transA, transB, m, n, k,
      a + (<usize>(i * strideA) << 2), lda, b + (<usize>(i * strideB) << 2), ldb,
      c + (<usize>(i * strideC) << 2), ldc, accumulate, scratch,
    );
  }
}

// ---- B packed once, for many products against the same matrix (nn.RNN's W_hh at every step) ----
// The packed layout is the one gemm builds per block: for the column block jc (NC wide, nc columns,
// padded to ncPad = a multiple of NR) and the k block pc (kc deep), the panel lies at float offset
// jc·k + pc·ncPad, and within it strip t (columns jc+t .. jc+t+8) at t·kc, stored Bp[p][c].

/** Floats a packed k×n operand takes (n rounded up to whole NR-column strips). */
export function gemmPackedBFloats(n: i32, k: i32): i32 {
  return ((n + NR - 1) / NR) * NR * k;
}

/** Bytes of scratch one thread's gemmPacked needs (a packed A block and an edge tile). */
export function gemmPackedScratchBytes(): i32 {
  return (MC * KC + MR * NR) * 4 + 64;
}

/** Float offset of the panel for column block jc (nc wide) and k block pc in the packed layout. */
@inline function panelOffset(jc: i32, pc: i32, nc: i32, k: i32): i32 {
  return jc * k + pc * (((nc + NR - 1) / NR) * NR);
}

/**
 * dst = op(B) packed: op(B) is k×n (B stored k×n, ldb; or with transB stored n×k), dst holds
 * gemmPackedBFloats(n, k) floats laid out as above (pad columns zero).
 */
export function gemmPackB(transB: i32, n: i32, k: i32, b: usize, ldb: i32, dst: usize): void {
  if (n <= 0 || k <= 0) return;
  const kcMax = blockSize(k, KC);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += kcMax) {
      const kc = min(kcMax, k - pc);
      packB(b, ldb, transB != 0, pc, kc, jc, nc, dst + (<usize>panelOffset(jc, pc, nc, k) << 2));
    }
  }
}

/**
 * C[i,j] (+)= Σ_p A[i,p] · B[p,j]   for i < m, j0 ≤ j < j1, p < k, with B given packed by
 * gemmPackB(·, n, k, …) at bp (j0 a multiple of 8; c points at C[0,0]). A as in gemm.
 */
export function gemmPacked(
  transA: i32, m: i32, n: i32, k: i32, a: usize, lda: i32, bp: usize, j0: i32, j1: i32,
  c: usize, ldc: i32, accumulate: i32, scratch: usize,
): void {
  if (m <= 0 || j1 <= j0) return;
  if (k <= 0) {
    if (accumulate == 0) for (let i = 0; i < m; i++) memory.fill(c + (<usize>(i * ldc + j0) << 2), 0, <usize>(j1 - j0) << 2);
    return;
  }
  const packedA = (scratch + 63) & ~63;
  const tile = packedA + (<usize>(MC * KC) << 2);
  const kcMax = blockSize(k, KC);
  const mcMax = blockSize(m, MC);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    const lo = max(j0 - jc, 0);
    const hi = min(j1 - jc, nc);
    if (lo >= hi) continue;
    for (let pc = 0; pc < k; pc += kcMax) {
      const kc = min(kcMax, k - pc);
      const panel = bp + (<usize>panelOffset(jc, pc, nc, k) << 2);
      const overwrite = pc == 0 && accumulate == 0;
      for (let ic = 0; ic < m; ic += mcMax) {
        const mc = min(mcMax, m - ic);
        packA(a, lda, transA != 0, ic, mc, pc, kc, packedA);
        for (let jr = lo; jr < hi; jr += NR) {
          const strip = panel + (<usize>(jr * kc) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const dst = c + (<usize>((ic + ir) * ldc + jc + jr) << 2);
            kernel6x8(kc, packedA + (<usize>(ir * kc) << 2), strip, dst, ldc, min(MR, mc - ir), min(NR, hi - jr), overwrite, tile);
          }
        }
      }
    }
  }
}
