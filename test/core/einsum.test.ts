// einsum against an independent naive summation on random specs and shapes (property-based),
// its swap-rule gradients against finite differences, and the printed equations.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as fl from "../../src/index.js";

const LETTERS = "abcde";

/** A random valid spec: 1–3 operands of 0–3 letters (repeats allowed), explicit or implicit output. */
const specArb = fc
  .record({
    sizes: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 5, maxLength: 5 }),
    operands: fc.array(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 3 }), { minLength: 1, maxLength: 3 }),
    outMask: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
    outOrder: fc.array(fc.integer(), { minLength: 5, maxLength: 5 }),
    implicit: fc.boolean(),
  })
  .map(({ sizes, operands, outMask, outOrder, implicit }) => {
    const inputs = operands.map((o) => o.map((i) => LETTERS[i]!));
    const used = [...new Set(inputs.flat())];
    const out = used.filter((c) => outMask[LETTERS.indexOf(c)]).sort((p, q) => outOrder[LETTERS.indexOf(p)]! - outOrder[LETTERS.indexOf(q)]!);
    const spec = inputs.map((l) => l.join("")).join(",") + (implicit ? "" : "->" + out.join(""));
    const shapes = inputs.map((l) => l.map((c) => sizes[LETTERS.indexOf(c)]!));
    return { spec, shapes, sizes };
  });

/** y[out] = Σ over all other letters of Π_i x_i[letters_i] — written from scratch, independent of src/. */
function naive(spec: string, xs: fl.Tensor[], sizes: number[]): { values: number[]; shape: number[] } {
  const [lhs, rhs] = spec.split("->");
  const inputs = lhs!.split(",").map((s) => s.split(""));
  let out: string[];
  if (rhs !== undefined) out = rhs.split("");
  else {
    const count = new Map<string, number>();
    inputs.flat().forEach((c) => count.set(c, (count.get(c) ?? 0) + 1));
    out = [...count].filter(([, n]) => n === 1).map(([c]) => c).sort();
  }
  const all = [...new Set([...inputs.flat(), ...out])];
  const size = (c: string) => sizes[LETTERS.indexOf(c)]!;
  const shape = out.map(size);
  const values = new Array(shape.reduce((p, s) => p * s, 1)).fill(0);
  const total = all.reduce((p, c) => p * size(c), 1);
  for (let t = 0; t < total; t++) {
    const val = new Map<string, number>();
    let r = t;
    for (const c of all) {
      val.set(c, r % size(c));
      r = Math.floor(r / size(c));
    }
    let prod = 1;
    inputs.forEach((letters, i) => {
      let flat = 0;
      letters.forEach((c) => (flat = flat * size(c) + val.get(c)!));
      prod *= xs[i]!.data[flat]!;
    });
    let o = 0;
    out.forEach((c) => (o = o * size(c) + val.get(c)!));
    values[o] += prod;
  }
  return { values, shape };
}

describe("einsum (property-based)", () => {
  it("equals the naive summation on random specs and shapes", () => {
    fc.assert(
      fc.property(specArb, fc.integer({ min: 0, max: 1000 }), ({ spec, shapes, sizes }, seed) => {
        const xs = shapes.map((s, i) => fl.randn(s, { seed: seed + i, dtype: "float64" }));
        const got = fl.einsum(spec, ...xs);
        const want = naive(spec, xs, sizes);
        expect(got.shape).toEqual(want.shape);
        got.toList().forEach((v, i) => expect(v).toBeCloseTo(want.values[i]!, 10));
        // and the library's own definition agrees too
        fl.einsumNaive(spec, ...xs).toList().forEach((v, i) => expect(v).toBeCloseTo(want.values[i]!, 10));
      }),
      { numRuns: 300 },
    );
  });

  it("its swap-rule backward matches finite differences on random specs", () => {
    fc.assert(
      fc.property(specArb, ({ spec, shapes }) => {
        const xs = shapes.map((s, i) => fl.randn(s, { seed: 10 + i, dtype: "float64" }));
        const res = fl.gradcheck((...ts) => fl.einsum(spec, ...ts), xs);
        if (!res.ok) throw new Error(`${spec}: ${JSON.stringify(res.worst)}`);
      }),
      { numRuns: 120 },
    );
  });
});

