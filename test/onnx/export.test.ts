/**
 * fl.onnx.export, checked by ONNX Runtime: each exported model runs in onnxruntime-node and its
 * outputs match fundl's forward to float32 rounding, at the example's batch size and (with
 * dynamicBatch) at others.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as fl from "../../src/index.js";
import type { Tensor } from "../../src/index.js";
import { expectSameAsOrt, sample } from "./helpers.js";

const { nn } = fl;

/** A module from a forward function (for models that call ops directly). */
class Fn extends nn.Module {
  constructor(private readonly f: (...xs: Tensor[]) => unknown, children: Record<string, nn.Module> = {}) {
    super();
    for (const [k, m] of Object.entries(children)) this.module(k, m);
  }
  forward(...xs: Tensor[]): unknown {
    return this.f(...xs);
  }
}

const opsOf = (bytes: Uint8Array) => fl.onnx.decodeModel(bytes).graph.node.map((n) => n.op_type);

describe("onnx.export: convolutional models in ONNX Runtime", () => {
  it("the MNIST CNN (Standardize, Conv, ReLU, MaxPool, Flatten, Gemm) matches at batch 2, 1 and 7 with dynamicBatch", async () => {
    const model = fl.models.mnistCnn({ seed: 3, dropout: 0.25 });
    const bytes = fl.onnx.exportBytes(model, sample([2, 1, 28, 28], 1), { dynamicBatch: true, inputNames: ["pixels"], outputNames: ["logits"] });
    const m = fl.onnx.decodeModel(bytes);
    expect(m.opset_import[0]!.version).toBe(fl.onnx.ONNX_OPSET);
    expect(m.graph.input[0]!.name).toBe("pixels");
    expect(m.graph.input[0]!.type.tensor_type.shape.dim[0]).toEqual({ dim_param: "batch" });
    expect(m.graph.output[0]!.name).toBe("logits");
    expect(m.graph.output[0]!.type.tensor_type.shape.dim).toEqual([{ dim_param: "batch" }, { dim_value: 10 }]);
    expect(m.graph.initializer.map((t) => t.name)).toEqual(expect.arrayContaining(["0.mean", "0.std", "1.weight", "1.bias", "11.weight"]));
    expect(opsOf(bytes)).toEqual(["Sub", "Div", "Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Reshape", "Gemm", "Relu", "Gemm"]);
    expect(model.training).toBe(true); // the export traced in eval mode and restored the training mode
    for (const [batch, seed] of [[2, 1], [1, 2], [7, 3]] as const) await expectSameAsOrt(model, bytes, [sample([batch, 1, 28, 28], seed)]);
  });

  it("a residual stack with zero and circular padding (Pad mode wrap before Conv)", async () => {
    for (const paddingMode of ["zeros", "circular"] as const) {
      const model = nn.residualStack(3, 4, 3, { paddingMode, seed: 5, relu: true });
      const x = sample([2, 4, 6, 6], 4);
      const bytes = fl.onnx.exportBytes(model, x);
      expect(opsOf(bytes).filter((o) => o === "Pad").length).toBe(paddingMode === "circular" ? 3 : 0);
      await expectSameAsOrt(model, bytes, [x]);
    }
  });

  it("strides, even kernels with 'same' padding, BatchNorm in eval, AvgPool, activations, softmax, concat and transpose", async () => {
    const conv1 = new nn.Conv2d(3, 4, 3, { stride: 2, padding: 1, seed: 1 });
    const conv2 = new nn.Conv2d(4, 4, 2, { padding: "same", seed: 2 });
    const bn = new nn.BatchNorm2d(4);
    const bn1 = new nn.BatchNorm1d(6);
    // give the running statistics and the affine parameters values that matter
    bn.train();
    fl.noGrad(() => bn.forward(fl.mul(sample([5, 4, 3, 3], 9), 3)));
    bn1.train();
    fl.noGrad(() => bn1.forward(fl.add(sample([5, 6], 10), 1)));
    for (const p of [...bn.parameters(), ...bn1.parameters()]) for (let i = 0; i < p.size; i++) p.data[i] = 0.5 + 0.1 * i;
    const lin = new nn.Linear(4 * 2 * 2, 6, { seed: 3 });
    const model = new Fn(
      (x) => {
        let h = fl.relu(bn.forward(conv2.forward(conv1.forward(x)) as Tensor) as Tensor); // [B, 4, 4, 4]
        h = fl.avgPool2d(h, { kernel: 2 }); // [B, 4, 2, 2]
        const a = fl.sigmoid(h);
        const b = fl.tanh(fl.permute(h, [0, 1, 3, 2]));
        const z = lin.forward(fl.flatten(fl.sub(a, b), 1)) as Tensor; // [B, 6]
        const y = bn1.forward(fl.leakyRelu(z, 0.2)) as Tensor;
        return [fl.softmax(y, -1), fl.logSoftmax(fl.concat([y, fl.div(y, 2)], 1), 1), fl.maxPool2d(x, { kernel: 3, stride: 2, padding: 1 })];
      },
      { conv1, conv2, bn, bn1, lin },
    );
    const x = sample([3, 3, 8, 8], 6);
    const bytes = fl.onnx.exportBytes(model, x, { dynamicBatch: true });
    expect(opsOf(bytes)).toEqual(expect.arrayContaining(["BatchNormalization", "AveragePool", "Transpose", "Concat", "Softmax", "LogSoftmax", "LeakyRelu", "MaxPool"]));
    await expectSameAsOrt(model, bytes, [x]);
    await expectSameAsOrt(model, bytes, [sample([1, 3, 8, 8], 7)]);
  });
});

