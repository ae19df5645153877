// Memory: the fast kernels reuse their WebAssembly memory and scratch, so 10,000 steps of kernel
// calls (on the worker pool) leave the wasm memory and the JS heap flat after warm-up.
import { describe, expect, it } from "vitest";
import { heapBytes } from "./heap.js";
import { fastInfo, fastKernels } from "../../src/backend/fast/index.js";
import { setFastThreads } from "../../src/backend/fast/context.js";
import { convArgs, randomF32, rng } from "./helpers.js";

describe("fast backend memory", () => {
  it("keeps wasm memory and the heap flat over 10,000 steps", () => {
    setFastThreads(2);
    const r = rng(5);
    const p = convArgs({ batch: 2, cin: 3, cout: 8, h: 10, w: 10, kh: 3, kw: 3, strideH: 1, strideW: 1, padH: 1, padW: 1, padMode: "zeros" });
    const x = randomF32(p.batch * p.cin * p.h * p.w, r), w = randomF32(p.cout * p.cin * 9, r);
    const y = new Float32Array(p.batch * p.cout * p.ho * p.wo), gx = new Float32Array(x.length), gw = new Float32Array(w.length);
    const a = randomF32(64 * 96, r), b = randomF32(96 * 80, r), c = new Float32Array(64 * 80);
    const mm = { batch: 1, m: 64, n: 80, k: 96, transA: false, transB: true, strideA: 0, strideB: 0, accumulate: false };
    // one training-like step: a dense layer and a convolution, forward and both backward passes
    const step = () => {
      fastKernels.matmul!(a, b, c, mm);
      fastKernels.conv2dForward!(x, w, y, p);
      fastKernels.conv2dBackwardInput!(y, w, gx, p);
      fastKernels.conv2dBackwardWeight!(y, x, gw, p);
    };
    for (let i = 0; i < 500; i++) step();
    const wasm0 = fastInfo().wasmBytes;
    const heap0 = heapBytes();
    const heaps: number[] = [];
    for (let i = 1; i <= 10_000; i++) {
      step();
      if (i % 2500 === 0) heaps.push(heapBytes());
    }
    expect(fastInfo().wasmBytes).toBe(wasm0);
    const growth = Math.max(...heaps) - heap0;
    console.log(`memory: wasm ${(wasm0 / 2 ** 20).toFixed(1)} MiB flat; heap after warm-up ${(heap0 / 2 ** 20).toFixed(1)} MiB, max growth over 10,000 steps ${(growth / 2 ** 10).toFixed(0)} KiB`);
    expect(growth).toBeLessThan(2 * 2 ** 20);
  });
});
