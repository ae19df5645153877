import { describe, expect, it } from "vitest";
import * as fl from "../../src/index.js";

describe("models.mnistCnn", () => {
  it("has PyTorch-style names, takes [N,1,28,28] pixels and gives [N,10] logits; Standardize is (x − mean)/std", () => {
    const m = fl.models.mnistCnn({ seed: 1, widths: { c1: 2, c2: 3, hidden: 5 } });
    expect(Object.keys(m.stateDict())).toEqual(["0.mean", "0.std", "1.weight", "1.bias", "4.weight", "4.bias", "8.weight", "8.bias", "10.weight", "10.bias"]);
    expect(m.stateDict()["8.weight"]!.shape).toEqual([5, 3 * 7 * 7]);
    const y = m.forward(fl.rand([2, 1, 28, 28], { seed: 2 })) as fl.Tensor;
    expect(y.shape).toEqual([2, 10]);
    const s = new fl.models.Standardize(0.5, 0.25);
    expect((s.forward(fl.tensor([0.5, 1, 0])) as fl.Tensor).toList()).toEqual([0, 2, -2]);
    const plain = fl.models.mnistCnn({ standardize: false });
    expect(Object.keys(plain.stateDict())[0]).toBe("0.weight");
    // same seed, same weights
    const again = fl.models.mnistCnn({ seed: 1, widths: { c1: 2, c2: 3, hidden: 5 } });
    expect(Array.from(again.stateDict()["10.weight"]!.data)).toEqual(Array.from(m.stateDict()["10.weight"]!.data));
  });
});