describe("onnx.export: elementwise, shape and matrix ops", () => {
  it("every elementwise op, reductions, slice, expand, stack, 3-D matmul and linear match ONNX Runtime at two batch sizes", async () => {
    const lin = new nn.Linear(4, 3, { seed: 8 });
    const w = sample([4, 4], 20);
    const model = new Fn(
      (x) => {
        const p = fl.add(fl.abs(x!), 0.5); // positive, for log, sqrt, pow
        const unary = [fl.exp(x!), fl.log(p), fl.sqrt(p), fl.neg(x!), fl.sin(x!), fl.cos(x!), fl.reciprocal(p), fl.square(x!), fl.log1p(p), fl.softplus(x!), fl.clamp(x!, -0.3, 0.4)];
        const binary = [fl.pow(p, 1.5), fl.maximum(x!, fl.neg(x!)), fl.minimum(x!, 0.1), fl.div(x!, p)];
        const all = fl.concat([...unary, ...binary], 2); // [B, 3, 60]
        const every3rd = fl.slice(all, 2, 1, 50, 3);
        const m = fl.matmul(fl.slice(all, 2, 0, 4), w); // [B, 3, 4] · [4, 4]
        const e = fl.add(fl.expand(fl.slice(x!, 1, 0, 1), [x!.shape[0]!, 3, 4]), m);
        const picked = fl.where(fl.gt(x!, 0.2), fl.exp(x!), fl.mul(fl.le(x!, -0.5), 3)); // comparisons give 1 or 0
        const reductions = [picked, fl.sum(all, 2), fl.mean(all, [1, 2], true), fl.max(all, 1), fl.min(all, -1, true), fl.logSumExp(all, 2), fl.sum(all)];
        return [every3rd, lin.forward(e), fl.stack([e, m], 1), ...reductions];
      },
      { lin },
    );
    const bytes = fl.onnx.exportBytes(model, sample([2, 3, 4], 21), { dynamicBatch: true });
    expect(opsOf(bytes)).toEqual(expect.arrayContaining(["Exp", "Log", "Sqrt", "Neg", "Sin", "Cos", "Reciprocal", "Softplus", "Clip", "Pow", "Max", "Slice", "Expand", "MatMul", "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceLogSumExp", "Where", "Greater", "LessOrEqual"]));
    await expectSameAsOrt(model, bytes, [sample([2, 3, 4], 22)]);
    await expectSameAsOrt(model, bytes, [sample([5, 3, 4], 23)]);
  });
});

