// relu and maxPool2d run through the backend's kernels: the same values, gradients and NaN
// semantics on every backend (relu(NaN) = NaN as in PyTorch; a NaN wins its pooling window).
import { afterEach, describe, expect, it } from "vitest";
import * as fl from "../../src/index.js";

const backends = ["reference", "fast", "js"] as const;

afterEach(() => fl.setBackend("fast"));

describe.each(backends)("relu and maxPool2d on the %s backend", (backend) => {
  it("relu: NaN stays NaN, −∞ → 0; the gradient flows only where x > 0", () => {
    fl.setBackend(backend);
    for (const dtype of ["float32", "float64"] as const) {
      const x = fl.tensor([NaN, -Infinity, -1, -0, 0, 0.5, 2, Infinity], undefined, { dtype, requiresGrad: true });
      const y = fl.relu(x);
      expect(Array.from(y.data)).toEqual([NaN, 0, 0, 0, 0, 0.5, 2, Infinity]);
      y.backward(fl.tensor([1, 2, 3, 4, 5, 6, 7, 8], undefined, { dtype }));
      expect(Array.from(x.grad!.data)).toEqual([0, 0, 0, 0, 0, 6, 7, 8]);
    }
  });

  it("maxPool2d: a NaN wins its window and takes its gradient; other windows are unaffected", () => {
    fl.setBackend(backend);
    for (const dtype of ["float32", "float64"] as const) {
      // 1×1×2×4 input, 2×2 windows: [[1, NaN, 5, 6], [3, 2, 8, 7]]
      const x = fl.tensor([1, NaN, 5, 6, 3, 2, 8, 7], undefined, { dtype, requiresGrad: true }).reshape([1, 1, 2, 4]);
      x.retainGrad();
      const y = fl.maxPool2d(x, { kernel: 2 });
      expect(Array.from(y.data)).toEqual([NaN, 8]);
      y.backward(fl.tensor([10, 20], undefined, { dtype }).reshape([1, 1, 1, 2]));
      expect(Array.from(x.grad!.data)).toEqual([0, 10, 0, 0, 0, 0, 20, 0]);
    }
  });

  it("a tensor used twice gets both contributions (the first backward writes, the second adds)", () => {
    fl.setBackend(backend);
    const x = fl.randn([2, 3, 40, 40], { seed: 7, requiresGrad: true });
    const w = fl.randn([4, 3, 3, 3], { seed: 8, requiresGrad: true });
    const loss = () => fl.sum(fl.relu(x).mul(2).add(fl.relu(x))).add(fl.sum(fl.conv2d(x, w, null, { padding: 1 }).mul(fl.conv2d(x, w, null, { padding: 1 }))));
    loss().backward();
    const once = Array.from(x.grad!.data);
    // the same sum with each use's gradient computed separately
    x.grad = null;
    fl.sum(fl.relu(x)).mul(3).backward();
    const relus = Array.from(x.grad!.data);
    x.grad = null;
    fl.sum(fl.conv2d(x, w, null, { padding: 1 }).mul(fl.conv2d(x, w, null, { padding: 1 }).detach())).mul(2).backward();
    const convs = Array.from(x.grad!.data);
    once.forEach((v, i) => expect(v).toBeCloseTo(relus[i]! + convs[i]!, 3));
  });

  it("maxPool2d keeps its argmax until the graph is freed, then reuses the storage without mixing graphs", () => {
    fl.setBackend(backend);
    const x = fl.randn([2, 8, 40, 40], { seed: 9, requiresGrad: true });
    const y = fl.maxPool2d(x, { kernel: 2 });
    const loss = fl.sum(y.mul(y));
    loss.backward(undefined, { retainGraph: true });
    const first = Array.from(x.grad!.data);
    x.grad = null;
    // a second graph made while the first is still alive must not share its argmax
    const other = fl.maxPool2d(fl.randn([2, 8, 40, 40], { seed: 10 }), { kernel: 2 });
    loss.backward(); // frees the first graph (its argmax goes back for reuse)
    expect(Array.from(x.grad!.data)).toEqual(first);
    // later graphs reuse that storage and still get their own answers
    for (let i = 0; i < 3; i++) {
      x.grad = null;
      fl.sum(fl.maxPool2d(x, { kernel: 2 }).mul(fl.maxPool2d(x, { kernel: 2 }))).backward();
      expect(Array.from(x.grad!.data)).toEqual(first);
    }
    expect(other.shape).toEqual([2, 8, 20, 20]);
  });

  it("agrees with the reference backend on random layers (float32 and float64)", () => {
    const shapes: { shape: number[]; o: fl.Pool2dOptions }[] = [
      { shape: [3, 5, 28, 28], o: { kernel: 2 } },
      { shape: [2, 7, 15, 9], o: { kernel: 2 } },
      { shape: [1, 4, 11, 13], o: { kernel: 3, stride: 2, padding: 1 } },
    ];
    for (const dtype of ["float32", "float64"] as const) {
      for (const [n, { shape, o }] of shapes.entries()) {
        const run = (name: string) => {
          fl.setBackend(name);
          const x = fl.randn(shape, { dtype, seed: 40 + n, requiresGrad: true });
          const y = fl.maxPool2d(fl.relu(x), o);
          const gy = fl.randn(y.shape as number[], { dtype, seed: 50 + n });
          y.backward(gy);
          return { y: Array.from(y.data), g: Array.from(x.grad!.data) };
        };
        const want = run("reference");
        const got = run(backend);
        expect(got.y).toEqual(want.y);
        expect(got.g).toEqual(want.g);
      }
    }
  });
});
