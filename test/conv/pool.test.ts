// maxPool2d / avgPool2d: values against a direct window definition, gradient checks (float64)
// across kernels, strides, paddings and non-square inputs, and the errors.
import { describe, expect, it } from "vitest";
import { gradcheck } from "../../src/gradcheck.js";
import { avgPool2d, maxPool2d, type Pool2dOptions } from "../../src/ops/pool.js";
import { sum } from "../../src/ops/reduce.js";
import { randn, tensor, type Tensor } from "../../src/tensor.js";

const cases: { shape: number[]; o: Pool2dOptions }[] = [
  { shape: [2, 2, 4, 4], o: { kernel: 2 } },
  { shape: [1, 3, 5, 7], o: { kernel: 3, stride: 2 } },
  { shape: [1, 2, 6, 5], o: { kernel: [2, 3], stride: [2, 1], padding: [1, 1] } },
  { shape: [2, 1, 5, 5], o: { kernel: 3, stride: 1, padding: 1 } },
  { shape: [1, 1, 7, 4], o: { kernel: 4, stride: 3, padding: 2 } },
];

/** Window values of output (b,c,i,j): real pixels, with padding −∞ (max) or 0 (avg). */
function windows(x: Tensor, o: Pool2dOptions, pad: number): { shape: number[]; wins: number[][] } {
  const [B, C, H, W] = x.shape as number[];
  const [kh, kw] = typeof o.kernel === "number" ? [o.kernel, o.kernel] : o.kernel;
  const [sh, sw] = o.stride === undefined ? [kh, kw] : typeof o.stride === "number" ? [o.stride, o.stride] : o.stride;
  const [ph, pw] = o.padding === undefined ? [0, 0] : typeof o.padding === "number" ? [o.padding, o.padding] : o.padding;
  const HO = Math.floor((H! + 2 * ph! - kh!) / sh!) + 1, WO = Math.floor((W! + 2 * pw! - kw!) / sw!) + 1;
  const wins: number[][] = [];
  for (let b = 0; b < B!; b++) for (let c = 0; c < C!; c++) for (let i = 0; i < HO; i++) for (let j = 0; j < WO; j++) {
    const v: number[] = [];
    for (let di = 0; di < kh!; di++) for (let dj = 0; dj < kw!; dj++) {
      const r = sh! * i + di - ph!, q = sw! * j + dj - pw!;
      v.push(r < 0 || r >= H! || q < 0 || q >= W! ? pad : x.data[((b * C! + c) * H! + r) * W! + q]!);
    }
    wins.push(v);
  }
  return { shape: [B!, C!, HO, WO], wins };
}

describe("pooling", () => {
  for (const [n, c] of cases.entries()) {
    it(`maxPool2d and avgPool2d: values and gradcheck, x${JSON.stringify(c.shape)} ${JSON.stringify(c.o)}`, () => {
      const x = randn(c.shape, { dtype: "float64", seed: 10 + n });
      const ym = maxPool2d(x, c.o);
      const wm = windows(x, c.o, -Infinity);
      expect(ym.shape).toEqual(wm.shape);
      wm.wins.forEach((v, i) => expect(ym.data[i]).toBe(Math.max(...v)));
      const ya = avgPool2d(x, c.o);
      const wa = windows(x, c.o, 0);
      wa.wins.forEach((v, i) => expect(ya.data[i]).toBeCloseTo(v.reduce((a, b) => a + b, 0) / v.length, 12));
      // random normal values have no ties, so max pooling is differentiable at x
      for (const f of [maxPool2d, avgPool2d]) {
        const r = gradcheck((t) => f(t, c.o), [x]);
        expect(r.ok, `${f.name} ${JSON.stringify(r.worst)}`).toBe(true);
      }
    });
  }

  it("avgPool2d with countIncludePad false divides by the real pixels only", () => {
    const x = tensor([[[[1, 2], [3, 4]]]], undefined, { dtype: "float64" });
    const y = avgPool2d(x, { kernel: 2, stride: 1, padding: 1, countIncludePad: false });
    expect(y.toArray()).toEqual([[[[1, 1.5, 2], [2, 2.5, 3], [3, 3.5, 4]]]]);
    const yInc = avgPool2d(x, { kernel: 2, stride: 1, padding: 1 });
    expect(yInc.toArray()).toEqual([[[[0.25, 0.75, 0.5], [1, 2.5, 1.5], [0.75, 1.75, 1]]]]);
    expect(gradcheck((t) => avgPool2d(t, { kernel: 2, stride: 1, padding: 1, countIncludePad: false }), [randn([1, 2, 3, 4], { dtype: "float64" })]).ok).toBe(true);
  });

  it("maxPool2d sends the gradient to the first maximum of a tie only", () => {
    const x = tensor([[[[5, 5], [1, 5]]]], undefined, { requiresGrad: true });
    sum(maxPool2d(x, { kernel: 2 })).backward();
    expect(x.grad!.toArray()).toEqual([[[[1, 0], [0, 0]]]]);
  });

  it("errors", () => {
    const x = randn([1, 1, 4, 4]);
    expect(() => maxPool2d(x, { kernel: 0 })).toThrow(/kernel must be an integer ≥ 1/);
    expect(() => maxPool2d(x, { kernel: 2, padding: 2 })).toThrow(/at most half the kernel/);
    expect(() => avgPool2d(x, { kernel: 5 })).toThrow(/kernel \[5, 5\] is larger than the padded input \[1, 1, 4, 4\]/);
    expect(() => maxPool2d(randn([4, 4]), { kernel: 2 })).toThrow(/NCHW/);
    expect(() => maxPool2d(x, {} as never)).toThrow(/kernel/);
  });
});