describe("onnx.export: recurrent layers as ONNX LSTM, GRU and RNN ops", () => {
  const T = 5, B = 3, I = 4, H = 6;

  it("nn.RNN over an LSTMCell becomes one LSTM op (gates i,f,g,o → i,o,f,c); any batch size with dynamicBatch", async () => {
    const model = new nn.RNN(new nn.LSTMCell(I, H, { seed: 1, forgetBias: 1 }));
    const bytes = fl.onnx.exportBytes(model, sample([T, B, I], 1), { dynamicBatch: true, batchDim: 1, outputNames: ["outputs", "h", "c"] });
    expect(opsOf(bytes).filter((o) => o === "LSTM").length).toBe(1);
    await expectSameAsOrt(model, bytes, [sample([T, B, I], 2)]);
    await expectSameAsOrt(model, bytes, [sample([T, 8, I], 3)]);
  });

  it("nn.RNN over a GRUCell becomes one GRU op (r,z,n → z,r,h, linear_before_reset), batchFirst and a given initial state", async () => {
    const rnn = new nn.RNN(new nn.GRUCell(I, H, { seed: 2 }), { batchFirst: true });
    const model = new Fn((x, h0) => rnn.forward(x!, h0), { rnn });
    const inputs = [sample([B, T, I], 4), sample([B, H], 5)];
    const bytes = fl.onnx.exportBytes(model, inputs, { dynamicBatch: true, inputNames: ["x", "h0"] });
    const node = fl.onnx.decodeModel(bytes).graph.node.find((n) => n.op_type === "GRU")!;
    expect(node.attribute.find((a) => a.name === "linear_before_reset")!.i).toBe(1);
    await expectSameAsOrt(model, bytes, inputs);
    await expectSameAsOrt(model, bytes, [sample([6, T, I], 6), sample([6, H], 7)]);
  });

  it("a vanilla RNNCell (relu) over a sequence, and an LSTMCell stepped by hand, export as RNN and LSTM ops", async () => {
    const rnn = new nn.RNN(new nn.RNNCell(I, H, { seed: 3, nonlinearity: "relu" }));
    const x = sample([T, B, I], 8);
    await expectSameAsOrt(rnn, fl.onnx.exportBytes(rnn, x), [x]);

    const cell = new nn.LSTMCell(I, H, { seed: 4 });
    const head = new nn.Linear(H, 2, { seed: 5 });
    const stepper = new Fn(
      (seq, h0, c0) => {
        let state: [Tensor, Tensor] = [h0!, c0!];
        for (const xt of fl.unbind(seq!, 0)) state = cell.forward(xt, state);
        return head.forward(state[0]);
      },
      { cell, head },
    );
    const inputs = [x, sample([B, H], 9), sample([B, H], 10)];
    const bytes = fl.onnx.exportBytes(stepper, inputs);
    expect(opsOf(bytes).filter((o) => o === "LSTM").length).toBe(T);
    await expectSameAsOrt(stepper, bytes, inputs);
  });

  it("UGRNN (both forms) exports as its composition, unrolled over the sequence; the zero initial state follows the batch", async () => {
    for (const form of ["concat", "split"] as const) {
      const model = new nn.RNN(new nn.UGRNNCell(I, H, { seed: 6, form, gateBias: 0.5 }));
      const bytes = fl.onnx.exportBytes(model, sample([T, B, I], 11), { dynamicBatch: true, batchDim: 1 });
      const ops = opsOf(bytes);
      expect(ops).toContain(form === "concat" ? "Gemm" : "Einsum");
      expect(ops).toContain("Expand"); // the initial zeros, sized by the batch
      await expectSameAsOrt(model, bytes, [sample([T, B, I], 12)]);
      await expectSameAsOrt(model, bytes, [sample([T, 1, I], 13)]);
    }
  });
});

