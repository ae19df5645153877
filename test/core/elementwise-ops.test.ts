// The elementwise, reduction and softmax ops on the fast backend's kernels against the same ops on
// the reference backend (forward and gradients, random shapes and broadcasts, float32), the
// broadcast layouts the binary kernel takes, and float64 gradient checks of the kernel paths.
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import * as fl from "../../src/index.js";
import { binaryLayout } from "../../src/ops/elementwise.js";

afterEach(() => fl.setBackend("fast"));

/** Run `f` on each backend with fresh leaves made from the same data; returns [fast, reference] results. */
function both<T>(f: () => T): [T, T] {
  fl.setBackend("fast");
  const a = f();
  fl.setBackend("reference");
  const b = f();
  fl.setBackend("fast");
  return [a, b];
}

function close(got: ArrayLike<number>, want: ArrayLike<number>, rel: number, what: string): void {
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, w = want[i]!;
    const ok = Number.isNaN(w) ? Number.isNaN(g) : !Number.isFinite(w) ? g === w : Math.abs(g - w) <= rel * (1 + Math.abs(w));
    if (!ok) expect.fail(`${what}: element ${i}: got ${g}, want ${w}`);
  }
}

describe("binaryLayout", () => {
  it("reads full, row, column and scalar operands, and refuses other broadcasts", () => {
    expect(binaryLayout([4, 5], [4, 5], [4, 5])).toEqual({ rows: 1, cols: 20, a: { rowStride: 20, colStep: 1 }, b: { rowStride: 20, colStep: 1 } });
    expect(binaryLayout([4, 5], [5], [4, 5])).toEqual({ rows: 4, cols: 5, a: { rowStride: 5, colStep: 1 }, b: { rowStride: 0, colStep: 1 } });
    expect(binaryLayout([2, 3, 5], [3, 5], [2, 3, 5])).toEqual({ rows: 2, cols: 15, a: { rowStride: 15, colStep: 1 }, b: { rowStride: 0, colStep: 1 } });
    expect(binaryLayout([4, 1], [4, 5], [4, 5])).toEqual({ rows: 4, cols: 5, a: { rowStride: 1, colStep: 0 }, b: { rowStride: 5, colStep: 1 } });
    expect(binaryLayout([], [4, 5], [4, 5])).toEqual({ rows: 1, cols: 20, a: { rowStride: 0, colStep: 0 }, b: { rowStride: 20, colStep: 1 } });
    // outer product: a column against a row of the same split
    expect(binaryLayout([4, 1], [1, 5], [4, 5])).toEqual({ rows: 4, cols: 5, a: { rowStride: 1, colStep: 0 }, b: { rowStride: 0, colStep: 1 } });
    // a middle dimension broadcast, or splits that disagree: the closure loop
    expect(binaryLayout([2, 1, 5], [2, 3, 5], [2, 3, 5])).toBeNull();
    expect(binaryLayout([2, 1, 1], [1, 1, 5], [2, 3, 5])).toBeNull();
    expect(binaryLayout([0, 5], [5], [0, 5])).toBeNull();
  });
});

const shapeArb = fc.record({
  lead: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 0, maxLength: 2 }),
  n: fc.integer({ min: 1, max: 700 }),
});

