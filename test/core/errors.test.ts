// Every op checks its inputs: the message names the op, the shapes and what disagrees.
import { describe, expect, it } from "vitest";
import * as fl from "../../src/index.js";

describe("error messages", () => {
  const a = fl.zeros([2, 3]);
  it("matmul names both shapes and the inner dimension", () => {
    expect(() => fl.matmul(a, fl.zeros([4, 5]))).toThrow("matmul: shapes [2, 3] and [4, 5] do not chain: inner dimension k is 3 vs 4");
  });
  it("linear names the input, the weight and in_features", () => {
    expect(() => fl.linear(a, fl.zeros([4, 5]))).toThrow(/linear: input \[2, 3\] does not match weight \[4, 5\]: last dimension is 3 vs in_features 5/);
  });
  it("dtype mixes are refused", () => {
    expect(() => fl.add(a, fl.zeros([2, 3], { dtype: "float64" }))).toThrow(/add: dtype mismatch: input 0 is float32 but input 1 is float64/);
  });
  it("out-of-range dims name the rank", () => {
    expect(() => fl.sum(a, 2)).toThrow("sum: dim 2 is out of range for a tensor of rank 2 (valid: -2..1)");
    expect(() => fl.softmax(a, -3)).toThrow(/softmax: dim -3 is out of range/);
    expect(() => fl.sum(a, [1, -1])).toThrow(/repeat a dimension/);
  });
  it("reshape names both shapes and element counts", () => {
    expect(() => fl.reshape(a, [4, 2])).toThrow("reshape: cannot view shape [2, 3] (6 elements) as [4, 2] (8 elements)");
  });
  it("concat names the tensor and dimension that disagree", () => {
    expect(() => fl.concat([a, fl.zeros([3, 3])], 1)).toThrow(/concat: tensor 1 has shape \[3, 3\] but tensor 0 has \[2, 3\]: dimension 0 is 3 vs 2/);
  });
  it("crossEntropy checks labels", () => {
    expect(() => fl.crossEntropy(a, [0, 3])).toThrow(/label 3 at position 1 is not a class index in 0..2/);
    expect(() => fl.crossEntropy(a, [0])).toThrow(/1 labels for a batch of 2 rows/);
    expect(() => fl.crossEntropy(a, [0, 1], { reduction: "avg" as never })).toThrow(/reduction must be/);
  });
  it("mseLoss requires equal shapes", () => {
    expect(() => fl.mseLoss(a, fl.zeros([3, 2]))).toThrow("mseLoss: prediction [2, 3] and target [3, 2] differ in shape");
  });
  it("permute and select check their arguments", () => {
    expect(() => fl.permute(a, [0, 0])).toThrow(/not a permutation/);
    expect(() => fl.select(a, 1, 3)).toThrow(/index 3 is out of range for dim 1 of size 3/);
  });
  it("non-tensors are named", () => {
    expect(() => fl.exp(null as never)).toThrow("exp: input must be a Tensor, got null");
  });
});

describe("shape ops", () => {
  const x = fl.arange(24).reshape([2, 3, 4]);
  it("permute and transpose move elements as indexed", () => {
    const p = fl.permute(x, [2, 0, 1]);
    expect(p.shape).toEqual([4, 2, 3]);
    // p[k,i,j] = x[i,j,k]
    expect((p.toArray() as number[][][])[3]![1]![2]).toBe((x.toArray() as number[][][])[1]![2]![3]);
    expect(x.T.shape).toEqual([2, 4, 3]);
  });
  it("slice, select, concat and stack", () => {
    expect(fl.slice(x, 2, 1, 3).toArray()).toEqual([[[1, 2], [5, 6], [9, 10]], [[13, 14], [17, 18], [21, 22]]]);
    expect(fl.slice(x, -1, -1).shape).toEqual([2, 3, 1]);
    expect(fl.index(x, 1).shape).toEqual([3, 4]);
    expect(fl.concat([x, x], 0).shape).toEqual([4, 3, 4]);
    expect(fl.stack([x, x], 3).shape).toEqual([2, 3, 4, 2]);
    expect(fl.squeeze(fl.unsqueeze(x, 1)).shape).toEqual([2, 3, 4]);
    expect(fl.flatten(x, 1).shape).toEqual([2, 12]);
  });
});
