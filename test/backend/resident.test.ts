// Operands kept resident in wasm memory between calls (fast backend): matmul reads a retained array
// where it was pinned, and the answers equal the definition's through retain, eviction and release.
import { describe, expect, it } from "vitest";
import { fastMatmul } from "../../src/backend/fast/matmul.js";
import { fastRelease, fastRetain, residentOffset } from "../../src/backend/fast/resident.js";
import { matmulReference } from "../../src/backend/reference.js";
import { Generator } from "../../src/random.js";

const g = new Generator(3);
const rand = (n: number) => Float32Array.from({ length: n }, () => g.normal());

function check(a: Float32Array, b: Float32Array, m: number, n: number, k: number): void {
  const want = new Float64Array(m * n), got = new Float32Array(m * n);
  const args = { batch: 1, m, n, k, transA: false, transB: true, strideA: 0, strideB: 0, accumulate: false };
  matmulReference(a, b, want, args);
  fastMatmul(a, b, got, args);
  for (let i = 0; i < m * n; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-3 * (1 + Math.abs(want[i]!)));
}

describe("resident operands", () => {
  it("matmul reads a retained operand in place, before and after other calls, eviction and release", () => {
    const [m, n, k] = [37, 45, 29];
    const ws = [rand(n * k), rand(n * k), rand(n * k)];
    const x = rand(m * k);
    fastRetain(ws[0]!);
    expect(residentOffset(ws[0]!)).not.toBeNull();
    check(x, ws[0]!, m, n, k);
    check(rand(m * k), rand(n * k), m, n, k); // an unrelated call leaves the pinned copy alone
    check(x, ws[0]!, m, n, k);
    fastRetain(ws[1]!);
    fastRetain(ws[2]!); // at most two are held: the oldest goes
    expect(residentOffset(ws[0]!)).toBeNull();
    for (const w of ws) check(x, w, m, n, k);
    for (const w of ws) fastRelease(w);
    expect(ws.map(residentOffset)).toEqual([null, null, null]);
    check(x, ws[2]!, m, n, k);
  });
});
