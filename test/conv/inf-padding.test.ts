/**
 * conv2d semantics with non-finite weights on padded taps. fundl follows PyTorch's CPU im2col +
 * GEMM path (slow_conv2d, the one float64 always takes): a zero-padded position is the value 0
 * and is multiplied like any other, so an infinite weight on a padded tap gives 0·∞ = NaN — also
 * at outputs that read only padding. Every backend must agree, NaN for NaN.
 */
import { afterEach, describe, expect, it } from "vitest";
import * as fl from "../../src/index.js";

const initial = fl.getBackend();
afterEach(() => fl.setBackend(initial));

function convOn(backend: string, x: fl.Tensor, w: fl.Tensor, b: fl.Tensor | null, o: fl.Conv2dOptions): number[] {
  fl.setBackend(backend);
  return fl.conv2d(x, w, b, o).toList();
}

describe("conv2d with an infinite weight and zero padding", () => {
  it("an output that reads only padding is NaN (0·∞) in the reference backend, as in PyTorch's im2col path", () => {
    const x = fl.ones([1, 1, 2, 2], { dtype: "float64" });
    const w = fl.tensor([Infinity, 1, 1, 1], [1, 1, 2, 2], { dtype: "float64" });
    // padding 2: output (0,0) covers padded rows/cols only
    const y = convOn("reference", x, w, null, { padding: 2 });
    expect(y[0]).toBeNaN();
  });

  it("reference, js and fast agree value for value and NaN for NaN on random configurations", () => {
    const g = new fl.Generator(12);
    const backends = fl.listBackends().filter((b) => ["reference", "js", "fast"].includes(b));
    expect(backends).toContain("js");
    expect(backends).toContain("fast");
    for (let trial = 0; trial < 24; trial++) {
      const k = 1 + g.int(3);
      const pad = g.int(3);
      const stride = 1 + g.int(2);
      const h = k + g.int(4);
      const cin = 1 + g.int(3);
      const cout = 1 + g.int(3);
      const dtype = trial % 2 ? "float32" : "float64";
      const x = fl.randn([1 + g.int(2), cin, h, h], { seed: trial, dtype });
      const w = fl.randn([cout, cin, k, k], { seed: 100 + trial, dtype });
      w.data[g.int(w.size)] = g.random() < 0.5 ? Infinity : -Infinity;
      const b = g.random() < 0.5 ? fl.randn([cout], { seed: 200 + trial, dtype }) : null;
      const o = { padding: pad, stride };
      const ref = convOn("reference", x, w, b, o);
      for (const be of backends) {
        const got = convOn(be, x, w, b, o);
        expect(got.length).toBe(ref.length);
        for (let i = 0; i < ref.length; i++) {
          const r = ref[i]!;
          const v = got[i]!;
          const what = `${be}, trial ${trial}, element ${i}: ${v} vs reference ${r}`;
          if (Number.isNaN(r)) expect(Number.isNaN(v), what).toBe(true);
          else if (!Number.isFinite(r)) expect(v, what).toBe(r);
          else expect(Math.abs(v - r), what).toBeLessThan(1e-4 * (1 + Math.abs(r)));
        }
      }
    }
  });
});

describe("conv2d backward with an infinite output gradient and zero padding", () => {
  it("the weight gradient multiplies padded zeros too (0·∞ = NaN): reference, js and fast agree", () => {
    const g = new fl.Generator(34);
    const backends = fl.listBackends().filter((b) => ["reference", "js", "fast"].includes(b));
    for (let trial = 0; trial < 12; trial++) {
      const k = 2 + g.int(2);
      const pad = 1 + g.int(2);
      const h = k + g.int(3);
      const dtype = trial % 2 ? "float32" : "float64";
      const x = fl.randn([1, 2, h, h], { seed: trial, dtype });
      const w0 = fl.randn([2, 2, k, k], { seed: 50 + trial, dtype });
      const o = { padding: pad };
      const results = backends.map((be) => {
        fl.setBackend(be);
        const w = w0.clone().requiresGrad_();
        const y = fl.conv2d(x, w, null, o);
        const gy = fl.ones(y.shape, { dtype });
        gy.data[0] = Infinity; // output (0,0) reads padding at its first taps
        y.backward(gy);
        return w.grad!.toList();
      });
      const ref = results[0]!;
      expect(ref.some(Number.isNaN)).toBe(true);
      for (let b = 1; b < results.length; b++) {
        results[b]!.forEach((v, i) => {
          const r = ref[i]!;
          const what = `${backends[b]}, trial ${trial}, element ${i}: ${v} vs reference ${r}`;
          if (Number.isNaN(r)) expect(Number.isNaN(v), what).toBe(true);
          else if (!Number.isFinite(r)) expect(v, what).toBe(r);
          else expect(Math.abs(v - r), what).toBeLessThan(1e-4 * (1 + Math.abs(r)));
        });
      }
    }
  });
});
