// Shared helpers for the fast-backend tests: seeded random data and a bounded-error comparison.
import type { Conv2dArgs } from "../../src/backend/kernels.js";

/** A small seeded generator (mulberry32), so failures reproduce. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomF32(n: number, r: () => number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = r() * 2 - 1;
  return a;
}

export function randInt(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

/** Largest |got − want| relative to (1 + |want|), over all elements. */
export function maxRelError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / (1 + Math.abs(want[i]!)));
  return worst;
}

/** Complete conv geometry from the free choices (output size as the op computes it). */
export function convArgs(p: Omit<Conv2dArgs, "ho" | "wo">): Conv2dArgs {
  const ho = Math.floor((p.h + 2 * p.padH - p.kh) / p.strideH) + 1;
  const wo = Math.floor((p.w + 2 * p.padW - p.kw) / p.strideW) + 1;
  return { ...p, ho, wo };
}

/** Float32 error bound for a sum of `terms` products of values in [−1, 1]. */
export function tolerance(terms: number): number {
  return 2e-6 * Math.sqrt(terms) + 1e-6;
}
