// conv2d's ReLU epilogue (`activation: "relu"`, op "conv2dRelu") against the composition it
// replaces, relu(conv2d(x, w, b)): forward and backward in float32 on the fast backend (im2col and
// Winograd paths, geometries that fall back) and float64 on the reference, a float64 gradient check,
// NaN and ∞, retainGrad on its output; nn.Sequential running Conv2d + ReLU as the fused op with the
// layer-by-layer numbers; and its ONNX export (Conv, Relu).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as fl from "../../src/index.js";
import { getBackend, setBackend } from "../../src/backend/index.js";
import { fastContext } from "../../src/backend/fast/context.js";
import { gradcheck } from "../../src/gradcheck.js";
import { conv2d, type Conv2dOptions } from "../../src/ops/conv.js";
import { relu } from "../../src/ops/elementwise.js";
import { maxPool2d } from "../../src/ops/pool.js";
import { sum, mean } from "../../src/ops/reduce.js";
import { mul } from "../../src/ops/elementwise.js";
import { profile } from "../../src/profile.js";
import { randn, type Tensor } from "../../src/tensor.js";
import { Conv2d } from "../../src/nn/conv.js";
import { Flatten, ReLU, Sequential } from "../../src/nn/basic.js";
import { MaxPool2d } from "../../src/nn/pool.js";
import { Linear } from "../../src/nn/linear.js";
import { expectSameAsOrt, sample } from "../onnx/helpers.js";

interface Case {
  label: string;
  x: [number, number, number, number];
  w: [number, number, number, number];
  opts: Conv2dOptions;
  bias: boolean;
}

const CASES: Case[] = [
  // Winograd-eligible (3×3, stride 1, ≥ 8 channels) and large enough for the wasm kernels
  { label: "3×3 same, 8→16 (Winograd)", x: [3, 8, 11, 9], w: [16, 8, 3, 3], opts: { padding: 1 }, bias: true },
  { label: "3×3 valid, 9→10, odd sizes (Winograd)", x: [2, 9, 13, 7], w: [10, 9, 3, 3], opts: {}, bias: false },
  // im2col + GEMM
  { label: "3×3 same, 1→32 (im2col)", x: [4, 1, 28, 28], w: [32, 1, 3, 3], opts: { padding: 1 }, bias: true },
  { label: "stride 2, padding 1 (falls back to im2col)", x: [2, 5, 15, 17], w: [7, 5, 3, 3], opts: { stride: 2, padding: 1 }, bias: true },
  { label: "circular padding, 5×5", x: [2, 3, 12, 10], w: [6, 3, 5, 5], opts: { padding: 2, paddingMode: "circular" }, bias: true },
  { label: "pointwise 1×1", x: [2, 16, 9, 9], w: [12, 16, 1, 1], opts: {}, bias: true },
  // tiny: the definitions
  { label: "tiny (definition loops)", x: [1, 2, 4, 3], w: [3, 2, 2, 2], opts: { padding: "same" }, bias: true },
];

function inputs(c: Case, seed: number, dtype: "float32" | "float64"): Tensor[] {
  const x = randn(c.x, { seed, dtype, requiresGrad: true });
  const w = randn(c.w, { seed: seed + 1, dtype, requiresGrad: true });
  const t = [x, w];
  if (c.bias) t.push(randn([c.w[0]], { seed: seed + 2, dtype, requiresGrad: true }));
  return t;
}

/** Forward and the three gradients of a scalar loss with a non-uniform y.grad. */
function run(c: Case, seed: number, dtype: "float32" | "float64", fused: boolean) {
  const [x, w, b] = inputs(c, seed, dtype);
  const y = fused ? conv2d(x!, w!, b ?? null, { ...c.opts, activation: "relu" }) : relu(conv2d(x!, w!, b ?? null, c.opts));
  const weights = randn(y.shape, { seed: seed + 3, dtype });
  sum(mul(y, weights)).backward();
  return { y: y.data, gx: x!.grad!.data, gw: w!.grad!.data, gb: b?.grad?.data ?? null };
}

/** |got − want| ≤ tol · (1 + max|want|) elementwise (NaN only where want is NaN). */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  let scale = 0;
  for (let i = 0; i < want.length; i++) if (Number.isFinite(want[i]!)) scale = Math.max(scale, Math.abs(want[i]!));
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, v = want[i]!;
    if (!Number.isFinite(v) || !Number.isFinite(g)) {
      if (!Object.is(g, v)) throw new Error(`${what}: element ${i} is ${g}, expected ${v}`);
      continue;
    }
    if (Math.abs(g - v) > tol * (1 + scale)) throw new Error(`${what}: element ${i} is ${g}, expected ${v} (tolerance ${tol})`);
  }
}

