// `fundl train mnist --export-onnx FILE`: the trained model, run in ONNX Runtime on held-out digits,
// gives fundl's logits (and so its predictions).
import { afterAll, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as fl from "../../src/index.js";
import { buildProgram } from "../../src/cli.js";
import { expectSameAsOrt, runOrt } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "fundl-onnx-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("fundl train mnist --export-onnx writes the trained model; ONNX Runtime reproduces its logits on real digits", async () => {
  const onnxFile = join(dir, "model.onnx");
  const checkpoint = join(dir, "mnist.safetensors");
  const write = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  const out: string[] = [];
  process.env.FUNDL_MNIST_SUBSET = "64,50";
  process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    await buildProgram().parseAsync(["node", "fundl", "train", "mnist", "--epochs", "1", "--batch", "32", "--save", checkpoint, "--export-onnx", onnxFile]);
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
    delete process.env.FUNDL_MNIST_SUBSET;
    fl.setBackend(fl.listBackends().includes("fast") ? "fast" : "reference");
  }
  expect(out.join("")).toContain(`written to ${onnxFile}`);
  const model = fl.models.mnistCnn();
  model.loadStateDict(fl.io.loadCheckpoint(checkpoint).model);
  const { test } = await fl.data.mnistSplit();
  const images = test.subset(Int32Array.from({ length: 20 }, (_, i) => i)).inputs;
  const bytes = new Uint8Array(readFileSync(onnxFile));
  await expectSameAsOrt(model, bytes, [images]);
  const [logits] = await runOrt(bytes, [images]);
  const ortPredicted = Array.from({ length: 20 }, (_, n) => {
    const row = Array.from(logits!.data.subarray(10 * n, 10 * n + 10));
    return row.indexOf(Math.max(...row));
  });
  expect(ortPredicted).toEqual(Array.from(fl.argmax(fl.noGrad(() => model.forward(images)), 1).data));
});
