// The fast matmul against its definition: odd sizes, transposes, batch broadcasting, accumulate.
import { describe, expect, it } from "vitest";
import { fastKernels, fastInfo } from "../../src/backend/fast/index.js";
import { setFastThreads } from "../../src/backend/fast/context.js";
import { matmulReference } from "../../src/backend/reference.js";
import type { MatmulArgs } from "../../src/backend/kernels.js";
import { maxRelError, randInt, randomF32, rng, tolerance } from "./helpers.js";

function check(p: MatmulArgs, seed: number): number {
  const r = rng(seed);
  const a = randomF32(p.strideA === 0 ? p.m * p.k : p.batch * p.m * p.k, r);
  const b = randomF32(p.strideB === 0 ? p.k * p.n : p.batch * p.k * p.n, r);
  const c0 = randomF32(p.batch * p.m * p.n, r);
  const want = new Float64Array(c0);
  const got = new Float32Array(c0);
  matmulReference(new Float64Array(a), new Float64Array(b), want, p);
  fastKernels.matmul!(a, b, got, p);
  return maxRelError(got, want);
}

function args(batch: number, m: number, n: number, k: number, o: Partial<MatmulArgs> = {}): MatmulArgs {
  return { batch, m, n, k, transA: false, transB: false, strideA: m * k, strideB: k * n, accumulate: false, ...o };
}

describe("fast matmul", () => {
  it("loads the wasm kernels", () => {
    expect(fastInfo().available).toBe(true);
  });

  it("matches the definition on random shapes, transposes, broadcasts and accumulate", () => {
    const r = rng(1);
    for (let t = 0; t < 60; t++) {
      const m = randInt(r, 1, 70), n = randInt(r, 1, 70), k = randInt(r, 1, 300);
      const batch = randInt(r, 1, 3);
      const o: Partial<MatmulArgs> = {
        transA: r() < 0.5, transB: r() < 0.5, accumulate: r() < 0.5,
        strideA: r() < 0.3 ? 0 : m * k, strideB: r() < 0.3 ? 0 : k * n,
      };
      const err = check(args(batch, m, n, k, o), 100 + t);
      expect(err, JSON.stringify({ batch, m, n, k, ...o })).toBeLessThan(tolerance(k));
    }
  });

  it("handles sizes around the block edges (k > 256, m > 120, n > 1024)", () => {
    for (const [m, n, k] of [[121, 33, 257], [7, 1025, 19], [130, 9, 513], [1, 1100, 5]] as const) {
      for (const transA of [false, true]) for (const transB of [false, true]) {
        const err = check(args(1, m, n, k, { transA, transB }), m + n + k);
        expect(err, JSON.stringify({ m, n, k, transA, transB })).toBeLessThan(tolerance(k));
      }
    }
  });

  it("gives the same numbers on 1, 2 and 3 threads", () => {
    const r = rng(7);
    for (const p of [args(1, 150, 90, 200), args(5, 40, 70, 60, { transB: true }), args(2, 20, 300, 100, { transA: true, strideA: 0 })]) {
      const a = randomF32(p.strideA === 0 ? p.m * p.k : p.batch * p.m * p.k, r);
      const b = randomF32(p.batch * p.k * p.n, r);
      const outs = [1, 2, 3].map((n) => {
        setFastThreads(n);
        const c = new Float32Array(p.batch * p.m * p.n);
        fastKernels.matmul!(a, b, c, p);
        return c;
      });
      expect(outs[1]).toEqual(outs[0]);
      expect(outs[2]).toEqual(outs[0]);
    }
    setFastThreads(2);
  });

  it("runs every task exactly once over thousands of quick parallel calls", () => {
    // accumulate makes a task that ran twice (or not at all) visible in the sum
    const r = rng(13);
    const p = args(1, 130, 128, 128, { accumulate: true });
    const a = randomF32(p.m * p.k, r), b = randomF32(p.k * p.n, r);
    const once = new Float32Array(p.m * p.n);
    setFastThreads(1);
    fastKernels.matmul!(a, b, once, p);
    setFastThreads(3);
    const calls = 1500;
    const sum = new Float32Array(p.m * p.n);
    for (let i = 0; i < calls; i++) fastKernels.matmul!(a, b, sum, p);
    for (let i = 0; i < sum.length; i += 97) expect(sum[i]! / calls).toBeCloseTo(once[i]!, 3);
    setFastThreads(2);
  });

  it("runs float64 through the blocked TypeScript GEMM (js backend), to float64 rounding", () => {
    const r = rng(3);
    for (const p of [args(1, 20, 20, 20), args(2, 37, 300, 270, { transA: true, accumulate: true }), args(3, 65, 9, 131, { transB: true, strideB: 0 })]) {
      const a = new Float64Array(randomF32(p.strideA === 0 ? p.m * p.k : p.batch * p.m * p.k, r));
      const b = new Float64Array(randomF32(p.strideB === 0 ? p.k * p.n : p.batch * p.k * p.n, r));
      const c0 = new Float64Array(randomF32(p.batch * p.m * p.n, r));
      const want = new Float64Array(c0), got = new Float64Array(c0);
      matmulReference(a, b, want, p);
      fastKernels.matmul!(a, b, got, p);
      expect(maxRelError(got, want), JSON.stringify(p)).toBeLessThan(1e-12);
    }
  });
});
