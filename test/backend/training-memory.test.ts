// A 10,000-step training loop (conv, ReLU, max pool, dense, cross-entropy, SGD) on the fast backend
// keeps the JS heap and the kernels' WebAssembly memory flat: no dispose, no tidy.
import { describe, expect, it } from "vitest";
import { heapBytes } from "./heap.js";
import * as fl from "../../src/index.js";
import { fastInfo } from "../../src/backend/fast/index.js";
import { fastContext } from "../../src/backend/fast/context.js";
import { locationOf } from "../../src/storage.js";

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

  it("keeps the WebAssembly heap flat over 10,000 steps of a Sequential model whose activations live there, with no page faults", () => {
    fl.setBackend("fast");
    fl.setThreads(2);
    const generator = new fl.Generator(3);
    const model = new fl.nn.Sequential(
      new fl.nn.Conv2d(1, 8, 3, { padding: 1, generator }),
      new fl.nn.ReLU(),
      new fl.nn.MaxPool2d(2),
      new fl.nn.Flatten(),
      new fl.nn.Linear(8 * 6 * 6, 10, { generator }),
    );
    const opt = new fl.optim.SGD(model.parameters(), { lr: 0.01 });
    const x = fl.randn([16, 1, 12, 12], { seed: 4 });
    const labels = fl.tensor(Array.from({ length: 16 }, (_, i) => i % 10));
    let inWasm = 0;
    const step = () => {
      opt.zeroGrad();
      const out = model.forward(x);
      fl.crossEntropy(out, labels).backward();
      opt.step();
    };
    // the conv output (16·8·12·12 floats) goes from Conv2d to ReLU: graph-owned, in wasm memory
    const probe = fl.relu(fl.randn([4096]));
    inWasm = locationOf(probe.data) === "js" ? 0 : 1;
    for (let i = 0; i < 300; i++) step();
    const heap = fastContext()!.heap;
    const wasm0 = fastInfo().wasmBytes;
    const inUse0 = heap.stats().inUse;
    const js0 = heapBytes();
    const js: number[] = [];
    const inUse: number[] = [];
    let faults = 0;
    for (let i = 1; i <= 10_000; i++) {
      // page faults counted over the last 2,000 steps, where no full collection of the checks runs
      if (i === 8001) faults = process.resourceUsage().minorPageFault;
      step();
      if (i % 2000 === 0) {
        inUse.push(heap.stats().inUse);
        if (i === 10_000) faults = (process.resourceUsage().minorPageFault - faults) / 2000;
        js.push(heapBytes());
      }
    }
    const growth = Math.max(...js) - js0;
    console.log(`training memory (Sequential): wasm ${(wasm0 / 2 ** 20).toFixed(1)} MiB flat, heap in use ${(inUse0 / 2 ** 20).toFixed(2)} MiB at every check; JS heap growth ${(growth / 2 ** 10).toFixed(0)} KiB; ${faults.toFixed(2)} page faults per step`);
    expect(inWasm).toBe(0); // outside Sequential an op's output is an ordinary array
    expect(fastInfo().wasmBytes).toBe(wasm0);
    for (const u of inUse) expect(u).toBe(inUse0);
    expect(growth).toBeLessThan(4 * 2 ** 20);
    // what remains (about one a step here) comes from JavaScript arrays outside the graph-owned storage (the loss, the parameters' fresh .grad)
    expect(faults).toBeLessThan(3);
  });
});