describe("onnx.export: errors and files", () => {
  let dir = "";
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "fundl-onnx-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("an op with no ONNX form is a clear error naming it", () => {
    const model = new Fn((x) => fl.crossEntropy(x!, [0, 2])); // losses do not export
    expect(() => fl.onnx.exportBytes(model, sample([2, 3], 1))).toThrow(/the op "crossEntropy" has no ONNX export/);
    const hidden = new nn.GRUCell(3, 2, { seed: 1 }); // not registered: its ops are traced one by one
    const unregistered = new Fn((x) => hidden.forward(x!, fl.zeros([2, 2])));
    expect(() => fl.onnx.exportBytes(unregistered, sample([2, 3], 1))).toThrow(/"gruCell" .* only when it is a registered submodule/);
    // the other fused recurrent ops get the same hint: an unregistered LSTM cell, UGRNN cell and nn.RNN
    const lstm = new nn.LSTMCell(3, 2, { seed: 1 });
    const lstmFn = new Fn((x) => lstm.forward(x!, [fl.zeros([2, 2]), fl.zeros([2, 2])])[0]);
    expect(() => fl.onnx.exportBytes(lstmFn, sample([2, 3], 1))).toThrow(/"lstmCell" .* only when it is a registered submodule/);
    const ugrnn = new nn.UGRNNCell(3, 2, { seed: 1, form: "split" });
    const ugrnnFn = new Fn((x) => ugrnn.forward(x!, fl.zeros([2, 2])));
    expect(() => fl.onnx.exportBytes(ugrnnFn, sample([2, 3], 1))).toThrow(/"ugrnnCell" .* only when it is a registered submodule/);
    const rnn = new nn.RNN(new nn.GRUCell(3, 2, { seed: 1 }));
    const rnnFn = new Fn((x) => rnn.forward(x!).outputs);
    expect(() => fl.onnx.exportBytes(rnnFn, sample([4, 2, 3], 1))).toThrow(/"rnnInputProjection" .* only when it is a registered submodule/);
    const bn = new nn.BatchNorm1d(3, { trackRunningStats: false });
    expect(() => fl.onnx.exportBytes(bn, sample([4, 3], 2))).toThrow(/batchNorm with batch statistics .* cannot be exported/);
  });

  it("a tensor computed from the input outside the traced ops is an error, not a frozen constant", () => {
    const detached = new Fn((x) => fl.mul(fl.relu(x!), fl.relu(x!).detach()));
    expect(() => fl.onnx.exportBytes(detached, sample([2, 3], 1))).toThrow(/input 1 of mul is a tensor \[2, 3\] computed from the input outside fundl's traced ops/);
    const argmax = new Fn((x) => fl.mul(x!, fl.argmax(x!, 1, true)));
    expect(() => fl.onnx.exportBytes(argmax, sample([2, 3], 1))).toThrow(/input 1 of mul is a tensor \[2, 1\] computed from the input/);
    const branching = new Fn((x) => (x!.data[0]! > 0.3 ? fl.relu(x!) : fl.tanh(x!)));
    // the second trace sees 0.9·v + 0.05: 0.338 for 0.32 (the same branch), 0.302 for 0.28 (the other)
    expect(() => fl.onnx.exportBytes(branching, fl.full([2, 3], 0.32))).not.toThrow();
    expect(() => fl.onnx.exportBytes(branching, fl.full([2, 3], 0.28))).toThrow(/different ops on different input values/);
  });

  it("a graph that depends on the batch size cannot have a dynamic batch", () => {
    const model = new Fn((x) => (x!.shape[0] === 2 ? fl.relu(x!) : fl.tanh(x!)));
    expect(() => fl.onnx.exportBytes(model, sample([2, 3], 1), { dynamicBatch: true })).toThrow(/different ops at batch size 2 and 3/);
    const twoDims = new Fn((x) => fl.reshape(x!, [-1]));
    expect(() => fl.onnx.exportBytes(twoDims, sample([2, 3], 1), { dynamicBatch: true })).not.toThrow();
    const noise = new Fn((x) => fl.add(x!, fl.rand([x!.shape[0]!, 3], { seed: 1 })));
    expect(() => fl.onnx.exportBytes(noise, sample([2, 3], 1), { dynamicBatch: true })).toThrow(/changes with the batch size .* not one repeated value/);
  });

  it("export writes the file atomically (no temporary file left) with the same bytes as exportBytes", async () => {
    const model = nn.residualStack(1, 2, 3, { seed: 1 });
    const x = sample([1, 2, 4, 4], 3);
    const file = join(dir, "model.onnx");
    fl.onnx.export(model, x, file);
    expect(readdirSync(dir)).toEqual(["model.onnx"]);
    const bytes = new Uint8Array(readFileSync(file));
    expect(bytes).toEqual(fl.onnx.exportBytes(model, x));
    await expectSameAsOrt(model, bytes, [x]);
  });
});
