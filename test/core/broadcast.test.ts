// Broadcasting, property-based: random compatible shapes against an independent index computation.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as fl from "../../src/index.js";

/** A target shape and two shapes that broadcast to it (dims dropped from the left or set to 1). */
const compatibleShapes = fc
  .array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 4 })
  .chain((out) =>
    fc.tuple(
      fc.constant(out),
      fc.integer({ min: 0, max: out.length }),
      fc.integer({ min: 0, max: out.length }),
      fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
      fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
    ),
  )
  .map(([out, dropA, dropB, onesA, onesB]) => {
    const a = out.slice(dropA).map((s, i) => (onesA[i + dropA] ? 1 : s));
    const b = out.slice(dropB).map((s, i) => (onesB[i + dropB] ? 1 : s));
    // the true broadcast shape may have 1s where both sides chose 1
    const n = Math.max(a.length, b.length);
    const expected = Array.from({ length: n }, (_, i) => Math.max(a[a.length - n + i] ?? 1, b[b.length - n + i] ?? 1));
    return { a, b, expected };
  });

/** Read x at a multi-index of the broadcast shape, by the broadcasting rule itself. */
function at(x: fl.Tensor, idx: number[]): number {
  const off = idx.length - x.ndim;
  let flat = 0;
  for (let d = 0; d < x.ndim; d++) flat = flat * x.shape[d]! + (x.shape[d] === 1 ? 0 : idx[d + off]!);
  return x.data[flat]!;
}

function* indices(shape: number[]): Generator<number[]> {
  const n = shape.reduce((p, s) => p * s, 1);
  for (let f = 0; f < n; f++) {
    const idx: number[] = [];
    let r = f;
    for (let d = shape.length - 1; d >= 0; d--) {
      idx.unshift(r % shape[d]!);
      r = Math.floor(r / shape[d]!);
    }
    yield idx;
  }
}

describe("broadcasting (property-based)", () => {
  it("elementwise ops agree with the broadcasting rule", () => {
    fc.assert(
      fc.property(compatibleShapes, fc.integer(), ({ a, b, expected }, seed) => {
        const x = fl.randn(a, { seed, dtype: "float64" });
        const y = fl.randn(b, { seed: seed + 1, dtype: "float64" });
        const z = fl.sub(fl.mul(x, y), y);
        expect(z.shape).toEqual(expected);
        let k = 0;
        for (const idx of indices(expected)) {
          expect(z.data[k++]).toBe(at(x, idx) * at(y, idx) - at(y, idx));
        }
      }),
      { numRuns: 150 },
    );
  });

  it("gradients of broadcast operands are summed back to their shapes", () => {
    fc.assert(
      fc.property(compatibleShapes, ({ a, b }) => {
        const x = fl.randn(a, { seed: 1, dtype: "float64" });
        const y = fl.randn(b, { seed: 2, dtype: "float64" });
        const res = fl.gradcheck((p, q) => fl.mul(p, q).add(p), [x, y]);
        expect(res.ok).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it("incompatible shapes fail with a message naming both shapes and the dimension", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 5 }), fc.integer({ min: 2, max: 5 }), (p, q) => {
        fc.pre(p !== q);
        expect(() => fl.add(fl.zeros([3, p]), fl.zeros([q]))).toThrow(
          new RegExp(`add: shapes \\[3, ${p}\\] and \\[${q}\\] cannot be broadcast: dimension -1 \\(from the right\\) is ${p} vs ${q}`),
        );
      }),
    );
  });
});