describe("conv2d with activation relu equals relu(conv2d(…))", () => {
  for (const c of CASES) {
    it(`float32 on the fast backend: ${c.label}`, () => {
      const want = run(c, 7, "float32", false);
      const got = run(c, 7, "float32", true);
      // the same conv kernels on both sides, the ReLU applied to the same floats: identical output and input/weight gradients
      expectClose(got.y, want.y, 0, "y");
      expectClose(got.gx, want.gx, 0, "x.grad");
      expectClose(got.gw, want.gw, 0, "w.grad");
      // the bias sum may run in another kernel (the mask pass) when the unfused one ran the definition's loop
      if (c.bias) expectClose(got.gb!, want.gb!, 1e-6, "bias.grad");
    });
  }

  describe("float64 on the reference backend", () => {
    let saved = "";
    beforeAll(() => { saved = getBackend(); setBackend("reference"); });
    afterAll(() => setBackend(saved));
    for (const c of CASES.filter((c) => c.x[0] * c.w[0] * c.x[2] * c.x[3] < 20000)) {
      it(`${c.label}`, () => {
        const want = run(c, 11, "float64", false);
        const got = run(c, 11, "float64", true);
        expectClose(got.y, want.y, 0, "y");
        expectClose(got.gx, want.gx, 0, "x.grad");
        expectClose(got.gw, want.gw, 0, "w.grad");
        if (c.bias) expectClose(got.gb!, want.gb!, 1e-14, "bias.grad");
      });
    }
  });

  it("passes a float64 gradient check (fast backend: the js kernels and the definitions)", () => {
    for (const c of [CASES[6]!, { ...CASES[3]!, x: [1, 2, 7, 6] as Case["x"], w: [3, 2, 3, 3] as Case["w"] }, { ...CASES[4]!, x: [1, 2, 6, 5] as Case["x"], w: [2, 2, 5, 5] as Case["w"] }]) {
      const ins = inputs(c, 21, "float64");
      const r = gradcheck((...t: Tensor[]) => conv2d(t[0]!, t[1]!, t[2] ?? null, { ...c.opts, activation: "relu" }), ins, { eps: 1e-6 });
      expect(r.ok, `${c.label}: ${JSON.stringify(r.worst)}`).toBe(true);
    }
  });

  it("keeps NaN and ∞ as the composition does (Winograd skipped for non-finite operands)", () => {
    const c = CASES[0]!;
    for (const bad of [NaN, Infinity, -Infinity]) {
      const mk = () => {
        const [x, w, b] = inputs(c, 5, "float32");
        x!.data[17] = bad;
        x!.data[400] = -bad;
        return [x!, w!, b!] as const;
      };
      const [x0, w0, b0] = mk();
      const want = relu(conv2d(x0, w0, b0, c.opts));
      const [x1, w1, b1] = mk();
      const got = conv2d(x1, w1, b1, { ...c.opts, activation: "relu" });
      expectClose(got.data, want.data, 0, `y with ${bad}`);
      sum(want).backward();
      sum(got).backward();
      expectClose(w1.grad!.data, w0.grad!.data, 0, `w.grad with ${bad}`);
      expectClose(b1.grad!.data, b0.grad!.data, 1e-6, `bias.grad with ${bad}`);
    }
  });

  it("leaves a retained output gradient unmasked (the mask goes to storage of its own)", () => {
    const c = CASES[2]!;
    const [x, w, b] = inputs(c, 3, "float32");
    const y = conv2d(x!, w!, b!, { ...c.opts, activation: "relu" }).retainGrad();
    const weights = randn(y.shape, { seed: 6 }); // as run(c, 3, …) weighs its output
    sum(mul(y, weights)).backward();
    expect(Array.from(y.grad!.data)).toEqual(Array.from(weights.data));
    const want = run(c, 3, "float32", false);
    expectClose(w!.grad!.data, want.gw, 0, "w.grad");
  });

  it("gives its private copy of y (wasm memory) back when the graph is freed, and takes none without a graph", () => {
    const c = CASES[2]!;
    const [x, w, b] = inputs(c, 8, "float32");
    const heap = fastContext()!.arena.heap;
    // warm up, so the arena's and gradients' blocks exist before counting
    sum(conv2d(x!, w!, b!, { ...c.opts, activation: "relu" })).backward();
    const before = heap.stats().blocks;
    for (let i = 0; i < 3; i++) sum(conv2d(x!, w!, b!, { ...c.opts, activation: "relu" })).backward();
    fl.noGrad(() => conv2d(x!, w!, b!, { ...c.opts, activation: "relu" }));
    expect(heap.stats().blocks).toBe(before);
    // held while the graph lives
    const y = conv2d(x!, w!, b!, { ...c.opts, activation: "relu" });
    expect(heap.stats().blocks).toBe(before + 1);
    sum(y).backward();
    expect(heap.stats().blocks).toBe(before);
  });

  it("records one conv2dRelu op, counted as the conv plus one add per output", () => {
    const x = randn([2, 3, 8, 8]), w = randn([4, 3, 3, 3], { requiresGrad: true });
    const rep = profile(() => conv2d(x, w, null, { padding: 1, activation: "relu" }));
    expect(Object.keys(rep.byOp)).toEqual(["conv2dRelu"]);
    const products = 2 * 4 * 8 * 8 * 3 * 9;
    expect(rep.byOp.conv2dRelu!.multiplies).toBe(products);
    expect(rep.byOp.conv2dRelu!.adds).toBe(products + 2 * 4 * 8 * 8);
  });

  it("rejects an unknown activation, naming the option", () => {
    const x = randn([1, 1, 4, 4]), w = randn([1, 1, 3, 3]);
    expect(() => conv2d(x, w, null, { activation: "gelu" as "relu" })).toThrow(/conv2d: activation must be "relu" or null, got "gelu"/);
  });
});