describe("einsum special cases", () => {
  const r = (shape: number[], seed: number) => fl.randn(shape, { seed, dtype: "float64" });
  it.each([
    ["ck,bk->bc", [[3, 4], [2, 4]]],
    ["ii->i", [[3, 3]]],
    ["ii->", [[3, 3]]],
    ["iij->j", [[2, 2, 3]]],
    ["ij->", [[2, 3]]],
    ["ij,j->", [[2, 3], [3]]],
    ["ijk,ikl->ijl", [[2, 3, 4], [2, 4, 5]]],
    ["i,j->ij", [[2], [3]]],
    ["bi,bj,bk->ijk", [[2, 2], [2, 3], [2, 2]]],
    ["ab,bc,cd->ad", [[2, 3], [3, 2], [2, 4]]],
    ["i,i->", [[4], [4]]],
  ])("%s: gradient by the swap rule", (spec, shapes) => {
    const xs = (shapes as number[][]).map((s, i) => r(s, i + 1));
    const res = fl.gradcheck((...ts) => fl.einsum(spec as string, ...ts), xs);
    expect(res.ok).toBe(true);
  });

  it("handles the same tensor passed twice", () => {
    const x = fl.tensor([1, 2, 3], undefined, { dtype: "float64", requiresGrad: true });
    fl.einsum("i,i->", x, x).backward();
    expect(x.grad!.toList()).toEqual([2, 4, 6]);
  });

  it("matches matmul and a Linear-style map", () => {
    const W = r([5, 4], 1);
    const x = r([3, 4], 2);
    const a = fl.einsum("ck,bk->bc", W, x).toList();
    const b = fl.matmul(x, fl.transpose(W)).toList();
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 12));
  });

  it("uses the implicit output rule (letters seen once, alphabetical)", () => {
    expect(fl.parseEinsum("ij,jk").output).toEqual(["i", "k"]);
    expect(fl.parseEinsum("ba").output).toEqual(["a", "b"]);
    expect(fl.parseEinsum("ii").output).toEqual([]);
  });
});

describe("explainEinsum", () => {
  it("prints the forward and the swap-rule backward as in the course", () => {
    const e = fl.explainEinsum("ck,bk->bc", ["W", "x"]);
    expect(e.forward).toBe("y[b,c] += W[c,k]·x[b,k]");
    expect(e.backward).toEqual(["W.grad[c,k] += y.grad[b,c]·x[b,k]", "x.grad[b,k] += y.grad[b,c]·W[c,k]"]);
    expect(String(e)).toBe(e.text);
  });

  it("writes three operands and a scalar output", () => {
    const e = fl.explainEinsum("i,ij,j->", ["u", "A", "v"], "s");
    expect(e.forward).toBe("s += u[i]·A[i,j]·v[j]");
    expect(e.backward[1]).toBe("A.grad[i,j] += s.grad·u[i]·v[j]");
  });
});

describe("einsum errors", () => {
  const a = fl.zeros([2, 3]);
  const b = fl.zeros([4, 5]);
  it("names the index letter and both sizes", () => {
    expect(() => fl.einsum("ij,jk->ik", a, b)).toThrow(/index 'j' has size 3 in operand 0 \(dimension 1\) but 4 in operand 1 \(dimension 0\)/);
  });
  it("rejects bad specs clearly", () => {
    expect(() => fl.einsum("ij->ik", a)).toThrow(/output index 'k' appears in no operand/);
    expect(() => fl.einsum("ij,jk->ik", a)).toThrow(/names 2 operand\(s\) but 1 tensor\(s\) were given/);
    expect(() => fl.einsum("i1->i", a)).toThrow(/indices must be letters/);
    expect(() => fl.einsum("ijk->i", a)).toThrow(/operand 0 has 3 indices \(ijk\) but its shape \[2, 3\] has rank 2/);
    expect(() => fl.einsum("ij->ii", a)).toThrow(/output index 'i' appears twice/);
    expect(() => fl.einsum("...i->i", a)).toThrow(/ellipsis/);
    expect(() => fl.einsum("ij,jk->ik", a, fl.zeros([3, 2], { dtype: "float64" }))).toThrow(/dtype mismatch/);
  });
});
