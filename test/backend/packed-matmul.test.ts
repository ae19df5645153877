// The GEMM against an operand packed once (fast backend: gemmPackB + gemmPacked) against the
// reference matmul: random odd shapes, B read both ways, A transposed or not, accumulating or not,
// products split by rows and by columns across threads, and blocks past the kernel's KC/NC sizes.
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { fastKernels, fastPackedMatmul } from "../../src/backend/fast/index.js";
import { setFastThreads } from "../../src/backend/fast/context.js";
import { getThreads } from "../../src/backend/index.js";
import { matmulReference } from "../../src/backend/reference.js";
import { randomF32, rng, tolerance } from "./helpers.js";

const { packMatmulB, matmulPacked, freePackedB } = fastPackedMatmul;

interface Case { m: number; n: number; k: number; transA: boolean; transB: boolean; accumulate: boolean; seed: number }

/** Packed product and reference product on the same random data; returns [got, want]. */
function both(p: Case): [Float32Array, Float32Array] {
  const r = rng(p.seed);
  const a = randomF32(p.m * p.k, r), b = randomF32(p.k * p.n, r), c0 = randomF32(p.m * p.n, r);
  const packed = packMatmulB(b, p.transB, p.k, p.n);
  expect(packed).not.toBeNull();
  const got = c0.slice();
  matmulPacked(a, packed!, got, p.m, p.transA, p.accumulate);
  // the packed block may be used again (every step of a sequence reads it)
  const again = c0.slice();
  matmulPacked(a, packed!, again, p.m, p.transA, p.accumulate);
  expect(again).toEqual(got);
  freePackedB(packed!);
  const want = c0.slice();
  matmulReference(a, b, want, { batch: 1, m: p.m, n: p.n, k: p.k, transA: p.transA, transB: p.transB, strideA: 0, strideB: 0, accumulate: p.accumulate });
  return [got, want];
}

function expectClose(got: Float32Array, want: Float32Array, k: number): void {
  const tol = tolerance(k + 1);
  for (let i = 0; i < want.length; i++) {
    if (Math.abs(got[i]! - want[i]!) > tol * (1 + Math.abs(want[i]!))) expect.fail(`element ${i}: ${got[i]} vs ${want[i]}`);
  }
}

const caseArb = fc.record({
  m: fc.integer({ min: 1, max: 40 }),
  n: fc.integer({ min: 1, max: 45 }),
  k: fc.integer({ min: 1, max: 70 }),
  transA: fc.boolean(),
  transB: fc.boolean(),
  accumulate: fc.boolean(),
  seed: fc.integer({ min: 0, max: 1 << 30 }),
});

describe("matmulPacked (fast backend)", () => {
  const threadsBefore = getThreads();
  afterAll(() => setFastThreads(threadsBefore));

  it("equals the reference matmul on random odd shapes, both layouts of A and B, adding or overwriting", () => {
    setFastThreads(1);
    fc.assert(fc.property(caseArb, (p) => {
      const [got, want] = both(p);
      expectClose(got, want, p.k);
    }), { numRuns: 120 });
  });

  it("splits by rows and by columns across threads, past one KC block and one NC block", () => {
    setFastThreads(2);
    const cases: Case[] = [
      { m: 64, n: 1030, k: 300, transA: false, transB: true, accumulate: false, seed: 1 }, // columns, two NC blocks, two k blocks
      { m: 64, n: 257, k: 1025, transA: false, transB: false, accumulate: true, seed: 2 }, // columns, five k blocks
      { m: 301, n: 97, k: 259, transA: true, transB: true, accumulate: true, seed: 3 }, // rows, A transposed
      { m: 130, n: 130, k: 513, transA: false, transB: false, accumulate: false, seed: 4 }, // rows (m = n)
    ];
    for (const p of cases) {
      const [got, want] = both(p);
      expectClose(got, want, p.k);
    }
  });

  it("gives the same numbers on 1 and 2 threads", () => {
    const p: Case = { m: 64, n: 1024, k: 256, transA: false, transB: true, accumulate: true, seed: 5 };
    setFastThreads(1);
    const [one] = both(p);
    setFastThreads(2);
    const [two] = both(p);
    expect(two).toEqual(one);
  });

  it("declines float64 data (callers use matmul) and refuses a B shorter than k·n or a second free", () => {
    expect(packMatmulB(new Float64Array(12), false, 3, 4)).toBeNull();
    expect(() => packMatmulB(new Float32Array(11), false, 3, 4)).toThrow(/fewer than k·n/);
    const p = packMatmulB(new Float32Array(12), false, 3, 4)!;
    freePackedB(p);
    expect(() => freePackedB(p)).toThrow(/already freed/);
    expect(() => matmulPacked(new Float32Array(6), p, new Float32Array(8), 2, false, false)).toThrow(/was freed/);
  });

  it("is registered beside the fast kernels", () => {
    expect((fastKernels as Record<string, unknown>).matmulPacked).toBe(matmulPacked);
  });
});
