// A 10,000-step training loop (conv, ReLU, max pool, dense, cross-entropy, SGD) on the fast backend
// keeps the JS heap and the kernels' WebAssembly memory flat: no dispose, no tidy.
import { describe, expect, it } from "vitest";
import { heapBytes } from "./heap.js";
import * as fl from "../../src/index.js";
import { fastInfo } from "../../src/backend/fast/index.js";

describe("training memory", () => {
  it("keeps the heap flat over 10,000 steps", () => {
    fl.setBackend("fast");
    fl.setThreads(2);
    const generator = new fl.Generator(1);
    const conv = new fl.nn.Conv2d(1, 8, 3, { padding: 1, generator });
    const fc = new fl.nn.Linear(8 * 6 * 6, 10, { generator });
    const opt = new fl.optim.SGD([...conv.parameters(), ...fc.parameters()], { lr: 0.01 });
    const x = fl.randn([8, 1, 12, 12], { seed: 2 });
    const labels = fl.tensor([0, 1, 2, 3, 4, 5, 6, 7]);
    const step = () => {
      opt.zeroGrad();
      const h = fl.maxPool2d(fl.relu(conv.forward(x)), { kernel: 2 });
      fl.crossEntropy(fc.forward(fl.reshape(h, [8, 8 * 6 * 6])), labels).backward();
      opt.step();
    };
    for (let i = 0; i < 300; i++) step();
    const wasm0 = fastInfo().wasmBytes;
    const heap0 = heapBytes();
    const heaps: number[] = [];
    for (let i = 1; i <= 10_000; i++) {
      step();
      if (i % 2000 === 0) heaps.push(heapBytes());
    }
    const growth = Math.max(...heaps) - heap0;
    console.log(`training memory: heap ${(heap0 / 2 ** 20).toFixed(1)} MiB after warm-up, largest growth over 10,000 steps ${(growth / 2 ** 10).toFixed(0)} KiB; wasm ${(fastInfo().wasmBytes / 2 ** 20).toFixed(1)} MiB (was ${(wasm0 / 2 ** 20).toFixed(1)})`);
    expect(fastInfo().wasmBytes).toBe(wasm0);
    expect(growth).toBeLessThan(4 * 2 ** 20);
  });
});
