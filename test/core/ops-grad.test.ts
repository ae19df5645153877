// Every op's gradient against central finite differences, in float64.
import { describe, expect, it } from "vitest";
import * as fl from "../../src/index.js";
import type { Tensor } from "../../src/index.js";

const r = (shape: number[], seed: number) => fl.randn(shape, { seed, dtype: "float64" });
const pos = (shape: number[], seed: number) => fl.rand(shape, { seed, dtype: "float64" }).add(0.5);

function check(name: string, fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[]) {
  it(name, () => {
    const res = fl.gradcheck(fn, inputs);
    if (!res.ok) throw new Error(`${name}: ${JSON.stringify(res.worst)}`);
    expect(res.maxError).toBeLessThan(1e-4);
  });
}

describe("elementwise gradients (with broadcasting)", () => {
  check("add", (a, b) => fl.add(a, b), [r([2, 3], 1), r([3], 2)]);
  check("sub", (a, b) => fl.sub(a, b), [r([2, 1, 3], 1), r([4, 1], 2)]);
  check("mul", (a, b) => fl.mul(a, b), [r([2, 3], 1), r([2, 1], 2)]);
  check("div", (a, b) => fl.div(a, b), [r([2, 3], 1), pos([3], 2)]);
  check("pow", (a, b) => fl.pow(a, b), [pos([2, 3], 1), r([2, 3], 2)]);
  check("pow by a number", (a) => fl.pow(a, 3), [r([5], 1)]);
  check("maximum", (a, b) => fl.maximum(a, b), [r([4], 1), r([4], 2)]);
  check("minimum", (a, b) => fl.minimum(a, b), [r([4], 1), r([4], 2)]);
  check("neg", (a) => fl.neg(a), [r([3], 1)]);
  check("exp", (a) => fl.exp(a), [r([3], 1)]);
  check("log", (a) => fl.log(a), [pos([3], 1)]);
  check("log1p", (a) => fl.log1p(a), [pos([3], 1)]);
  check("sqrt", (a) => fl.sqrt(a), [pos([3], 1)]);
  check("square", (a) => fl.square(a), [r([3], 1)]);
  check("abs", (a) => fl.abs(a), [r([6], 3)]);
  check("sin, cos", (a) => fl.sin(a).add(fl.cos(a)), [r([4], 1)]);
  check("reciprocal", (a) => fl.reciprocal(a), [pos([3], 1)]);
  check("sigmoid", (a) => fl.sigmoid(a.mul(5)), [r([6], 1)]);
  check("tanh", (a) => fl.tanh(a), [r([6], 1)]);
  check("relu", (a) => fl.relu(a), [r([6], 4)]);
  check("leakyRelu", (a) => fl.leakyRelu(a, 0.1), [r([6], 4)]);
  check("softplus", (a) => fl.softplus(a.mul(10)), [r([6], 4)]);
  check("clamp", (a) => fl.clamp(a, -0.5, 0.5), [r([8], 5)]);
  check("where", (a, b) => fl.where(fl.gt(a, 0), a.mul(2), b), [r([2, 3], 1), r([3], 2)]);
});

describe("reduction gradients", () => {
  check("sum over dims", (a) => fl.sum(a, [0, 2]), [r([2, 3, 4], 1)]);
  check("sum keepDims", (a) => fl.sum(a, 1, true).mul(a), [r([2, 3], 1)]);
  check("mean", (a) => fl.mean(a, -1), [r([2, 3, 4], 1)]);
  check("max", (a) => fl.max(a, 1), [r([3, 5], 1)]);
  check("min", (a) => fl.min(a), [r([3, 5], 1)]);
  check("logSumExp", (a) => fl.logSumExp(a, [1, 2], true), [r([2, 3, 4], 1)]);
  check("variance", (a) => fl.variance(a, 0), [r([5, 2], 1)]);
});

describe("shape op gradients", () => {
  check("reshape", (a) => fl.reshape(a, [3, -1]).mul(r([3, 4], 9)), [r([2, 6], 1)]);
  check("permute", (a) => fl.permute(a, [2, 0, 1]).mul(r([4, 2, 3], 9)), [r([2, 3, 4], 1)]);
  check("transpose", (a) => fl.transpose(a, 0, 2).mul(r([4, 3, 2], 9)), [r([2, 3, 4], 1)]);
  check("expand", (a) => fl.expand(a, [3, 2, 4]).mul(r([3, 2, 4], 9)), [r([2, 1], 1)]);
  check("slice with step", (a) => fl.slice(a, 1, 1, 6, 2).mul(r([2, 3], 9)), [r([2, 7], 1)]);
  check("select", (a) => fl.select(a, -1, 2), [r([2, 4], 1)]);
  check("concat", (a, b) => fl.concat([a, b, a], 1).mul(r([2, 7], 9)), [r([2, 2], 1), r([2, 3], 2)]);
  check("stack", (a, b) => fl.stack([a, b], 1).mul(r([2, 2, 3], 9)), [r([2, 3], 1), r([2, 3], 2)]);
  check("split/unbind", (a) => fl.split(a, 2, 0)[1]!.add(fl.unbind(a, 1)[0]!.slice(0, 0, 2).unsqueeze(1)), [r([4, 2], 1)]);
});

