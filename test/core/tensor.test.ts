import { describe, expect, it } from "vitest";
import * as fl from "../../src/index.js";

describe("tensor creation", () => {
  it("builds from nested arrays, flat arrays with a shape, typed arrays and numbers", () => {
    const a = fl.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(a.shape).toEqual([2, 3]);
    expect(a.dtype).toBe("float32");
    expect(a.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    const b = fl.tensor([1, 2, 3, 4, 5, 6], [3, 2], { dtype: "float64" });
    expect(b.dtype).toBe("float64");
    expect(b.toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    const buf = new Float64Array([1, 2]);
    expect(fl.tensor(buf).data).toBe(buf); // no copy when the dtype matches
    expect(fl.tensor(3.5).item()).toBe(3.5);
    expect(fl.tensor(3.5).shape).toEqual([]);
  });

  it("rejects ragged arrays and wrong sizes with clear messages", () => {
    expect(() => fl.tensor([[1, 2], [3]])).toThrow(/ragged/);
    expect(() => fl.tensor([1, 2, 3], [2, 2])).toThrow(/3 values cannot take shape \[2, 2\]/);
    expect(() => fl.zeros([2, -1])).toThrow(/invalid size -1/);
    expect(() => fl.zeros([2], { dtype: "int8" as never })).toThrow(/unknown dtype "int8"/);
    expect(() => fl.tensor([1, 2]).item()).toThrow(/2 elements, not 1/);
  });

  it("makes zeros, ones, full, arange, linspace, eye", () => {
    expect(fl.zeros([2, 2]).toList()).toEqual([0, 0, 0, 0]);
    expect(fl.ones([3], { dtype: "float64" }).toList()).toEqual([1, 1, 1]);
    expect(fl.full([2], 7).toList()).toEqual([7, 7]);
    expect(fl.arange(5).toList()).toEqual([0, 1, 2, 3, 4]);
    expect(fl.arange(1, 2, 0.25).toList()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(fl.linspace(0, 1, 5).toList()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(fl.eye(2).toArray()).toEqual([[1, 0], [0, 1]]);
  });

  it("prints readably", () => {
    const s = fl.tensor([[1, 2.5], [3, 4]]).toString();
    expect(s).toContain("[[1, 2.5000],");
    expect(s).toContain("shape=[2, 2], dtype=float32");
  });
});

describe("seeded randomness", () => {
  it("gives the same numbers for the same seed, different for another", () => {
    const a = fl.randn([100], { seed: 7 }).toList();
    const b = fl.randn([100], { seed: 7 }).toList();
    const c = fl.randn([100], { seed: 8 }).toList();
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it("is pinned to fixed values, so every platform and version agrees", () => {
    // The generator is integer-only xoshiro128** (exact in any JS engine); these values were
    // recorded once and guard against accidental changes of the stream.
    const g = new fl.Generator(42);
    const ints = [g.nextUint32(), g.nextUint32(), g.nextUint32()];
    expect(ints).toEqual(PINNED_UINT32);
  });

  it("has the moments of its distributions", () => {
    const n = 20000;
    const x = fl.randn([n], { seed: 1, dtype: "float64" });
    const m = x.mean().item();
    const v = x.sub(m).square().mean().item();
    expect(Math.abs(m)).toBeLessThan(4 / Math.sqrt(n));
    expect(Math.abs(v - 1)).toBeLessThan(0.05);
    const u = fl.rand([n], { seed: 2, dtype: "float64" });
    expect(Math.abs(u.mean().item() - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / n));
    expect(u.max().item()).toBeLessThan(1);
    expect(u.min().item()).toBeGreaterThanOrEqual(0);
  });
});

const PINNED_UINT32 = [2837322924, 544945897, 479756282];
