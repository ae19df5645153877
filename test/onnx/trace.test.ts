/**
 * The tracer: it sees each outermost op once, leaves no trace of itself behind (even when an export
 * fails), and random convolution and pooling geometries export to what ONNX Runtime computes.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import * as fl from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { getOpTracer, setOpTracer } from "../../src/autograd.js";
import { traceForward } from "../../src/io/onnx/trace.js";
import { expectSameAsOrt, sample } from "./helpers.js";

const { nn } = fl;

describe("the op tracer", () => {
  it("reports outermost ops only, with their attrs, and nothing once removed", () => {
    const seen: string[] = [];
    const saved = setOpTracer((name, _inputs, _out, attrs) => seen.push(`${name}${"dim" in attrs ? `(dim ${String(attrs.dim)})` : ""}`));
    try {
      fl.matmul(fl.ones([3]), fl.ones([3, 2])); // matmul promotes the 1-D operand by reshapes around the product
      fl.softmax(fl.ones([2, 3]), 0);
    } finally {
      setOpTracer(saved);
    }
    expect(seen).toEqual(["reshape", "matmul", "reshape", "softmax(dim 0)"]);
    fl.relu(fl.ones([2]));
    expect(seen.length).toBe(4);
    expect(getOpTracer()).toBeNull();
  });

  it("a failed export removes the tracer, restores training modes and unpatches the recurrent modules", () => {
    const rnn = new nn.RNN(new nn.LSTMCell(2, 3, { seed: 1 }));
    class Bad extends nn.Module {
      constructor() {
        super();
        this.module("rnn", rnn);
        this.module("same", rnn); // registered twice: wrapped and unwrapped once
      }
      forward(x: Tensor): Tensor {
        return fl.crossEntropy(fl.select(rnn.forward(x).outputs, 1, 0), [0, 1, 2, 0]); // losses do not export
      }
    }
    const model = new Bad();
    expect(() => fl.onnx.exportBytes(model, sample([4, 1, 2], 1))).toThrow(/"crossEntropy"/);
    expect(getOpTracer()).toBeNull();
    expect(model.training && rnn.training && rnn.cell.training).toBe(true);
    expect(Object.prototype.hasOwnProperty.call(rnn, "forward")).toBe(false);
  });

  it("records an RNN over an LSTM cell as one module step, hiding the ops inside", () => {
    const rnn = new nn.RNN(new nn.LSTMCell(2, 3, { seed: 1 }));
    const trace = traceForward(rnn, [sample([4, 1, 2], 1)]);
    expect(trace.steps.map((s) => s.kind)).toEqual(["module"]);
    expect(trace.outputs.map((t) => t.shape)).toEqual([[4, 1, 3], [1, 3], [1, 3]]);
  });
});

describe("random convolution and pooling geometries in ONNX Runtime", () => {
  it("conv (stride, padding or 'same', zeros or circular) then max- or average-pooling", async () => {
    const geometry = fc
      .record({
        cin: fc.integer({ min: 1, max: 3 }),
        cout: fc.integer({ min: 1, max: 3 }),
        kh: fc.integer({ min: 1, max: 4 }),
        kw: fc.integer({ min: 1, max: 4 }),
        stride: fc.integer({ min: 1, max: 3 }),
        pad: fc.oneof(fc.integer({ min: 0, max: 2 }), fc.constant("same" as const)),
        circular: fc.boolean(),
        poolMax: fc.boolean(),
        poolK: fc.integer({ min: 1, max: 3 }),
        poolPad: fc.integer({ min: 0, max: 1 }),
        h: fc.integer({ min: 5, max: 8 }),
        w: fc.integer({ min: 5, max: 8 }),
        seed: fc.integer({ min: 0, max: 1000 }),
      })
      .filter((g) => {
        if (g.pad === "same" ? g.stride !== 1 : false) return false; // "same" needs stride 1
        // the conv output must hold a (padded) pooling window: ⌊(n + 2p − k)/s⌋ + 1 ≥ poolK − 2·poolPad
        const out = (n: number, k: number) => (g.pad === "same" ? n : Math.floor((n + 2 * g.pad - k) / g.stride) + 1);
        return 2 * g.poolPad <= g.poolK && Math.min(out(g.h, g.kh), out(g.w, g.kw)) >= g.poolK - 2 * g.poolPad;
      });
    await fc.assert(
      fc.asyncProperty(geometry, async (g) => {
        const conv = new nn.Conv2d(g.cin, g.cout, [g.kh, g.kw], { stride: g.stride, padding: g.pad, paddingMode: g.circular ? "circular" : "zeros", seed: g.seed });
        const pool = g.poolMax ? new nn.MaxPool2d(g.poolK, { stride: 1, padding: g.poolPad }) : new nn.AvgPool2d(g.poolK, { stride: 1, padding: g.poolPad });
        const model = new nn.Sequential(conv, pool);
        const x = sample([2, g.cin, g.h, g.w], g.seed + 1);
        await expectSameAsOrt(model, fl.onnx.exportBytes(model, x), [x]);
      }),
      { numRuns: 15, seed: 14 },
    );
  });
});