/** A small MNIST-like CNN: conv, ReLU, pool, conv, ReLU, pool, flatten, linear. */
function cnn(seed: number): Sequential {
  return new Sequential(
    new Conv2d(1, 8, 3, { padding: 1, seed }),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(8, 8, 3, { padding: 1, seed: seed + 1 }),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(8 * 3 * 3, 5, { seed: seed + 2 }),
  );
}

describe("nn.Sequential fuses Conv2d + ReLU", () => {
  it("runs conv2dRelu and gives the layer-by-layer numbers, forward and gradients", () => {
    const x = randn([6, 1, 13, 12], { seed: 9 });
    const fusedModel = cnn(1), plainModel = cnn(1);
    const rep = profile(() => mean(fusedModel.forward(x)).backward());
    expect(rep.byOp.conv2dRelu?.calls).toBe(2);
    expect(rep.byOp.conv2d).toBeUndefined();
    expect(rep.byOp.relu).toBeUndefined();
    // the same layers, one op each
    let h = x;
    for (const m of plainModel.layers) h = m.forward(h) as Tensor;
    mean(h).backward();
    const a = fusedModel.namedParameters(), b = plainModel.namedParameters();
    for (let i = 0; i < a.length; i++) {
      const [name, p] = a[i]!;
      expect(name).toBe(b[i]![0]);
      expectClose(p.grad!.data, b[i]![1].grad!.data, name.endsWith("bias") ? 1e-6 : 0, name);
    }
    const yf = fl.noGrad(() => fusedModel.forward(x)), yp = fl.noGrad(() => plainModel.layers.reduce((t, m) => m.forward(t) as Tensor, x));
    expectClose(yf.data, yp.data, 0, "logits");
  });

  it("does not fuse a Conv2d or ReLU whose forward was replaced, nor a ReLU that does not follow a Conv2d", () => {
    const conv = new Conv2d(1, 2, 3, { seed: 1 });
    conv.forward = (x: Tensor) => conv2d(x, conv.weight, null); // drops the bias on purpose
    const model = new Sequential(conv, new ReLU());
    const x = randn([1, 1, 5, 5], { seed: 2 });
    const rep = profile(() => model.forward(x));
    expect(rep.byOp.conv2dRelu).toBeUndefined();
    expect(Array.from(model.forward(x).data)).toEqual(Array.from(relu(conv2d(x, conv.weight, null)).data));
    const rep2 = profile(() => new Sequential(new ReLU(), new Conv2d(1, 2, 3, { seed: 1 })).forward(x));
    expect(rep2.byOp.conv2dRelu).toBeUndefined();
    // a trailing Conv2d (no ReLU after it) runs plain
    const rep3 = profile(() => new Sequential(new Conv2d(1, 2, 3, { seed: 1 })).forward(x));
    expect(Object.keys(rep3.byOp)).toEqual(["conv2d"]);
  });

  it("keeps maxPool2d's gradient through the fused op equal to the composition on odd sizes", () => {
    const x = randn([4, 3, 15, 13], { seed: 3 });
    const w = randn([16, 3, 3, 3], { seed: 4, requiresGrad: true });
    const w2 = randn([16, 3, 3, 3], { seed: 4, requiresGrad: true });
    sum(maxPool2d(conv2d(x, w, null, { padding: 1, activation: "relu" }), { kernel: 2 })).backward();
    sum(maxPool2d(relu(conv2d(x, w2, null, { padding: 1 })), { kernel: 2 })).backward();
    expectClose(w.grad!.data, w2.grad!.data, 0, "w.grad");
  });

  it("exports to ONNX as Conv then Relu (circular padding: Pad, Conv, Relu), matching ONNX Runtime", async () => {
    const model = new Sequential(new Conv2d(2, 4, 3, { padding: 1, paddingMode: "circular", seed: 3 }), new ReLU(), new Conv2d(4, 3, 3, { stride: 2, seed: 4 }), new ReLU());
    const x = sample([2, 2, 9, 8], 5);
    const bytes = fl.onnx.exportBytes(model, x);
    expect(fl.onnx.decodeModel(bytes).graph.node.map((n) => n.op_type)).toEqual(["Pad", "Conv", "Relu", "Conv", "Relu"]);
    await expectSameAsOrt(model, bytes, [x]);
  });
});
