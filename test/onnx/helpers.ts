/** Shared helpers for the ONNX tests: run an exported model in onnxruntime-node and compare with fundl. */
import { expect } from "vitest";
import ort from "onnxruntime-node";
import * as fl from "../../src/index.js";
import type { Tensor } from "../../src/index.js";

/** Run the ONNX model's bytes in ONNX Runtime on `inputs` (fed to its inputs in order); outputs in graph order. */
export async function runOrt(bytes: Uint8Array, inputs: Tensor[]): Promise<{ data: Float32Array; dims: number[] }[]> {
  const session = await ort.InferenceSession.create(bytes);
  const feeds: Record<string, ort.Tensor> = {};
  session.inputNames.forEach((name, i) => {
    const t = inputs[i]!;
    feeds[name] = new ort.Tensor("float32", Float32Array.from(t.data), t.shape.slice());
  });
  const result = await session.run(feeds);
  return session.outputNames.map((n) => ({ data: result[n]!.data as Float32Array, dims: result[n]!.dims.slice() }));
}

/** fundl's forward in eval mode, flattened to its tensors as the exporter does. */
export function fundlOutputs(model: fl.nn.Module, inputs: Tensor[]): Tensor[] {
  model.eval();
  const r = fl.noGrad(() => model.forward(...inputs));
  const flat = (v: unknown): Tensor[] =>
    v instanceof fl.Tensor ? [v] : Array.isArray(v) ? v.flatMap(flat) : Object.values(v as object).flatMap(flat);
  return flat(r);
}

/**
 * ONNX Runtime's outputs equal fundl's to float32 rounding: same shapes, and every element within
 * 1e-5 · (1 + max|fundl output|) — the error of a few float32 roundings, far below any wrong
 * weight order, padding or gate.
 */
export async function expectSameAsOrt(model: fl.nn.Module, bytes: Uint8Array, inputs: Tensor[], tol = 1e-5): Promise<number> {
  const want = fundlOutputs(model, inputs);
  const got = await runOrt(bytes, inputs);
  expect(got.length).toBe(want.length);
  let worst = 0;
  want.forEach((w, k) => {
    expect(got[k]!.dims).toEqual(w.shape);
    let scale = 0;
    for (let i = 0; i < w.size; i++) scale = Math.max(scale, Math.abs(w.data[i]!));
    for (let i = 0; i < w.size; i++) worst = Math.max(worst, Math.abs(w.data[i]! - got[k]!.data[i]!) / (1 + scale));
  });
  expect(worst).toBeLessThanOrEqual(tol);
  return worst;
}

/** Uniform [−1, 1) values of the given shape, seeded. */
export function sample(shape: number[], seed: number): Tensor {
  const g = new fl.Generator(seed);
  const t = fl.zeros(shape);
  for (let i = 0; i < t.size; i++) t.data[i] = 2 * g.random() - 1;
  return t;
}