describe("ops on the fast kernels agree with the reference backend", () => {
  it("add, sub, mul, div: same shape, scalar, row and column broadcasts, with gradients", () => {
    fc.assert(
      fc.property(shapeArb, fc.constantFrom("same", "row", "column", "scalar", "scalarLeft"), fc.constantFrom("add", "sub", "mul", "div") as fc.Arbitrary<"add" | "sub" | "mul" | "div">, fc.integer(), ({ lead, n }, kind, op, seed) => {
        const shape = [...lead, n];
        const bShape = kind === "same" ? shape : kind === "row" ? [n] : kind === "column" ? [...lead, 1] : [];
        const run = () => {
          const a = fl.randn(kind === "scalarLeft" ? [] : shape, { seed }).requiresGrad_();
          const b = fl.add(fl.randn(kind === "scalarLeft" ? shape : bShape, { seed: seed + 1 }), op === "div" ? 3 : 0).requiresGrad_();
          const y = fl[op](fl.tanh(a), b);
          fl.sum(fl.mul(y, y)).backward();
          return [y.data, a.grad!.data, b.grad!.data].map((d) => Float32Array.from(d));
        };
        const [f, r] = both(run);
        close(f[0]!, r[0]!, 1e-6, `${op} forward`);
        // a scalar a's gradient is a sum over every element (summed in SIMD lanes here, in order there)
        close(f[1]!, r[1]!, kind === "scalarLeft" ? 2e-5 * Math.sqrt(f[0]!.length) : 1e-5, `${op} a.grad`);
        close(f[2]!, r[2]!, 2e-5 * Math.sqrt(f[0]!.length), `${op} b.grad`);
      }),
      { numRuns: 60 },
    );
  });

  it("neg, exp, log, sqrt, square, abs, tanh, sigmoid with gradients", () => {
    const ops = ["neg", "exp", "log", "sqrt", "square", "abs", "tanh", "sigmoid"] as const;
    fc.assert(
      fc.property(shapeArb, fc.constantFrom(...ops), fc.integer(), ({ lead, n }, op, seed) => {
        const run = () => {
          const x = fl.randn([...lead, n], { seed }).requiresGrad_();
          const positive = op === "log" || op === "sqrt";
          const y = fl[op](positive ? fl.add(fl.abs(x), 0.1) : x);
          fl.sum(fl.mul(y, fl.randn(y.shape, { seed: seed + 2 }))).backward();
          return [Float32Array.from(y.data), Float32Array.from(x.grad!.data)];
        };
        const [f, r] = both(run);
        close(f[0]!, r[0]!, 3e-7, `${op} forward`);
        close(f[1]!, r[1]!, 2e-6, `${op} x.grad`);
      }),
      { numRuns: 60 },
    );
  });

  it("sum over the last axis and over all, mean, max/min, logSumExp, softmax, logSoftmax with gradients", () => {
    fc.assert(
      fc.property(shapeArb, fc.constantFrom("sum", "sumAll", "mean", "max", "min", "logSumExp", "softmax", "logSoftmax"), fc.integer(), ({ lead, n }, op, seed) => {
        const run = () => {
          const x = fl.randn([...lead, n], { seed }).requiresGrad_();
          const h = fl.mul(x, 3);
          const y =
            op === "sum" ? fl.sum(h, -1) : op === "mean" ? fl.mean(h, -1) : op === "sumAll" ? fl.sum(h) : op === "max" ? fl.max(h, -1, true) : op === "min" ? fl.min(h, -1) : op === "logSumExp" ? fl.logSumExp(h, -1) : fl[op](h, -1);
          fl.sum(fl.mul(y, fl.randn(y.shape, { seed: seed + 2 }))).backward();
          return [Float32Array.from(y.data), Float32Array.from(x.grad!.data)];
        };
        const [f, r] = both(run);
        close(f[0]!, r[0]!, 2e-6 * Math.sqrt(n), `${op} forward`);
        close(f[1]!, r[1]!, 1e-5, `${op} x.grad`);
      }),
      { numRuns: 60 },
    );
  });

  it("keeps NaN and ±Inf where the reference has them", () => {
    const data = [NaN, 1, -Infinity, Infinity, 0, -0, 2, 3, -1, 1e-45, 5, 6, 7, 8, 9, 10, 11];
    const [f, r] = both(() => {
      const x = fl.tensor(Array.from({ length: 6 * 17 }, (_, i) => data[i % 17]!), [6, 17]);
      const big = fl.reshape(fl.concat(Array.from({ length: 300 }, () => x)), [1800, 17]); // past the copy threshold
      return [fl.exp(big), fl.log(big), fl.tanh(big), fl.sigmoid(big), fl.sqrt(big), fl.div(big, fl.tensor(data)), fl.softmax(big), fl.logSoftmax(big), fl.logSumExp(big, -1), fl.max(big, -1)].map((t) => Float32Array.from(t.data));
    });
    for (let k = 0; k < f.length; k++) close(f[k]!, r[k]!, 3e-7, `result ${k}`);
  });
});

describe("float64 gradient checks through the kernel paths", () => {
  const opts = { dtype: "float64" as const, requiresGrad: true };
  it("binary ops with row, column and scalar broadcasts", () => {
    const a = fl.randn([3, 4], { seed: 1, ...opts });
    const row = fl.add(fl.randn([4], { seed: 2, ...opts }), 0);
    const col = fl.randn([3, 1], { seed: 3, ...opts });
    const check = (f: (...t: fl.Tensor[]) => fl.Tensor, xs: fl.Tensor[]) => expect(fl.gradcheck(f, xs).ok).toBe(true);
    const far = (t: fl.Tensor) => fl.add(fl.abs(t), 1); // away from 0 for div
    check((p, q) => fl.add(p!, q!), [a, row]);
    check((p, q) => fl.sub(p!, q!), [a, col]);
    check((p, q) => fl.mul(p!, q!), [a, row]);
    check((p, q) => fl.div(p!, far(q!)), [a, col]);
    check((p) => fl.mul(p!, 2.5), [a]);
    check((p, q) => fl.div(p!, far(q!)), [row, a]);
  });

  it("reductions and softmax over the last axis", () => {
    const x = fl.randn([3, 5], { seed: 4, dtype: "float64", requiresGrad: true });
    for (const f of [
      (t: fl.Tensor) => fl.sum(t, -1),
      (t: fl.Tensor) => fl.sum(t),
      (t: fl.Tensor) => fl.mean(t, -1),
      (t: fl.Tensor) => fl.max(t, -1),
      (t: fl.Tensor) => fl.logSumExp(t, -1),
      (t: fl.Tensor) => fl.softmax(t, -1),
      (t: fl.Tensor) => fl.logSoftmax(t),
    ]) {
      expect(fl.gradcheck((t) => f(t!), [x]).ok).toBe(true);
    }
  });
});
