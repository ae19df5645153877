// Tensor storage in WebAssembly memory: intermediate gradients and the outputs nn.Sequential passes
// between its own layers live there, kernels use them in place, the graph gives them back when
// backward frees it — and nothing user code can reach is ever given back.
import { describe, expect, it } from "vitest";
import * as fl from "../../src/index.js";
import { fastContext } from "../../src/backend/fast/context.js";
import { recycle, takeUninitialized } from "../../src/grad-pool.js";
import { locationOf } from "../../src/storage.js";
import { Module } from "../../src/nn/module.js";
import type { Tensor } from "../../src/tensor.js";

function heapInUse(): number {
  return fastContext()!.heap.stats().inUse;
}

function mlp(seed: number): fl.nn.Sequential {
  const generator = new fl.Generator(seed);
  return new fl.nn.Sequential(new fl.nn.Linear(40, 64, { generator }), new fl.nn.ReLU(), new fl.nn.Linear(64, 50, { generator }), new fl.nn.Tanh(), new fl.nn.Linear(50, 7, { generator }));
}

describe("storage in WebAssembly memory", () => {
  fl.setBackend("fast");
  fl.matmul(fl.randn([64, 64]), fl.randn([64, 64])); // bring the fast context up

  it("hands out wasm storage only for what is given back", () => {
    const a = takeUninitialized("float32", 5000, "recycled");
    const b = takeUninitialized("float32", 5000, "user");
    const c = takeUninitialized("float64", 5000, "recycled");
    expect(locationOf(a)).toBe("wasm");
    expect(locationOf(b)).toBe("js");
    expect(locationOf(c)).toBe("js");
    const before = heapInUse();
    recycle(a);
    expect(heapInUse()).toBeLessThan(before);
    recycle(a); // a second give-back of the same array is ignored, not a double free
    expect(heapInUse()).toBeLessThan(before);
  });

  it("a kernel gives the same numbers on wasm-resident operands as on JavaScript arrays", () => {
    const x = fl.randn([70, 90], { seed: 1 });
    const w = fl.randn([90, 33], { seed: 2 });
    const wasmX = takeUninitialized("float32", x.size, "recycled");
    wasmX.set(x.data);
    expect(locationOf(wasmX)).toBe("wasm");
    const inPlace = fl.matmul(fl.tensor(wasmX, [70, 90]), w);
    const copied = fl.matmul(x, w);
    expect(Array.from(inPlace.data)).toEqual(Array.from(copied.data));
    recycle(wasmX);
  });

  it("Sequential gives the numbers of its layers applied one by one, and its wasm storage back after backward", () => {
    const x = fl.randn([32, 40], { seed: 3 });
    const labels = fl.tensor(Array.from({ length: 32 }, (_, i) => i % 7));
    const seq = mlp(4);
    const byHand = mlp(4);
    const layers = byHand.layers;
    const before = heapInUse();
    const out = seq.forward(x);
    const mid = heapInUse();
    expect(mid).toBeGreaterThan(before); // the hidden activations are in wasm memory now
    expect(locationOf(out.data)).toBe("js"); // the output goes to the user: an ordinary array
    fl.crossEntropy(out, labels).backward();
    expect(heapInUse()).toBe(before); // all of it came back when backward freed the graph
    let h: Tensor = x;
    for (const m of layers) h = m.forward(h) as Tensor;
    fl.crossEntropy(h, labels).backward();
    expect(Array.from(out.data)).toEqual(Array.from(h.data));
    const ps = [...seq.parameters()], qs = [...byHand.parameters()];
    ps.forEach((p, i) => expect(Array.from(p.grad!.data)).toEqual(Array.from(qs[i]!.grad!.data)));
  });

  it("keeps storage until the graph is freed (retainGraph) and flat over 200 steps", () => {
    const x = fl.randn([16, 40], { seed: 5 });
    const seq = mlp(6);
    const before = heapInUse();
    const loss = fl.sum(seq.forward(x));
    loss.backward(undefined, { retainGraph: true });
    const g1 = Array.from(seq.layers[0]!.parameters()).map((p) => Array.from(p.grad!.data));
    loss.backward(); // the second pass reads the same saved activations
    const g2 = Array.from(seq.layers[0]!.parameters()).map((p) => Array.from(p.grad!.data));
    g2.forEach((g, i) => g.forEach((v, j) => expect(v).toBeCloseTo(2 * g1[i]![j]!, 4)));
    expect(heapInUse()).toBe(before);
    for (let i = 0; i < 200; i++) fl.sum(seq.forward(x)).backward();
    expect(heapInUse()).toBe(before);
  });

  it("never gives back what user code can reach: a user layer's stashed input, a Flatten view returned", () => {
    class Stash extends Module {
      kept: Tensor | null = null;
      forward(x: Tensor): Tensor {
        this.kept = x;
        return fl.mul(x, 2);
      }
    }
    const generator = new fl.Generator(7);
    const stash = new Stash();
    // Linear → Stash: Linear's output goes to user code, so it stays an ordinary array
    const seq = new fl.nn.Sequential(new fl.nn.Linear(40, 64, { generator }), stash, new fl.nn.ReLU(), new fl.nn.Linear(64, 8, { generator }));
    const x = fl.randn([32, 40], { seed: 8 });
    fl.sum(seq.forward(x)).backward();
    const kept = stash.kept!;
    expect(locationOf(kept.data)).toBe("js");
    const snapshot = Array.from(kept.data);
    for (let i = 0; i < 5; i++) fl.sum(seq.forward(fl.randn([32, 40], { seed: 9 + i }))).backward();
    expect(Array.from(kept.data)).toEqual(snapshot);
    // ReLU → Flatten as the last layer: Flatten's output is a view of ReLU's, and reaches the user
    const conv = new fl.nn.Sequential(new fl.nn.Conv2d(2, 4, 3, { padding: 1, generator }), new fl.nn.ReLU(), new fl.nn.Flatten());
    const y = conv.forward(fl.randn([4, 2, 16, 16], { seed: 20 }));
    fl.sum(y).backward();
    const ySnapshot = Array.from(y.data);
    for (let i = 0; i < 5; i++) fl.sum(conv.forward(fl.randn([4, 2, 16, 16], { seed: 21 + i }))).backward();
    expect(Array.from(y.data)).toEqual(ySnapshot);
    // Identity as the last layer hands ReLU's owned output itself to the user
    const idSeq = new fl.nn.Sequential(new fl.nn.Linear(40, 64, { generator }), new fl.nn.ReLU(), new fl.nn.Identity());
    const z = idSeq.forward(fl.randn([32, 40], { seed: 30 }));
    fl.sum(z).backward();
    const zSnapshot = Array.from(z.data);
    for (let i = 0; i < 5; i++) fl.sum(idSeq.forward(fl.randn([32, 40], { seed: 31 + i }))).backward();
    expect(Array.from(z.data)).toEqual(zSnapshot);
    // Identity passes ReLU's owned output on to a user layer, which keeps it
    const stash2 = new Stash();
    const passSeq = new fl.nn.Sequential(new fl.nn.Linear(40, 64, { generator }), new fl.nn.ReLU(), new fl.nn.Identity(), stash2, new fl.nn.Linear(64, 4, { generator }));
    fl.sum(passSeq.forward(fl.randn([32, 40], { seed: 40 }))).backward();
    const passed = stash2.kept!;
    const passedSnapshot = Array.from(passed.data);
    for (let i = 0; i < 5; i++) fl.sum(passSeq.forward(fl.randn([32, 40], { seed: 41 + i }))).backward();
    expect(Array.from(passed.data)).toEqual(passedSnapshot);
  });

  it("under noGrad nothing is graph-owned (no graph will give it back)", () => {
    const seq = mlp(10);
    const before = heapInUse();
    const y = fl.noGrad(() => seq.forward(fl.randn([64, 40], { seed: 11 })));
    expect(heapInUse()).toBe(before);
    expect(locationOf(y.data)).toBe("js");
  });
});