describe("linear algebra and loss gradients", () => {
  check("matmul 2-D", (a, b) => fl.matmul(a, b), [r([3, 4], 1), r([4, 2], 2)]);
  check("matmul batched with broadcast", (a, b) => fl.matmul(a, b), [r([2, 1, 3, 4], 1), r([3, 4, 2], 2)]);
  check("matmul shared right operand", (a, b) => fl.matmul(a, b), [r([2, 3, 4], 1), r([4, 2], 2)]);
  check("matmul vector cases", (a, b, v) => fl.matmul(v, a).add(fl.matmul(b, v).sum()), [r([4, 4], 1), r([2, 4, 4], 2), r([4], 3)]);
  check("linear", (x, w, b) => fl.linear(x, w, b), [r([2, 3, 4], 1), r([5, 4], 2), r([5], 3)]);
  check("softmax", (a) => fl.softmax(a, 1), [r([2, 4, 3], 1)]);
  check("logSoftmax", (a) => fl.logSoftmax(a, 0), [r([4, 3], 1)]);
  check("crossEntropy mean", (a) => fl.crossEntropy(a, [2, 0, 1]), [r([3, 4], 1)]);
  check("crossEntropy sum", (a) => fl.crossEntropy(a, fl.tensor([3, 3]), { reduction: "sum" }), [r([2, 4], 1)]);
  check("mseLoss", (a, b) => fl.mseLoss(a, b), [r([3, 2], 1), r([3, 2], 2)]);
  check("binaryCrossEntropyWithLogits", (a) => fl.binaryCrossEntropyWithLogits(a, fl.rand([5], { seed: 3, dtype: "float64" })), [r([5], 1)]);
  it("cast passes the gradient back in the input's dtype", () => {
    const a = fl.tensor([1, 2], undefined, { dtype: "float64", requiresGrad: true });
    fl.cast(a, "float32").mul(3).sum().backward();
    expect(a.grad!.dtype).toBe("float64");
    expect(a.grad!.toList()).toEqual([3, 3]);
  });
});

describe("values match their definitions", () => {
  it("softmax sums to one and crossEntropy equals −log softmax at the label", () => {
    const x = r([3, 5], 1);
    const p = fl.softmax(x, 1);
    fl.sum(p, 1).toList().forEach((v) => expect(v).toBeCloseTo(1, 12));
    const ce = fl.crossEntropy(x, [4, 0, 2], { reduction: "none" }).toList();
    const ls = fl.logSoftmax(x, 1);
    expect(ce[0]).toBeCloseTo(-(ls.toArray() as number[][])[0]![4]!, 12);
    expect(ce[2]).toBeCloseTo(-(ls.toArray() as number[][])[2]![2]!, 12);
  });

  it("logSumExp is stable for large inputs", () => {
    const x = fl.tensor([1000, 1000], undefined, { dtype: "float64" });
    expect(fl.logSumExp(x).item()).toBeCloseTo(1000 + Math.log(2), 10);
    expect(fl.sigmoid(fl.tensor([-1000])).item()).toBe(0);
  });

  it("argmax returns indices along the dim", () => {
    const x = fl.tensor([[1, 9, 3], [7, 2, 8]]);
    expect(fl.argmax(x, 1).toList()).toEqual([1, 2]);
    expect(fl.argmax(x, 0).toList()).toEqual([1, 0, 1]);
  });

  it("matmul follows PyTorch's shape rules", () => {
    expect(fl.matmul(fl.ones([3]), fl.ones([3])).shape).toEqual([]);
    expect(fl.matmul(fl.ones([2, 3]), fl.ones([3])).shape).toEqual([2]);
    expect(fl.matmul(fl.ones([3]), fl.ones([3, 4])).shape).toEqual([4]);
    expect(fl.matmul(fl.ones([5, 1, 2, 3]), fl.ones([4, 3, 6])).shape).toEqual([5, 4, 2, 6]);
  });
});
